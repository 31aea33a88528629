"""Statistical process control: NHS England's "Making Data Count" XmR charts.

A monthly measure's centre line is the mean of its baseline points, its process
limits the mean ± 2.66 × the mean moving range (metrics.md, "Monitoring over
time"). Four rules find special cause variation; each measure's polarity says
whether a signal is improving, concerning or neither. The chart is rebased at
each practice change: each phase has its own centre and limits, and no run or
trend crosses a phase boundary.

The R package NHSRplotthedots 0.2.2 (NHS-R Community) is the reference; this
module agrees with it point for point (its published cases are in
tests/test_spc.py), with these choices:

- Screening: as NHSRplotthedots' default (Nelson 1982), moving ranges not below
  3.267 × their mean are dropped, once, before the mean moving range is taken;
  the centre keeps every point. The Making Data Count Excel tool does not
  screen: `screen_outliers=False` gives its limits.
- Trend: metrics.md's 6 points (5 rises or falls in a row; a repeated value
  breaks it). NHSRplotthedots uses 7; the Excel tool offers both
  (`trend_points=7` for NHSRplotthedots). A run is 7 points on one side of the
  centre; a point on the centre breaks it.
- Two of three: as NHSRplotthedots and the Excel tool, two or three of three
  points in a row beyond two thirds of the way to a limit (but inside it), with
  all three on one side of the centre; only the points near the limit signal.
- Precedence: outside the limits, then trend, then two of three, then run.
- A trend point's direction is its own trend's (a point shared by two trends
  takes the later); NHSRplotthedots reads it off the step after the point, so
  it calls the last point of a rising trend falling when the next trend begins
  with a step down.
- A phase begins with the first month ending on or after its practice change.
  A missing value has no signal, is not in the mean and breaks runs and trends.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Protocol

import numpy as np
import pandas as pd

from cpmetrics.periods import DateLike, as_date
from cpmetrics.unavailable import NotAvailable

#: 3 / d2 (d2 = 1.128 for moving ranges of two points): the limits sit 2.66 mean moving ranges out
LIMIT = 2.66
#: D4 for ranges of two points: a moving range above 3.267 × the mean is screened out
SCREEN = 3.267
#: "close to a limit": beyond two thirds of the way from the centre to a limit
NEAR = 2 * LIMIT / 3
#: metrics.md: 6 or more points steadily rising or falling (NHSRplotthedots: 7)
TREND_POINTS = 6
#: 7 or more points in a row on one side of the mean (as NHSRplotthedots)
RUN_POINTS = 7
#: limits resting on fewer baseline points are trial limits (NHSRplotthedots warns below 12)
TRIAL_BELOW = 12

#: the columns a pack's SPC table holds (tables/01_spc.csv), in order
PACK_COLUMNS = ("month_end", "value", "centre", "lower", "upper", "signal")

#: every column of an XmR table, in order
COLUMNS = (*PACK_COLUMNS, "rule", "direction", "reason", "near_lower", "near_upper", "phase",
           "change", "baseline_points", "in_baseline")

#: which way is better, as +1 (higher), -1 (lower) or 0 (neither)
DIRECTIONS = {"higher is better": 1, "lower is better": -1, "neither": 0}

#: each measure on an SPC chart and its polarity
POLARITY: dict[str, str] = {
    "on_plan": "neither",
    "starts": "neither",
    "replan_share": "lower is better",
    "icpc_within_15_days": "higher is better",
}
#: what each measure is, for a chart's axis and a table's heading
LABELS: dict[str, str] = {
    "on_plan": "Children on a plan at the month end",
    "starts": "Plans started in the month",
    "replan_share": "Second or subsequent plans, % of the month's starts",
    "icpc_within_15_days": "Initial conferences held within 15 working days, %",
}

# Everything a committee reads about SPC is worded here, once.
COMMON_CAUSE = "common cause variation"
NO_VALUE = "no value this month"
SIGNALS = {
    1: "special cause, improving",
    -1: "special cause, concerning",
    0: "special cause, neither",
}
RULES = {
    "outside_limits": "a month {side} the process limits",
    "trend": "{n} or more months in a row {rising}",
    "two_of_three": "two of three months close to the {limit} limit",
    "run": "{n} or more months in a row {above} the average",
}
TOO_EARLY = ("{n} month{s} since {change}: too few to set process limits; "
             "the page cannot yet say whether anything has changed")
NO_VARIATION = "the {n} baseline months do not vary: no process limits can be set"
TRIAL = "trial limits: they rest on {n} months and will move as months are added"


class Band(Protocol):
    """A council's reference band (cohort.ReferenceBand): its lower and upper edges."""

    lower: float
    upper: float


