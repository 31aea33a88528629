"""Disclosure control for everything that leaves the analyst's machine (metrics.md).

Any count from 1 to threshold-1 is shown as ``<5`` (``<threshold``), a
percentage (or rate, or interval bound) whose numerator or denominator is
suppressed is suppressed too, and no row-level field (child id, name, date of
birth, source file, place in a file) may leave at all.

How a table's columns are read (the convention notebooks follow):

- **Labels** are never suppressed: the index, columns named in ``labels=``,
  columns whose name is a usual label (``year``, ``month``, ``quarter``,
  ``period``, ``measure``, ``band``, ``category``, ``la``...), and any column
  that is not numeric (text, dates).
- **Derived** columns depend on counts and are suppressed with them: names
  ending ``pct``, ``%``, ``rate``, ``rate_per_10k``, ``lo``/``hi``,
  ``low``/``high``, ``lower``/``upper`` (interval bounds), or named in
  ``derived=``, and shown as ``[c]`` when hidden. ``<p>_pct`` (and
  ``<p>_lo``/``<p>_hi``...) belongs to the counts ``<p>_n`` and ``<p>_of``;
  a bare ``pct``/``lo``/``hi`` belongs to ``n`` and ``of``. A derived column
  named for a count column of its own (``starts_pct`` beside ``starts``) is a
  share of that column's total and goes with that count (and ``starts_of``,
  if any). A derived column with neither (both the numerator and the
  denominator, or its own count) is suppressed when any count in its row is
  suppressed (the cautious reading). ``depends=`` names the counts a derived
  column rests on where a row holds more than one proportion (the headline
  table: this period's ``n``/``of`` and a year ago's).
- **Counts** are every other numeric column holding whole numbers (integer
  dtype, or float whose values are all whole), or named in ``counts=``.
- Columns of benchmarks (published figures for England and neighbours) are
  not the council's counts: name them in ``labels=`` or prefix them
  ``england_``/``sn_``/``national_``/``neighbours_`` and they are left alone.
- Text cells of the form ``n of N (pct%)`` (how `Proportion` prints) are
  re-written with the same rule.

Secondary suppression (a hidden count recoverable by subtraction from a total)
is not attempted; metrics.md does not ask for it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd

DEFAULT_THRESHOLD = 5
#: What a table shows for a percentage (rate, interval bound) hidden because it would reveal a count
HIDDEN = "[c]"

#: Row-level fields that never leave: column names (and dict keys), lower-cased, no separators.
ROW_LEVEL = frozenset(
    {
        "childid", "lachildid", "upn", "formerupn", "uniquepupilnumber", "nhsnumber",
        "name", "forename", "surname", "firstname", "lastname", "givenname", "familyname",
        "fullname", "childname", "dob", "dateofbirth", "birthdate", "personbirthdate",
        "expectedpersonbirthdate", "sourcefile", "location", "postcode",
    }
)

LABEL_NAMES = frozenset(
    {
        "year", "month", "quarter", "period", "periodend", "periodstart", "date", "timeperiod",
        "financialyear", "fy", "measure", "band", "durationband", "category", "code", "factor",
        "la", "lacode", "lanumber", "oldlacode", "newlacode", "region", "group", "key", "rule",
        "threshold", "neighbours", "neighbourcount", "snn", "snused", "sncount",
    }
)
BENCHMARK_PREFIXES = ("england", "national", "sn", "neighbours", "neighbour", "published")
_DERIVED_SUFFIXES = (
    "pct", "%", "percent", "percentage", "rate", "rateper10k", "lo", "hi", "low", "high",
    "lower", "upper", "cilo", "cihi", "cilow", "cihigh", "cilower", "ciupper",
)
_PROPORTION_TEXT = re.compile(r"(?P<n>\d[\d,]*) of (?P<of>\d[\d,]*)(?P<rest> \((?:[\d.]+%|-)\))?")


_NOT_COUNTS = ("pct", "rateper10k", "suppressionthreshold")


class DisclosureError(ValueError):
    """Something that must not leave the machine was about to (a row-level field)."""


def _key(name: object) -> str:
    return re.sub(r"[^a-z0-9%]", "", str(name).lower())


def _split(name: object) -> tuple[str, str]:
    """`starts_pct` -> ('starts', 'pct'); `pct` -> ('', 'pct'); `n` -> ('', 'n')."""
    text = str(name).lower().strip()
    parts = re.split(r"[\s_\-]+", text)
    if len(parts) == 1:
        return "", _key(text)
    # the longest derived/count suffix made of trailing words (e.g. "ci_lo", "rate_per_10k")
    for i in range(1, len(parts)):
        tail = _key("".join(parts[i:]))
        if tail in _DERIVED_SUFFIXES or tail in ("n", "of", "count"):
            return "_".join(parts[:i]), tail
    return text, ""


def is_row_level(name: object) -> bool:
    """True for a column or key that identifies or locates a child (never leaves the machine)."""
    return _key(name) in ROW_LEVEL


def suppress_count(value: Any, threshold: int = DEFAULT_THRESHOLD) -> Any:
    """`<5` for a whole count from 1 to threshold-1; anything else unchanged."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, float) and (math.isnan(value) or not value.is_integer()):
        return value
    if isinstance(value, int | float) or hasattr(value, "__index__"):
        try:
            whole = int(value)
        except (TypeError, ValueError):
            return value
        if 0 < whole < threshold:
            return f"<{threshold}"
    return value


