"""Shared links: clean the page's URL query parameters before any widget sees them.

Widgets are bound to the URL (``bind="query-params"``), so a link carries a whole scenario. A link
can also carry garbage: hand-edited, truncated by a chat app, or from an older version of the page.
:func:`sanitize_params` checks every known parameter against its :class:`ParamSpec` and returns the
values to use plus one short notice per value it could not use; it never raises. A bad value
falls back to the default (it is not clamped: a silently different scenario would be worse than
an explained default). Unknown keys are left alone: Streamlit and other pages use their own.

Notices are Markdown-safe: the part taken from the URL is cleaned, cut to 40 characters and
escaped, so they can go straight into ``st.info`` or ``st.toast``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from dashboard.textsafe import escape_markdown, plain_label

ParamKind = Literal["choice", "int", "float", "bool", "int_range", "multichoice"]

SHOWN_CHARS = 40
_INT = re.compile(r"^[+-]?[0-9]{1,12}$")
_FLOAT = re.compile(
    r"^[+-]?(?:[0-9]{1,20}(?:\.[0-9]{0,20})?|\.[0-9]{1,20})(?:[eE][+-]?[0-9]{1,3})?$"
)
_TRUE = frozenset({"true", "1", "yes", "on"})
_FALSE = frozenset({"false", "0", "no", "off"})


@dataclass(frozen=True)
class ParamSpec:
    """What one query parameter may hold.

    ``choice``/``multichoice``: one/several of ``choices`` (compared as text, so int options work);
    ``int``/``float``: a number in ``[min, max]``, on the ``step`` grid counted from ``min``;
    ``bool``; ``int_range``: two whole numbers ``lo <= hi`` in ``[min, max]`` (a range slider
    writes the key twice).
    """

    kind: ParamKind
    default: object
    choices: tuple[object, ...] = ()
    min: float | None = None
    max: float | None = None
    step: float | None = None

    def __post_init__(self) -> None:
        if self.kind in ("int", "float", "int_range") and (self.min is None or self.max is None):
            raise ValueError(f"a {self.kind} parameter needs min and max")
        if self.step is not None and not self.step > 0:
            raise ValueError("step must be positive")
        if not self.accepts(self.default):
            raise ValueError(f"default {self.default!r} is not allowed by its own spec")

    def accepts(self, value: object) -> bool:
        """True if ``value`` is a valid, already-typed value for this parameter."""
        if self.kind == "choice":
            return value in self.choices
        if self.kind == "multichoice":
            return (
                isinstance(value, list)
                and all(v in self.choices for v in value)
                and len(set(map(str, value))) == len(value)
            )
        if self.kind == "bool":
            return isinstance(value, bool)
        if self.kind == "int":
            return (
                isinstance(value, int)
                and not isinstance(value, bool)
                and self.min <= value <= self.max
            )
        if self.kind == "float":
            return (
                isinstance(value, (int, float))
                and not isinstance(value, bool)
                and math.isfinite(value)
                and self.min <= value <= self.max
            )
        if self.kind == "int_range":
            return (
                isinstance(value, tuple)
                and len(value) == 2
                and all(isinstance(v, int) and not isinstance(v, bool) for v in value)
                and self.min <= value[0] <= value[1] <= self.max
            )
        return False


def choice(default: object, choices: Sequence[object]) -> ParamSpec:
    return ParamSpec("choice", default, tuple(choices))


def multichoice(default: Sequence[object], choices: Sequence[object]) -> ParamSpec:
    return ParamSpec("multichoice", list(default), tuple(choices))


def integer(default: int, min: int, max: int, step: int = 1) -> ParamSpec:
    return ParamSpec("int", default, min=min, max=max, step=step)


def number(default: float, min: float, max: float, step: float | None = None) -> ParamSpec:
    return ParamSpec("float", default, min=min, max=max, step=step)


def boolean(default: bool) -> ParamSpec:
    return ParamSpec("bool", default)


def int_range(default: tuple[int, int], min: int, max: int) -> ParamSpec:
    return ParamSpec("int_range", tuple(default), min=min, max=max)


# --- helpers ------------------------------------------------------------------------------------


def _decimals(x: float) -> int:
    exponent = Decimal(repr(float(x))).normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def snap_to_step(
    value: float, min_value: float, step: float, max_value: float | None = None
) -> float:
    """The grid point ``min_value + k * step`` nearest ``value`` (never above ``max_value``).

    Rounded to the step's decimals, so 0.1 steps give 13.3, not 13.299999999999999.

    >>> snap_to_step(13.26, -10.0, 0.1)
    13.3
    """
    k = round((value - min_value) / step)
    if max_value is not None and min_value + k * step > max_value + step * 1e-9:
        k = math.floor((max_value - min_value) / step + 1e-9)
    snapped = round(min_value + k * step, max(_decimals(step), _decimals(min_value)))
    return max(snapped, min_value)


def _fmt(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, tuple):
        return "–".join(_fmt(v) for v in value)
    if isinstance(value, list):
        return ", ".join(_fmt(v) for v in value) or "none"
    return str(value)


def _shown(text: str) -> str:
    return escape_markdown(plain_label(text, SHOWN_CHARS)) or "(empty)"


def _range_words(spec: ParamSpec) -> str:
    return escape_markdown(f"{_fmt(spec.min)} to {_fmt(spec.max)}")


# --- parsing one parameter ----------------------------------------------------------------------


def _parse_choice(text: str, spec: ParamSpec) -> tuple[object, str | None]:
    for c in spec.choices:
        if str(c) == text:
            return c, None
    folded = [c for c in spec.choices if str(c).casefold() == text.casefold()]
    if len(folded) == 1:
        return folded[0], None
    if 0 < len(spec.choices) <= 8:
        return None, f"not one of {', '.join(escape_markdown(str(c)) for c in spec.choices)}"
    return None, "not one of the available options"


def _int_in(text: str, spec: ParamSpec) -> tuple[int | None, str | None]:
    if not _INT.match(text):
        return None, "not a whole number"
    value = int(text)
    if not spec.min <= value <= spec.max:
        return None, f"outside {_range_words(spec)}"
    return value, None


def _parse_int(text: str, spec: ParamSpec) -> tuple[object, str | None]:
    value, reason = _int_in(text, spec)
    if reason:
        return None, reason
    if spec.step and spec.step != 1:
        snapped = int(snap_to_step(value, spec.min, spec.step, spec.max))
        if snapped != value:
            return None, escape_markdown(f"not a step of {_fmt(spec.step)} from {_fmt(spec.min)}")
    return value, None


def _parse_float(text: str, spec: ParamSpec) -> tuple[object, str | None]:
    if not _FLOAT.match(text):
        return None, "not a number"
    value = float(text)
    if not math.isfinite(value):
        return None, "not a finite number"
    if not spec.min <= value <= spec.max:
        return None, f"outside {_range_words(spec)}"
    if spec.step:
        value = snap_to_step(value, spec.min, spec.step, spec.max)
    return value, None


def _parse_bool(text: str, spec: ParamSpec) -> tuple[object, str | None]:
    low = text.lower()
    if low in _TRUE:
        return True, None
    if low in _FALSE:
        return False, None
    return None, "not true or false"


def _parse_int_range(texts: list[str], spec: ParamSpec) -> tuple[object, str | None]:
    if len(texts) != 2:
        return None, f"a range needs two values, got {len(texts)}"
    parts = []
    for t in texts:
        value, reason = _int_in(t.strip(), spec)
        if reason:
            return None, reason
        parts.append(value)
    lo, hi = parts
    if lo > hi:
        return None, "the range's start is after its end"
    return (lo, hi), None


_SINGLE = {"choice": _parse_choice, "int": _parse_int, "float": _parse_float, "bool": _parse_bool}


def _as_list(raw: object) -> list[str]:
    if raw is None:
        return []
    if isinstance(raw, str):
        return [raw]
    try:
        return [str(v) for v in raw]  # type: ignore[union-attr]
    except TypeError:
        return [str(raw)]


def sanitize_params(
    raw: Mapping[str, Sequence[str] | str], specs: Mapping[str, ParamSpec]
) -> tuple[dict[str, object], list[str]]:
    """Clean query parameters: ``raw`` maps a key to its values (``st.query_params.to_dict()`` or
    ``{k: st.query_params.get_all(k)}``).

    Returns ``(values, notices)``. ``values`` has an entry for every key in both ``raw`` and
    ``specs``: the parsed value, or the default when the URL's value is unusable (then a notice
    says so). Keys the URL does not mention are absent, so widgets keep their own defaults.
    A repeated key uses its last value, as ``st.query_params[key]`` does, and says so.
    """
    values: dict[str, object] = {}
    notices: list[str] = []
    for key, spec in specs.items():
        if key not in raw:
            continue
        texts = _as_list(raw[key])
        default = escape_markdown(_fmt(spec.default))
        if spec.kind == "int_range":
            value, reason = _parse_int_range(texts, spec)
            shown = _shown("&".join(texts))
        elif spec.kind == "multichoice":
            value, reason, shown = _multichoice(texts, spec, key, notices)
        else:
            if len(texts) > 1:
                notices.append(
                    f"{key} was given {len(texts)} times in the link; "
                    f"using the last value, {_shown(texts[-1])}."
                )
            text = texts[-1].strip() if texts else ""
            shown = _shown(text)
            value, reason = (None, "empty value") if not text else _SINGLE[spec.kind](text, spec)
        if reason is None and spec.accepts(value):
            values[key] = value
            continue
        values[key] = spec.default
        notices.append(f"Ignored {key}={shown}: {reason or 'not allowed'}; using {default}.")
    return values, notices


def _multichoice(
    texts: list[str], spec: ParamSpec, key: str, notices: list[str]
) -> tuple[object, str | None, str]:
    """Keep the valid options (in order, once each); a notice names the ones dropped."""
    kept: list[object] = []
    dropped: list[str] = []
    for t in texts:
        value, reason = _parse_choice(t.strip(), spec)
        if reason is None and value not in kept:
            kept.append(value)
        elif reason is not None:
            dropped.append(t)
    if dropped:
        notices.append(f"Ignored {key}={_shown(', '.join(dropped))}: not among the options.")
    return kept, None, _shown("&".join(texts))


def encode_params(
    values: Mapping[str, object], specs: Mapping[str, ParamSpec]
) -> dict[str, list[str]]:
    """Query parameters for a share link: only keys whose value differs from the default.

    ``sanitize_params(encode_params(v, specs), specs)`` gives back ``v`` (minus defaults) with
    no notices.
    """
    out: dict[str, list[str]] = {}
    for key, spec in specs.items():
        if key not in values or values[key] == spec.default or not spec.accepts(values[key]):
            continue
        value = values[key]
        if spec.kind in ("int_range", "multichoice"):
            out[key] = [str(v) for v in value]  # type: ignore[union-attr]
        elif spec.kind == "bool":
            out[key] = ["true" if value else "false"]
        elif spec.kind == "float":
            out[key] = [repr(float(value))]  # type: ignore[arg-type]
        else:
            out[key] = [str(value)]
    return out