def xmr(values: pd.Series, polarity: str = "neither", *,
        practice_changes: Iterable[DateLike | Mapping] = (),
        fix_after_n_points: int | None = None, screen_outliers: bool = True,
        trend_points: int = TREND_POINTS, run_points: int = RUN_POINTS) -> pd.DataFrame:
    """An XmR chart of a monthly measure: centre, process limits and signals, one row a month.

    `values` is indexed by month end, ascending; a missing value has no signal
    and breaks runs and trends. `practice_changes` are dates or `{date, label}`
    mappings (the params key): a phase begins at the first month ending on or
    after each date. `fix_after_n_points` takes each phase's baseline from its
    first n months only. Columns: `month_end, value, centre, lower, upper,
    signal` (empty for common cause, else e.g. "special cause, concerning"),
    then `rule`, `direction` ("higher"/"lower"), `reason` (the rule in words),
    `near_lower`/`near_upper` (two thirds of the way to each limit), `phase`
    (1, 2, ...), `change` (the practice change that opened the phase),
    `baseline_points` and `in_baseline`.
    """
    if polarity not in DIRECTIONS:
        raise ValueError(f"polarity {polarity!r} is not one of {', '.join(DIRECTIONS)}")
    if not isinstance(values.index, pd.DatetimeIndex):
        raise ValueError("values must be indexed by month end (a DatetimeIndex)")
    if not (values.index.is_monotonic_increasing and values.index.is_unique):
        raise ValueError("values' month ends must be ascending and unique")
    if min(trend_points, run_points) < 2:
        raise ValueError("trend_points and run_points must be 2 or more")
    if fix_after_n_points is not None and fix_after_n_points < 2:
        raise ValueError("fix_after_n_points must be 2 or more (one point has no moving range)")
    months = values.index
    y = pd.to_numeric(values).astype("Float64").to_numpy(dtype="float64", na_value=np.nan)
    phase, change = _phases(months, practice_changes)
    frames = []
    for p in np.unique(phase):
        at = phase == p
        f = _phase(y[at], DIRECTIONS[polarity], fix_after_n_points, screen_outliers,
                   trend_points, run_points)
        f.insert(0, "month_end", months[at])
        f["phase"] = p
        f["change"] = change[p]
        frames.append(f)
    out = pd.concat(frames, ignore_index=True) if frames else _empty()
    for col in ("signal", "rule", "direction", "reason", "change"):
        out[col] = out[col].astype("string")
    out["month_end"] = pd.to_datetime(out["month_end"])
    return out[list(COLUMNS)]


def _empty() -> pd.DataFrame:
    floats = ("value", "centre", "lower", "upper", "near_lower", "near_upper")
    strings = ("signal", "rule", "direction", "reason", "change")
    cols = {"month_end": "datetime64[ns]", **dict.fromkeys(floats, "float64"),
            **dict.fromkeys(strings, "string"), "phase": "int64", "baseline_points": "int64",
            "in_baseline": "bool"}
    return pd.DataFrame({c: pd.Series(dtype=cols[c]) for c in COLUMNS})


def _phases(months: pd.DatetimeIndex, changes: Iterable[DateLike | Mapping]
            ) -> tuple[np.ndarray, dict[int, str]]:
    """Each month's phase (1, 2, ...) and the practice change that opened each phase."""
    starts: dict[int, list[str]] = {}
    for c in changes:
        if isinstance(c, Mapping):
            if not c.get("date"):
                raise ValueError(f"practice change {dict(c)!r} has no date")
            day = as_date(c["date"])
            label = str(c.get("label") or "").strip()
        else:
            day, label = as_date(c), ""
        when = f"{day.day} {day:%B %Y}"
        label = f"{label} ({when})" if label else f"practice change, {when}"
        at = int(months.searchsorted(day))  # the first month ending on or after the change
        starts.setdefault(at, []).append(label)
    # a change before the first month opens no new phase; after the last, none yet
    first = "; ".join(starts.pop(0, []))
    cuts = sorted(k for k in starts if k < len(months))
    phase = np.ones(len(months), dtype="int64")
    for k in cuts:
        phase[k:] += 1
    change = {1: first}
    change.update({i + 2: "; ".join(starts[k]) for i, k in enumerate(cuts)})
    return phase, change


