"""Longer explanatory texts shown on the pages (kept out of the page files for readability)."""

METHOD_EXPLAINER = r"""
**The scenario path.** From the latest observation $V_0$ (year $t_0$), the scenario grows at the
rate $g$ you choose: $V_t = V_0 (1+g)^{t-t_0}$. A shock of size $s$ in year $t_s$ multiplies every
value from $t_s$ on by $(1+s)$; growth then resumes from the lower (or higher) level.

**How much trade swings (volatility).** Between two observations $a$ and $b$ the average yearly
log growth is $r = \ln(V_b/V_a)/(b-a)$. Years are often missing, so a 4-year gap gives one average
over 4 years. The estimator weights each interval by its length $L$:
$\hat\mu = \sum \ln(V_b/V_a) / \sum L$ and
$\hat\sigma^2 = \sum L\,(r-\hat\mu)^2 / (n-1)$ over the $n$ intervals. If yearly log growth were
independent from year to year with a constant spread, this estimate would be right on average
whatever the gaps. Its limits: with few observations it is itself uncertain; long gaps hide the
swings inside them; low-confidence early figures (drawn hollow) weigh in. With fewer than 3
intervals the dashboard does not estimate and asks you to set it.

**Closed form (log-normal).** Each year's log growth is taken to be normal with mean $\ln(1+g)$
and standard deviation $\sigma$. Then the value in year $t$ is log-normal, and its median is your
scenario path: $\ln V_t \sim N(\ln V_0 + (t-t_0)\ln(1+g),\ \sigma^2 (t-t_0))$. The band shows the
10th–90th and 25th–75th percentiles, $\text{median}\cdot e^{z\sigma\sqrt{t-t_0}}$ with
$z = \pm 1.28$ and $\pm 0.67$.

**Chance of the target.** The chance *by* year $T$ is defined here as the chance that the value
*in* year $T$ is at or above the target:
$P = 1-\Phi\!\left(\frac{\ln(\text{target}) - \ln(\text{median}_T)}{\sigma\sqrt{T-t_0}}\right)$.
(It is not the chance of touching the target at some point before $T$, which is higher.) The
"50% / 90% likely by" years are the first years where this chance reaches 50% and 90%.

**Bootstrap (cross-check).** Instead of assuming a normal distribution, the bootstrap draws each
future year's deviation from the trend out of the deviations seen in the history (scaled for gaps,
centred, 10,000 paths, fixed seed), so fat tails and skew in the history carry over. Where the
history looks normal, both methods agree closely.

**What this is not.** It extrapolates the history's own swings. It knows nothing of new pipelines,
sanctions or policy, and figures from the two countries' statistics differ: the chance is always
on the statistics basis you chose.
"""

MIRROR_WHY = """
**Why do the two countries' figures differ?** Every shipment is counted twice: as an export by
the sender and as an import by the receiver. The two counts rarely match:

- **Valuation.** Exports are valued FOB (at the sender's border), imports CIF (including freight
  and insurance to the receiver's border), so imports normally come out a few percent *higher*.
- **Transit and re-exports.** Goods that cross a country on their way elsewhere can be recorded as
  exports to it by the sender but never as imports by it.
- **Country of origin vs consignment.** The importer records where goods were made, the exporter
  where they were sent.
- **Timing.** A shipment leaving in December may arrive in January of the next year.
- **Under-declaration and smuggling.** Goods declared below their value, or not at all, at one
  border but not the other.
"""

#: Sourced statements about a pair's mirror gap, shown under the general explanation.
MIRROR_STATEMENTS: dict[str, str] = {
    "CHN-KAZ": """
**What the sources say about China and Kazakhstan.** The gap grew from about \\$6 bn in 2013
(China customs 28.5 against Kazakhstan's 22.53) to about \\$14 bn in 2024 (43.82 against 30.1,
from two different publications). Almost all of it sits in China's exports: in 2021 Kazakhstan's
exports to China (9.8) and China's imports from Kazakhstan (10.2) were "nearly one to one", while
China's exports (≈14) exceeded Kazakhstan's recorded imports (8.2) by \\$5.7 bn, about 70%.

- Kazakhstan's Ministry of Finance named methodological differences, transit recorded as
  exports, and fraudulent declarations
  ([Desht.org](https://desht.org/en/post/distinctions-in-foreign-trade-statistics-with-china)).
- President Tokayev cited the \\$5.7 bn gap for 2021 and blamed contraband and corruption
  ([Kursiv, 2022-02-02](https://kz.kursiv.media/en/2022-02-02/tokayev-believes-that-corruption-is-guilty-in-gap-between-kazakhstan-and-chinese-statistics/)).
- Konstantin Syroyezhkin (KazISS) said Chinese and Kazakh customs data differ by "5–6 billion a
  year" ([Kazinform, 2017-01-19](https://en.inform.kz/news/chinese-goods-block-domestic-production-in-kazakhstan_a2990672/)).
- The same pattern appears with Kyrgyzstan (transit declared as Chinese exports) and Tajikistan
  (temporary imports of equipment) (Orda.kz, 2025; 24.kg, 2025-01-24).

Official target claims use China-customs-scale numbers: Wang Yi said 2023's \\$41 bn passed the
\\$40 bn target "seven years ahead of schedule", while on Kazakh data 2024 (30.1) had not yet
reached even the \\$35 bn target.
""",
}