def is_suppressed(value: Any) -> bool:
    """True for a value disclosure control has hidden."""
    return isinstance(value, str) and value.startswith("<")


def suppress_text(text: str, threshold: int = DEFAULT_THRESHOLD) -> str:
    """Re-write `n of N (pct%)` inside a text cell with the count rule."""

    def fix(m: re.Match[str]) -> str:
        n = int(m["n"].replace(",", ""))
        of = int(m["of"].replace(",", ""))
        sn, sof = suppress_count(n, threshold), suppress_count(of, threshold)
        if sn == n and sof == of:
            return m[0]
        return f"{sn} of {sof}" + (" (suppressed)" if m["rest"] else "")

    return _PROPORTION_TEXT.sub(fix, text)


def check_no_row_level(columns: Iterable[object], what: str = "table") -> None:
    """Refuse a table that carries a row-level field."""
    bad = [str(c) for c in columns if is_row_level(c)]
    if bad:
        raise DisclosureError(
            f"{what} holds row-level field(s) {', '.join(bad)}:"
            " child-level data never goes in a pack"
        )


def suppress_table(
    df: pd.DataFrame,
    threshold: int = DEFAULT_THRESHOLD,
    *,
    counts: Iterable[str] = (),
    derived: Iterable[str] = (),
    labels: Iterable[str] = (),
    depends: Mapping[str, Iterable[str]] | None = None,
) -> pd.DataFrame:
    """A copy of `df` with small counts shown as `<threshold` and their percentages hidden.

    Raises DisclosureError when the table holds a row-level field (see the
    module docstring for how columns are classified).
    """
    check_no_row_level([*df.columns, *(df.index.names or [])])
    counts, derived, labels = set(counts), set(derived) | set(depends or ()), set(labels)
    kinds = {c: _kind(df[c], c, counts, derived, labels) for c in df.columns}
    out = df.copy()
    hidden: dict[object, pd.Series] = {}
    for c, kind in kinds.items():
        if kind == "count":
            col = df[c]
            values = pd.to_numeric(col, errors="coerce")
            mask = (values > 0) & (values < threshold) & values.notna()
            hidden[c] = mask.fillna(False).astype(bool)
            if mask.any():
                out[c] = col.astype(object).where(~hidden[c], f"<{threshold}")
        elif kind == "text":
            col = df[c]
            # a plain loop: `map` keeps an empty string column's dtype, which cannot `any()`
            if any(isinstance(v, str) and " of " in v for v in col):
                out[c] = col.map(lambda v: suppress_text(v, threshold) if isinstance(v, str) else v)
    any_hidden = (
        pd.concat(hidden.values(), axis=1).any(axis=1)
        if hidden
        else pd.Series(False, index=df.index)
    )
    by_prefix: dict[str, list[object]] = {}
    for c, kind in kinds.items():
        if kind == "count":
            prefix, suffix = _split(c)
            if suffix in ("n", "of", "count"):
                by_prefix.setdefault(prefix, []).append(c)
    for c, kind in kinds.items():
        if kind != "derived":
            continue
        partners = _rests_on(c, kinds, by_prefix, depends or {})
        mask = (
            pd.concat([hidden[p] for p in partners], axis=1).any(axis=1) if partners else any_hidden
        )
        if mask.any():
            out[c] = df[c].astype(object).where(~mask, HIDDEN)
    return out