def _phase(y: np.ndarray, better: int, fix: int | None, screen: bool,
           trend_points: int, run_points: int) -> pd.DataFrame:
    """Centre, limits and signals of one phase (NHSRplotthedots' ptd_spc_standard and rules)."""
    n = len(y)
    base = y[:fix] if fix is not None else y
    counted = base[~np.isnan(base)]
    centre = counted.mean() if len(counted) else np.nan
    mr = np.abs(np.diff(base))
    mr = mr[~np.isnan(mr)]
    amr = mr.mean() if len(mr) else np.nan
    if screen and len(mr):
        kept = mr[mr < SCREEN * amr]  # all ranges 0: none kept, no limits (as NHSRplotthedots)
        amr = kept.mean() if len(kept) else np.nan
    upper, lower = centre + LIMIT * amr, centre - LIMIT * amr
    near_upper, near_lower = centre + NEAR * amr, centre - NEAR * amr

    with np.errstate(invalid="ignore"):
        outside = (y > upper) | (y < lower)
        rel = np.nan_to_num(np.sign(y - centre)).astype("int64")
        close = ~outside & ((y < near_lower) | (y > near_upper))
    trend_dir = _trend(y, trend_points)
    in_two = _two_of_three(close, rel)
    in_run = _run(rel, run_points)

    rule = np.full(n, "", dtype=object)
    way = np.zeros(n, dtype="int64")
    for name, hit, d in (("run", in_run, rel), ("two_of_three", in_two, rel),
                         ("trend", trend_dir != 0, trend_dir),
                         ("outside_limits", outside, rel)):  # later rules take precedence
        rule[hit] = name
        way[hit] = d[hit]
    signal = np.array([SIGNALS[w * better] if r else "" for r, w in zip(rule, way, strict=True)],
                      dtype=object)
    direction = np.array(["higher" if w > 0 else "lower" if w < 0 else "" for w in way],
                         dtype=object)
    reason = np.array([_reason(r, w, trend_points, run_points) for r, w in
                       zip(rule, way, strict=True)], dtype=object)
    return pd.DataFrame({
        "value": y, "centre": centre, "lower": lower, "upper": upper, "signal": signal,
        "rule": rule, "direction": direction, "reason": reason,
        "near_lower": near_lower, "near_upper": near_upper,
        "baseline_points": int(len(counted)),
        "in_baseline": np.arange(n) < (fix if fix is not None else n),
    })


def _run(rel: np.ndarray, length: int) -> np.ndarray:
    """Points in a run of `length` or more on one side of the centre (0 breaks a run)."""
    out = np.zeros(len(rel), dtype=bool)
    start = 0
    for i in range(1, len(rel) + 1):
        if i == len(rel) or rel[i] != rel[start]:
            if rel[start] != 0 and i - start >= length:
                out[start:i] = True
            start = i
    return out


def _trend(y: np.ndarray, length: int) -> np.ndarray:
    """+1/-1 for points in a run of `length` or more points each above/below the one before.

    A repeated or missing value breaks a trend. A point ending one trend and
    starting the next takes the later trend's direction (as NHSRplotthedots).
    """
    out = np.zeros(len(y), dtype="int64")
    with np.errstate(invalid="ignore"):
        step = np.nan_to_num(np.sign(np.diff(y))).astype("int64")
    start = 0
    for i in range(1, len(step) + 1):
        if i == len(step) or step[i] != step[start]:
            if step[start] != 0 and i - start + 1 >= length:
                out[start:i + 1] = step[start]
            start = i
    return out


def _two_of_three(close: np.ndarray, rel: np.ndarray) -> np.ndarray:
    """Points close to a limit that are two (or three) of three in a row all on one side.

    As NHSRplotthedots: only the close points are flagged, all three points of
    the window must be on the same side of the centre, and a point outside the
    limits is not "close" (it is a signal of its own).
    """
    out = np.zeros(len(close), dtype=bool)
    for s in range(len(close) - 2):
        w = slice(s, s + 3)
        if close[w].sum() >= 2 and abs(rel[w].sum()) == 3:
            out[w] |= close[w]
    return out


