// The tracker's closed-form scenario, in the browser: a mirror of dashboard/analysis/ in JavaScript.
//
// Python stays the reference: dashboard/analysis/uncertainty.py (median path with a one-year
// shock, log-normal fan, P(value in year t >= target)) and growth.py (required CAGR, first year
// reached). This file only repeats that arithmetic so the chart can follow a dragged slider
// without a server round trip; tests/unit/test_live_scenario_parity.py checks the two agree to a
// relative 1e-9 on 50,000 random inputs. Constants that Python owns (the fan's z-values, the
// reach tolerance) come in as arguments, so they cannot drift.
//
// Plain ES module, no dependencies: the component concatenates it with its own code, because a
// custom component's script runs from a blob: URL and cannot import relative files.

const SQRT2 = Math.SQRT2;
const INV_SQRT_PI = 1 / Math.sqrt(Math.PI);

// erfc(x) to about 2e-15 relative, as Python's math.erfc: below 0.5 a positive-term series for
// erf (no cancellation inside the sum, and erfc > 0.47 there, so 1 - erf keeps its digits); from
// 0.5 on the continued fraction, evaluated with Lentz's method, where 1 - erf(x) would lose
// digits (all of them in the tail). The fraction needs ~700 terms at 0.5 and ~30 at 3.
function erfcPositive(x) {
  if (x < 0.5) {
    // erf(x) = 2/sqrt(pi) * exp(-x^2) * sum_n (2x^2)^n x / (1*3*...*(2n+1))
    const x2 = x * x;
    let term = x;
    let sum = x;
    for (let n = 1; n < 200; n += 1) {
      term *= (2 * x2) / (2 * n + 1);
      sum += term;
      if (term < sum * 1e-17) break;
    }
    return 1 - 2 * INV_SQRT_PI * Math.exp(-x2) * sum;
  }
  // erfc(x) = exp(-x^2)/sqrt(pi) * 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + 2/(x + ...)))))
  const tiny = 1e-300;
  let f = x;
  let c = x;
  let d = 0;
  for (let k = 1; k < 5000; k += 1) {
    const a = k / 2;
    d = x + a * d;
    d = d === 0 ? tiny : d;
    c = x + a / c;
    c = c === 0 ? tiny : c;
    d = 1 / d;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  // exp(-x^2) with x^2 split: x*x rounds by ~x^2 * 1e-16, which exp turns into a relative error of
  // the same size (5e-14 at x = 22); x16 = trunc(16x)/16 squares exactly, as in Cody's erfc.
  const x16 = Math.trunc(x * 16) / 16;
  const rest = (x - x16) * (x + x16);
  return (INV_SQRT_PI * Math.exp(-x16 * x16) * Math.exp(-rest)) / f;
}

export function erfc(x) {
  if (Number.isNaN(x)) return NaN;
  if (x === Infinity) return 0;
  if (x === -Infinity) return 2;
  return x >= 0 ? erfcPositive(x) : 2 - erfcPositive(-x);
}

/** P(Z <= z) for a standard normal Z, as 0.5 * erfc(-z / sqrt 2) in Python. */
export function normalCdf(z) {
  return 0.5 * erfc(-z / SQRT2);
}

function shockActive(shockYear, shockSize) {
  return shockYear !== null && shockYear !== undefined && shockSize !== 0;
}

/** Years from startYear to endYear and the log of the (shocked) scenario path. */
export function logMedian(startYear, startValue, growth, endYear, shockYear, shockSize) {
  const years = [];
  const logs = [];
  const base = Math.log(startValue);
  const step = Math.log1p(growth);
  const shock = shockActive(shockYear, shockSize) ? Math.log1p(shockSize) : 0;
  for (let y = startYear; y <= endYear; y += 1) {
    let v = base + (y - startYear) * step;
    if (shock !== 0 && y >= shockYear) v += shock;
    years.push(y);
    logs.push(v);
  }
  return { years, logs };
}

/**
 * Everything the tracker's live part draws, for one set of slider values.
 *
 * p: {latestYear, latestValue, growth, sigma, targetValue, targetYear, horizon,
 *     shockYear (or null), shockSize, z: [z10, z25, z50, z75, z90], logRelTol, reachRelTol}
 * Returns years, the median path, the fan (one array per percentile, first value the latest
 * observation), the probability curve for the years after the latest, the probability in the
 * target year, the first years with a 50% and 90% chance, the year the median path reaches the
 * target and the growth a year needed to reach it by the target year.
 */
export function scenario(p) {
  const { years, logs } = logMedian(
    p.latestYear, p.latestValue, p.growth, p.horizon, p.shockYear, p.shockSize,
  );
  const median = logs.map(Math.exp);
  median[0] = p.latestValue; // exactly the observation, not exp(log(value))
  const fan = p.z.map((z) =>
    logs.map((l, i) => (i === 0 ? p.latestValue : Math.exp(l + p.sigma * Math.sqrt(i) * z))),
  );
  const logTarget = Math.log(p.targetValue);
  const probability = [];
  for (let i = 1; i < logs.length; i += 1) {
    const gap = logs[i] - logTarget;
    if (p.sigma === 0) {
      probability.push(gap >= p.logRelTol ? 1 : 0);
    } else {
      probability.push(normalCdf(gap / (p.sigma * Math.sqrt(i))));
    }
  }
  const firstYearAt = (level) => {
    const i = probability.findIndex((q) => q >= level);
    return i < 0 ? null : years[i + 1];
  };
  const reached = median.findIndex((v) => v >= p.targetValue * (1 - p.reachRelTol));
  const span = p.targetYear - p.latestYear;
  return {
    years,
    median,
    fan,
    probability,
    probabilityAtTarget: probability[span - 1],
    year50: firstYearAt(0.5),
    year90: firstYearAt(0.9),
    yearReached: reached < 0 ? null : years[reached],
    requiredGrowth: (p.targetValue / p.latestValue) ** (1 / span) - 1,
  };
}