def _rests_on(c: object, kinds: dict, by_prefix: dict[str, list[object]],
              depends: Mapping[str, Iterable[str]]) -> list[object]:
    """The count columns derived column `c` rests on; none known means the cautious reading
    (hidden with any count of its row)."""
    if c in depends:  # told which counts it rests on
        return [p for p in depends[c] if kinds.get(p) == "count"]
    prefix, _ = _split(c)
    partners = by_prefix.get(prefix, [])
    # a pair is a numerator and a denominator: `episodes, of, pct` has no `n`, so the
    # percentage is hidden with any count of its row (the cautious reading)
    suffixes = {_split(p)[1] for p in partners}
    if suffixes >= {"of"} and suffixes & {"n", "count"}:
        return partners
    # `starts, starts_pct`: a share of the column's total, whose numerator is the count
    # `starts` of its own row (and its denominator `starts_of` where the table has one)
    own = [k for k, kind in kinds.items() if prefix and kind == "count" and _key(k) == _key(prefix)]
    return own + [p for p in partners if _split(p)[1] == "of"] if own else []


def _kind(col: pd.Series, name: object, counts: set, derived: set, labels: set) -> str:
    """'label', 'count', 'derived' or 'text' for one column."""
    if name in labels:
        return "label"
    if name in counts:
        return "count"
    if name in derived:
        return "derived"
    key = _key(name)
    if key in LABEL_NAMES or any(
        re.match(rf"{p}[\s_\-]", str(name).lower()) for p in BENCHMARK_PREFIXES
    ):
        return "label"
    if pd.api.types.is_bool_dtype(col):
        return "label"
    _, suffix = _split(name)
    if suffix in _DERIVED_SUFFIXES or key in _DERIVED_SUFFIXES:
        return "derived"
    if pd.api.types.is_integer_dtype(col):
        return "count"
    if pd.api.types.is_float_dtype(col):
        v = col.dropna()
        return "count" if len(v) and bool((v == v.round()).all()) else "derived"
    if col.dtype == object:
        v = col.dropna()
        if len(v) and v.map(lambda x: isinstance(x, int) and not isinstance(x, bool)).all():
            return "count"
    return "text"


def suppress_metrics(obj: Any, threshold: int = DEFAULT_THRESHOLD, *, _key_name: str = "") -> Any:
    """The headline dict (or any JSON-like value) with disclosure control applied.

    Whole counts become `<threshold`; a `{"n", "of", "pct"}` proportion loses
    its `pct` (and interval) when `n` or `of` is hidden; `rate_per_10k` is
    hidden with `on_plan`, and a median (`icpc_median_working_days`, not a
    count: 3.0 working days stays 3.0) with the count it rests on; row-level
    keys are dropped; label keys (years, neighbour counts) are kept as they are.
    """
    if isinstance(obj, Mapping):
        out: dict[str, Any] = {}
        for k, v in obj.items():
            if is_row_level(k):
                continue
            if _key(k) in LABEL_NAMES or _key(k) == "suppressionthreshold":
                out[k] = v
            elif "median" in _key(k) and isinstance(v, float):
                out[k] = v
            else:
                out[k] = suppress_metrics(v, threshold, _key_name=str(k))
        if {"n", "of"} <= set(out) and (is_suppressed(out["n"]) or is_suppressed(out["of"])):
            for k in list(out):
                if k not in ("n", "of") and _split(k)[1] in (*_DERIVED_SUFFIXES, "wilson", "ci"):
                    out[k] = None
                if k in ("pct", "wilson", "ci", "interval", "lo", "hi"):
                    out[k] = None
        if "rate_per_10k" in out and is_suppressed(out.get("on_plan")):
            out["rate_per_10k"] = None
        conferences = out.get("icpc_within_15_days")
        if "icpc_median_working_days" in out and isinstance(conferences, Mapping) \
                and is_suppressed(conferences.get("of")):
            out["icpc_median_working_days"] = None
        return out
    if isinstance(obj, list | tuple):
        return [suppress_metrics(v, threshold, _key_name=_key_name) for v in obj]
    if isinstance(obj, str):
        return suppress_text(obj, threshold)
    if isinstance(obj, float) and not obj.is_integer():
        return obj
    if isinstance(obj, float) and _split(_key_name)[1] in _DERIVED_SUFFIXES:
        return obj
    if _key(_key_name) in ("pct", "rateper10k"):
        return obj
    return suppress_count(obj, threshold)


def small_counts(obj: Any, threshold: int = DEFAULT_THRESHOLD) -> list[str]:
    """Where a count from 1 to threshold-1 is left in a suppressed dict (for checks)."""
    found: list[str] = []

    def walk(v: Any, path: str) -> None:
        if isinstance(v, Mapping):
            for k, x in v.items():
                if _key(k) in LABEL_NAMES or _key(k) in _NOT_COUNTS:
                    continue
                walk(x, f"{path}.{k}" if path else str(k))
        elif isinstance(v, list):
            for i, x in enumerate(v):
                walk(x, f"{path}[{i}]")
        elif isinstance(v, int) and not isinstance(v, bool) and 0 < v < threshold:
            found.append(path)

    walk(obj, "")
    return found