def _reason(rule: str, way: int, trend_points: int, run_points: int) -> str:
    if not rule:
        return ""
    up = way > 0
    return RULES[rule].format(
        side="above" if up else "below", n=trend_points if rule == "trend" else run_points,
        rising="rising" if up else "falling", limit="upper" if up else "lower",
        above="above" if up else "below")


def describe(row: Mapping) -> str:
    """A month's chart reading in words: "special cause, concerning: 7 or more months ..."."""
    if pd.isna(row["value"]):
        return NO_VALUE
    if not row["signal"]:
        return COMMON_CAUSE
    return f"{row['signal']}: {row['reason']}"


def phase_summary(spc: pd.DataFrame) -> pd.DataFrame:
    """One row a phase: its months, centre, limits, how many months of each kind, the latest."""
    rows = []
    for p, f in spc.groupby("phase", sort=True):
        s = f["signal"].fillna("")
        n = int(f["baseline_points"].iloc[0])
        note = ""
        if np.isnan(f["upper"].iloc[0]):
            note = _no_limits(f)
        elif n < TRIAL_BELOW:
            note = TRIAL.format(n=n)
        rows.append({
            "phase": int(p), "change": f["change"].iloc[0],
            "first_month": f["month_end"].iloc[0], "last_month": f["month_end"].iloc[-1],
            "months": len(f), "baseline_points": n,
            "centre": f["centre"].iloc[0], "lower": f["lower"].iloc[0],
            "upper": f["upper"].iloc[0],
            "common_cause": int((s == "").sum()),
            "improving": int((s == SIGNALS[1]).sum()),
            "concerning": int((s == SIGNALS[-1]).sum()),
            "neither": int((s == SIGNALS[0]).sum()),
            "latest": describe(f.iloc[-1]), "note": note,
        })
    out = pd.DataFrame(rows)
    for col in ("change", "latest", "note"):
        if col in out:
            out[col] = out[col].astype("string")
    return out


def _no_limits(phase: pd.DataFrame) -> str:
    """Why a phase has no process limits: too few months yet, or months that do not vary."""
    n = int(phase["baseline_points"].iloc[0])
    if n >= 2:
        return NO_VARIATION.format(n=n)
    change = phase["change"].iloc[0] or "the chart began"
    return TOO_EARLY.format(n=n, s="" if n == 1 else "s", change=change)


def band_disagreements(spc: pd.DataFrame, band: Band) -> pd.DataFrame:
    """Months where the council's band and SPC disagree, each with a sentence saying how.

    A month outside the band that is common cause variation (the process
    produces such months by chance: not a sign of change), and a month inside
    the band that is special cause (the data show a change the band does not).
    The band's edges are inside it, as cohort.ReferenceBand has them. A month
    in a phase without process limits (too early to say) is not judged.
    """
    v = spc["value"]
    position = np.where(v > band.upper, "above", np.where(v < band.lower, "below", "within"))
    special = spc["signal"].fillna("") != ""
    measured = v.notna() & spc["upper"].notna()
    outside_common = measured & (position != "within") & ~special
    inside_special = measured & (position == "within") & special
    keep = outside_common | inside_special
    rows = []
    edges = f"{band.lower:g} to {band.upper:g}"
    for i in np.flatnonzero(keep.to_numpy()):
        r = spc.iloc[i]
        limits = f"{r['lower']:.1f} to {r['upper']:.1f}"
        if outside_common.iloc[i]:
            finding = (f"{position[i]} the band ({edges}) but {COMMON_CAUSE}: within the "
                       f"process limits ({limits}), a month like this comes by chance; "
                       "it is not a sign of change")
        else:
            finding = (f"within the band ({edges}) but {r['signal']} ({r['reason']}): "
                       "the data show a change the band does not")
        rows.append({"month_end": r["month_end"], "value": r["value"], "band": position[i],
                     "signal": r["signal"], "finding": finding})
    out = pd.DataFrame(rows, columns=["month_end", "value", "band", "signal", "finding"])
    for col in ("band", "signal", "finding"):
        out[col] = out[col].astype("string")
    return out


def band_vs_limits(spc: pd.DataFrame, band: Band) -> str:
    """What the latest phase's process limits say about the band, in one sentence.

    As Making Data Count's assurance icons, for a band rather than a target:
    limits inside the band mean every month will fall within it unless the
    process changes; limits wholly outside it mean none will; otherwise months
    fall both sides by chance alone.
    """
    last = spc[spc["phase"] == spc["phase"].max()]
    lo, hi = last["lower"].iloc[0], last["upper"].iloc[0]
    edges = f"the band ({band.lower:g} to {band.upper:g})"
    if np.isnan(hi):
        return _no_limits(last) + "."
    limits = f"The process limits ({lo:.1f} to {hi:.1f})"
    if lo >= band.lower and hi <= band.upper:
        return (f"{limits} lie inside {edges}: unless the process changes, every month "
                "will fall within the band.")
    if hi < band.lower or lo > band.upper:
        side = "below" if hi < band.lower else "above"
        return (f"{limits} lie wholly {side} {edges}: unless the process changes, no month "
                "will fall within the band.")
    return (f"{limits} reach beyond {edges}: months will fall outside the band from time to "
            "time by chance alone, so a month outside the band is not by itself a sign of "
            "change.")


def monthly_values(series: pd.DataFrame, measure: str) -> pd.Series:
    """One measure from `series.monthly_series`: a count, or the re-plan % of the month's starts.

    A month with no starts has no re-plan share (missing, not 0%).
    """
    if measure in ("on_plan", "starts"):
        return series[measure].astype("float64").rename(measure)
    if measure == "replan_share":
        starts = series["starts"].astype("float64")
        share = 100 * series["starts_second_or_subsequent"] / starts.where(starts > 0)
        return share.rename(measure)
    known = ", ".join(m for m in POLARITY if m != "icpc_within_15_days")
    raise ValueError(f"no monthly series for {measure!r}: the monthly series has {known}")


def measure_spc(series: pd.DataFrame, measure: str, *,
                practice_changes: Iterable[DateLike | Mapping] = (), **options) -> pd.DataFrame:
    """The XmR chart of one measure of `series.monthly_series`, with the measure's polarity."""
    return xmr(monthly_values(series, measure), POLARITY[measure],
               practice_changes=practice_changes, **options)


# ---- a data set's monthly measures on an XmR chart, as a page shows them ----------------------

#: months on a page's SPC chart: the same 24 as the reference band chart beside it
MONTHS = 24
#: the measures counted in whole numbers (the rest are percentages)
COUNTS = ("on_plan", "starts")
#: how `disclosure.suppress_table` reads each measure's `pack_table` (`show_table(**...)`): the
#: month's value is a count (or a share resting on `n` and `of`), and the centre and limits are
#: hidden with it, in the month whose count is small
DISCLOSURE: dict[str, dict[str, tuple[str, ...]]] = {
    "on_plan": {"derived": ("centre",)},
    "starts": {"derived": ("centre",)},
    "replan_share": {"derived": ("value", "centre")},
    "icpc_within_15_days": {"derived": ("value", "centre")},
}
#: what each measure is a number of, in a sentence ("averaged 248.5 children")
UNITS = {"on_plan": " children", "starts": " plans", "replan_share": "%",
         "icpc_within_15_days": "%"}
#: the shares, each resting on a count (`n`) of a monthly total (`of`)
SHARES = ("replan_share", "icpc_within_15_days")
#: each measure as the subject of a sentence
WHAT = {"on_plan": "the number of children on a plan at the month end",
        "starts": "the number of plans started in the month",
        "replan_share": "the share of the month's starts that were re-plans",
        "icpc_within_15_days": "the share of the month's initial conferences held within 15 "
                               "working days of the enquiry starting"}
NEITHER_WAY = "neither better nor worse: this measure has no better direction"
NEGATIVE = ("The lower process limit ({lower}) is below zero, which {what} cannot be: the chart "
            "starts at 0.")
_SMALL = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")


def _count(n: int, what: str = "") -> str:
    """A small number in words, as a report writes it ("three months"; "12 months")."""
    word = _SMALL[n] if 0 <= n < len(_SMALL) else f"{n:,}"
    if not what:
        return word
    return f"{word} {what}" + ("" if n == 1 else "s")


def monthly(tables, end: DateLike, measure: str, *,
            practice_changes: Iterable[DateLike | Mapping] = (), months: int = MONTHS
            ) -> pd.DataFrame:
    """The XmR chart (`xmr`) of one measure over the last `months` month ends to `end` that the
    data cover (as `cohort.cohort_trend`), rebased at each practice change.

    Adds `n` and `of`, the counts a share rests on (re-plans and plans started in the month;
    conferences within 15 working days and conferences held; empty for a count). The last
    month is the month end on or before `end`. Conferences need section 47 data: without it,
    the `NotAvailable` saying so.
    """
    from cpmetrics.coverage import first_date
    from cpmetrics.periods import month_end
    from cpmetrics.series import monthly_series

    if measure not in UNITS:
        raise ValueError(f"no monthly SPC chart for {measure!r}: one of {', '.join(UNITS)}")
    d = as_date(end)
    last = d if d == month_end(d) else month_end(d) - pd.offsets.MonthEnd(1)
    first = last - pd.offsets.MonthEnd(months - 1)
    start = first_date(tables)
    if start is not None:
        first = max(first, start + pd.offsets.MonthEnd(0))
    if measure == "icpc_within_15_days":
        return _conferences(tables, first, last, practice_changes)
    s = monthly_series(tables.plans, first, last) if first <= last else \
        monthly_series(tables.plans, last, last).iloc[:0]
    out = measure_spc(s, measure, practice_changes=practice_changes or ())
    share = measure == "replan_share"
    out["n"] = pd.array(s["starts_second_or_subsequent"].to_numpy() if share else
                        [pd.NA] * len(out), dtype="Int64")
    out["of"] = pd.array(s["starts"].to_numpy() if share else [pd.NA] * len(out), dtype="Int64")
    out.attrs["measure"] = measure
    return out


def _conferences(tables, first: pd.Timestamp, last: pd.Timestamp,
                 practice_changes: Iterable[DateLike | Mapping]) -> pd.DataFrame:
    """The XmR chart of each month's share of initial conferences within 15 working days
    (`pathway.icpc_within_15_days` month by month); a month with no conference has no share."""
    from cpmetrics.pathway import conferences_on_time_by_month

    n_months = len(pd.date_range(first, last, freq="ME"))
    by_month = conferences_on_time_by_month(tables, last, months=max(n_months, 1))
    if isinstance(by_month, NotAvailable):
        return by_month
    by_month = by_month.iloc[-n_months:] if n_months else by_month.iloc[:0]
    n = by_month["n"].astype("float64")
    of = by_month["of"].astype("float64")
    share = (100 * n / of.where(of > 0)).rename("icpc_within_15_days")
    out = xmr(share, POLARITY["icpc_within_15_days"], practice_changes=practice_changes or ())
    out["n"] = pd.array(by_month["n"].to_numpy(), dtype="Int64")
    out["of"] = pd.array(by_month["of"].to_numpy(), dtype="Int64")
    out.attrs["measure"] = "icpc_within_15_days"
    return out


def pack_table(spc: pd.DataFrame, digits: int | None = 1) -> pd.DataFrame:
    """What a pack keeps of a `monthly` chart: `month_end, value, centre, lower, upper, signal`
    (signal empty for common cause; a count's value a whole number; the rest to `digits`
    decimal places, as a page shows them, or unrounded with None); a re-plan share also has
    the counts it rests on, `n` and `of`, before its value. Show it with
    `show_table(..., **DISCLOSURE[measure])`."""
    if isinstance(spc, NotAvailable):  # the data hold no such measure: shown as its sentence
        return spc
    measure = spc.attrs.get("measure")
    out = spc[list(PACK_COLUMNS)].copy()
    out["signal"] = out["signal"].fillna("")
    if digits is not None:
        for c in ("value", "centre", "lower", "upper"):
            out[c] = out[c].round(digits)
    if measure in COUNTS:
        out["value"] = out["value"].round().astype("Int64")
    if measure in SHARES:
        out.insert(1, "n", spc["n"])
        out.insert(2, "of", spc["of"])
    out.attrs["measure"] = measure
    return out


def _months(first: pd.Timestamp, last: pd.Timestamp) -> str:
    return f"{first:%B %Y}" if first == last else f"{first:%B %Y} to {last:%B %Y}"


def _figure(v: float, measure: str) -> str:
    return f"{v:.1f}{UNITS[measure]}"


def reading(spc: pd.DataFrame, band: Band | None = None, *, measure: str | None = None
            ) -> list[str]:
    """What an SPC chart says, in sentences a committee reads: each phase's months, average and
    limits and how many months are special cause (improving, concerning, or neither), and what
    cannot be said yet; with the council's `band`, where the band and SPC disagree
    (`band_reading`). Months' own values are not given (disclosure: the table has them)."""
    if isinstance(spc, NotAvailable):  # the data hold no such measure: shown as its sentence
        return spc
    if band is not None:
        return reading(spc, measure=measure) + band_reading(spc, band)
    measure = measure or spc.attrs.get("measure")
    what = WHAT[measure]
    if spc.empty:
        return [f"There are no months of {what} to chart."]
    polarity = POLARITY[measure]
    out = []
    for _, p in phase_summary(spc).iterrows():
        months = _months(p["first_month"], p["last_month"])
        if pd.isna(p["upper"]):
            n = int(p["baseline_points"])
            note = f"{p['note']} ({months})" if n >= 2 else (
                f"{_count(n, 'month')} so far ({months}), too few to set process limits; the "
                "chart cannot yet say whether anything has changed")
            out.append(f"Since {p['change'] or 'the chart began'}: {note}.")
            continue
        since = f"Since {p['change']}, from {months}" if p["phase"] > 1 else f"From {months}"
        text = (f"{since}, {what} averaged {_figure(p['centre'], measure)}, with process "
                f"limits {p['lower']:.1f} to {_figure(p['upper'], measure)}. ")
        special = int(p["improving"] + p["concerning"] + p["neither"])
        of = f"of the {p['months']} months" if p["months"] != 1 else "month"
        show = "shows" if special == 1 else "show"
        if not special:
            text += (f"Every month is common cause variation: nothing in these "
                     f"{_count(int(p['months']))} months is a sign that the process changed.")
        elif polarity == "neither":
            text += (f"{_count(special).capitalize()} {of} {show} special cause variation "
                     f"({NEITHER_WAY}).")
        else:
            text += (f"{_count(special).capitalize()} {of} {show} special cause variation: "
                     f"{_count(int(p['improving']))} improving, "
                     f"{_count(int(p['concerning']))} concerning ({polarity}).")
        if p["note"]:
            text += f" These are {p['note']}."
        if p["lower"] < 0:
            text += " " + NEGATIVE.format(lower=_figure(p["lower"], measure),
                                          what="a share" if measure not in COUNTS
                                          else "a count")
        out.append(text)
    last = spc.iloc[-1]
    if pd.isna(last["upper"]):
        out.append(f"The latest month, {last['month_end']:%B %Y}, cannot be judged yet: "
                   "its phase has no process limits.")
    else:
        out.append(f"The latest month, {last['month_end']:%B %Y}, is {describe(last)}.")
    return out


def band_reading(spc: pd.DataFrame, band: Band) -> list[str]:
    """Where the council's band and SPC agree and disagree, in sentences: what the process
    limits say about the band (`band_vs_limits`, on the latest phase with limits) and the months
    where the two disagree (`band_disagreements`)."""
    if spc.empty:
        return ["There are no months to set against the band."]
    with_limits = spc[spc["upper"].notna()]
    edges = f"the band ({band.lower:g} to {band.upper:g})"
    out = []
    if with_limits.empty:
        out.append(band_vs_limits(spc, band))
    else:
        latest = with_limits[with_limits["phase"] == with_limits["phase"].max()]
        text = band_vs_limits(latest, band)
        if latest["phase"].iloc[0] != spc["phase"].max():
            text = f"Before {spc['change'].iloc[-1]}: {text[0].lower()}{text[1:]}"
        out.append(text)
    d = band_disagreements(spc, band)
    judged = int((spc["value"].notna() & spc["upper"].notna()).sum())
    common = d[d["finding"].str.startswith(("above", "below"))]
    special = d[d["finding"].str.startswith("within")]

    def listed(rows: pd.DataFrame) -> str:
        return ", ".join(f"{m:%B %Y}" for m in rows["month_end"])

    if d.empty:
        out.append(f"The band and SPC agree in every one of the {judged} months with process "
                   "limits: each month outside the band is special cause variation, and each "
                   "month within it common cause.")
        return out
    parts = []
    if len(common):
        verb = "is" if len(common) == 1 else "are"
        parts.append(f"{_count(len(common), 'month')} outside {edges} {verb} common cause "
                     f"variation ({listed(common)}): within the process limits, such months "
                     "come by chance and are not a sign of change")
    if len(special):
        verb = "is" if len(special) == 1 else "are"
        parts.append(f"{_count(len(special), 'month')} within the band {verb} special cause "
                     f"variation ({listed(special)}): the data show a change the band does not")
    out.append(f"The band and SPC disagree in {_count(len(d))} of the {judged} months with "
               f"process limits: " + "; ".join(parts) + ".")
    return out
