"""Before and since a change of practice: the 12 months before it against the months since.

A params file names each change of practice (`practice_changes`, a list of
`{date, label}`: "Restorative conferences" from 1 September 2018). For each,
four measures are set side by side, each with its interval: children on a plan
(the mean of the month-end counts), plans started a month, the share of starts
that were re-plans, and the share of plans ended that had lasted two years or
more.

- **Before** is the 12 months before the change (from the day a year before
  it to the day before it), cut short where the data begin or at an earlier
  change. **Since** runs from the change to the reporting date, or to the day
  before the next change. Children on a plan are counted at the month ends in
  each window (a month end on or after the change is "since", as the SPC
  chart's phases); plans started and ended are counted by their dates.
- **Intervals**: a share has its 95% Wilson interval and plans a month the
  95% interval of a count (Byar's, `stats.byar_interval`) over the window's
  months; the difference (since minus before) has the interval MOVER builds from
  the two (`stats.mover_difference`; Newcombe's method 10 for two shares).
  Month-end counts of children on a plan are not independent (mostly the same
  children from one month to the next), so no confidence interval is given for
  them: beside the mean before are the process limits of the months before (the
  range one month falls in by chance), and the months since are judged against
  those limits by the SPC rules (`spc.xmr`, baseline fixed on the months before).
- **Too early**: no difference is read as a finding until at least
  `MIN_MONTHS` (6) months have passed since the change and, for a measure of
  plans, at least `MIN_PLANS` (30) plans are counted since. Six months because
  an SPC chart cannot show a lasting shift in fewer (a trend takes six months,
  a run seven), a new practice takes months to settle, and half a year evens out
  the school holidays' swing in referrals; 30 plans because with fewer a single
  plan moves a share by more than three percentage points and the 95% interval
  of a share near 25% is wider than 30 points. Before that the figures since are
  shown for the record and the reading says it is too early.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import pandas as pd

from cpmetrics.periods import DateLike, Period, as_date, month_end
from cpmetrics.proportion import Proportion
from cpmetrics.ranking import LOWER, NEITHER, polarity
from cpmetrics.stats import byar_interval, mover_difference
from cpmetrics.tables import Tables

#: the months before a change that it is compared with
BEFORE_MONTHS = 12
#: the fewest months since a change (and before it) before a difference is read
MIN_MONTHS = 6
#: the fewest plans counted since a change before a difference in a measure of plans is read
MIN_PLANS = 30

MEASURES = ("on_plan", "starts", "replan_share", "ended_2y_plus")
LABELS = {
    "on_plan": "Children on a plan (mean of the month ends)",
    "starts": "Plans started a month",
    "replan_share": "Plans started that were re-plans",
    "ended_2y_plus": "Plans ended that had lasted 2 years or more",
}
UNITS = {"on_plan": "children", "starts": "plans a month", "replan_share": "%",
         "ended_2y_plus": "%"}
INTERVALS = {
    "on_plan": "process limits of the months before (month ends are not independent: no "
               "confidence interval)",
    "starts": "95% interval of a count (Byar); difference by MOVER",
    "replan_share": "95% Wilson interval; difference by MOVER (Newcombe)",
    "ended_2y_plus": "95% Wilson interval; difference by MOVER (Newcombe)",
}
#: the published measure whose polarity (LAIT's) each measure takes
PUBLISHED = {"on_plan": "on_plan", "starts": "starts",
             "replan_share": "starts_second_or_subsequent_pct",
             "ended_2y_plus": "ended_2y_plus_pct"}

COLUMNS = ("change", "measure", "unit", "before", "before_n", "before_of", "before_value",
           "before_low", "before_high", "since", "since_n", "since_of", "since_value",
           "since_low", "since_high", "difference", "difference_low", "difference_high",
           "interval", "reading")
_BOTH = ("before_n", "before_of", "since_n", "since_of")
#: the counts each figure rests on, for disclosure control (`show_table(..., depends=DEPENDS)`)
DEPENDS: dict[str, tuple[str, ...]] = {
    **{f"before_{c}": ("before_n", "before_of") for c in ("value", "low", "high")},
    **{f"since_{c}": ("since_n", "since_of") for c in ("value", "low", "high")},
    **{c: _BOTH for c in ("difference", "difference_low", "difference_high", "reading")},
}

NOT_YET = "not yet: the change is after the reporting date"
NO_BEFORE = "nothing to compare: the data hold too few months before the change"
TOO_EARLY = "too early to judge: {months} since the change, at least {need} are needed"
TOO_FEW = "too early to judge: too few plans since the change (at least {need} are needed)"
NONE_GIVEN = ("No practice change is given in the params file (practice_changes), so there is "
              "nothing to compare before and since. Give each change as a date and a label: it "
              "is then marked on every monthly chart, the SPC charts are rebased at it, and "
              "the months since are set against the 12 months before.")


@dataclass(frozen=True)
class Change:
    """A change of practice: the day it began and its name."""

    date: pd.Timestamp
    label: str

    @property
    def name(self) -> str:
        """ "Restorative conferences (1 September 2018)"."""
        return f"{self.label} ({_day(self.date)})"


def changes(practice_changes: Iterable[Mapping | DateLike]) -> list[Change]:
    """The params' `practice_changes` ({date, label}, or bare dates) as `Change`s, in date order."""
    out = []
    for c in practice_changes or ():
        if isinstance(c, Mapping):
            out.append(Change(as_date(c["date"]), str(c.get("label") or "practice change")))
        else:
            out.append(Change(as_date(c), "practice change"))
    return sorted(out, key=lambda c: c.date)


def _day(d: pd.Timestamp) -> str:
    return f"{d.day} {d:%B %Y}"


def _words(n: int, what: str) -> str:
    small = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
    word = small[n] if 0 <= n < len(small) else f"{n:,}"
    return f"{word} {what}" + ("" if n == 1 else "s")


def months_between(start: pd.Timestamp, end: pd.Timestamp) -> float:
    """Calendar months from `start` to `end`, both days included: whole months, then the part
    of the next month the remaining days make (1 September to 30 September is 1; to 15 October,
    1.5)."""
    stop = end + pd.Timedelta(days=1)
    whole = 0
    while start + pd.DateOffset(months=whole + 1) <= stop:
        whole += 1
    reached = start + pd.DateOffset(months=whole)
    left = (stop - reached).days
    if not left:
        return float(whole)
    month_days = ((reached + pd.DateOffset(months=1)) - reached).days
    return whole + left / month_days


@dataclass(frozen=True)
class Window:
    """The days `start` to `end` (both included), and the month ends in them."""

    start: pd.Timestamp
    end: pd.Timestamp

    @property
    def months(self) -> float:
        return months_between(self.start, self.end)

    @property
    def month_ends(self) -> pd.DatetimeIndex:
        return pd.date_range(month_end(self.start), self.end, freq="ME")

    @property
    def period(self) -> Period:
        return Period(self.start, self.end)

    def label(self) -> str:
        m = self.months
        count = _words(int(m), "month") if float(m).is_integer() else f"{m:.1f} months"
        return f"{_day(self.start)} to {_day(self.end)} ({count})"


def windows(change: Change, end: DateLike, *, first: pd.Timestamp | None = None,
            previous: Change | None = None, following: Change | None = None
            ) -> tuple[Window | None, Window | None]:
    """The window before a change (12 months, cut at the data's first date and an earlier
    change) and since it (to `end`, or the day before the next change). None where empty."""
    d = as_date(end)
    start = change.date - pd.DateOffset(months=BEFORE_MONTHS)
    for floor in (first, previous.date if previous else None):
        if floor is not None:
            start = max(start, floor)
    day_before = change.date - pd.Timedelta(days=1)
    before = Window(start, day_before) if start <= day_before else None
    stop = min(d, following.date - pd.Timedelta(days=1)) if following else d
    since = Window(change.date, stop) if change.date <= stop else None
    return before, since


def _share(p: Proportion) -> tuple[float | None, tuple[float, float] | None]:
    if not p.of:
        return None, None
    return p.pct, p.wilson()


def _rate(n: int, months: float) -> tuple[float | None, tuple[float, float] | None]:
    if months <= 0:
        return None, None
    lo, hi = byar_interval(n)
    return n / months, (lo / months, hi / months)


def _plans(tables: Tables, measure: str, w: Window) -> tuple[int, int | None, float | None,
                                                            tuple[float, float] | None]:
    """n, of, the figure and its interval for a measure of plans over a window."""
    from cpmetrics.measures import ended_2y_plus, started, starts_second_or_subsequent

    if measure == "starts":
        n = len(started(tables.plans, w.period))
        return (n, None, *_rate(n, w.months))
    p = (starts_second_or_subsequent if measure == "replan_share" else ended_2y_plus)(
        tables.plans, w.period)
    return (p.n, p.of, *_share(p))


def _enough(measure: str, before: Window, since: Window, n: int | None, of: int | None
            ) -> str | None:
    """Why a difference cannot be read yet, or None when it can."""
    months = since.months
    if months < MIN_MONTHS:
        shown = _words(int(months), "month") if float(months).is_integer() else \
            f"{months:.1f} months"
        return TOO_EARLY.format(months=shown, need=MIN_MONTHS)
    if before.months < MIN_MONTHS:
        return NO_BEFORE
    counted = n if measure == "starts" else of
    if measure != "on_plan" and (counted or 0) < MIN_PLANS:
        return TOO_FEW.format(need=MIN_PLANS)
    return None


def _verdict(measure: str, d: float, low: float, high: float) -> str:
    way = polarity(PUBLISHED[measure])
    if low <= 0 <= high:
        return "no difference beyond chance"
    higher = d > 0
    word = "higher" if higher else "lower"
    if way == NEITHER:
        return f"{word} since the change, beyond chance (this measure has no better direction)"
    better = higher != (way == LOWER)
    return (f"{word} since the change, beyond chance: {'better' if better else 'worse'} "
            f"({way})")


def _on_plan_row(tables: Tables, before: Window, since: Window | None) -> dict:
    from cpmetrics.series import monthly_series
    from cpmetrics.spc import describe, xmr

    b_ends = before.month_ends
    s_ends = since.month_ends if since is not None else b_ends[:0]
    row: dict = {}
    if not len(b_ends):
        return row
    series = monthly_series(tables.plans, b_ends[0], (s_ends if len(s_ends) else b_ends)[-1])
    values = series["on_plan"].astype("float64")
    before_v = values.loc[b_ends]
    row["before_value"] = float(before_v.mean())
    base = xmr(before_v)
    if len(before_v) >= 2 and not pd.isna(base["upper"].iloc[0]):
        row["before_low"], row["before_high"] = base["lower"].iloc[0], base["upper"].iloc[0]
    if len(s_ends):
        since_v = values.loc[s_ends]
        row["since_value"] = float(since_v.mean())
        row["difference"] = row["since_value"] - row["before_value"]
        judged = xmr(values.loc[b_ends.append(s_ends)], fix_after_n_points=max(2, len(b_ends)))
        after = judged.iloc[len(b_ends):]
        special = after[after["signal"].fillna("") != ""]
        verb = "is" if len(special) == 1 else "are"
        which = (f"all {_words(len(after), 'month')} since" if len(special) == len(after) > 1
                 else f"{_words(len(special), 'month')} of the {len(after)} since")
        row["_judged"] = (
            f"no month since is special cause against the {_words(len(b_ends), 'month')} "
            "before" if special.empty else
            f"{which} {verb} special cause against the months before (latest: "
            f"{describe(special.iloc[-1])})")
    return row


def compare(tables: Tables, change: Change, end: DateLike, *, previous: Change | None = None,
            following: Change | None = None) -> pd.DataFrame:
    """The four measures before and since one change, one row each (columns `COLUMNS`)."""
    from cpmetrics.coverage import first_date

    d = as_date(end)
    before, since = windows(change, d, first=first_date(tables), previous=previous,
                            following=following)
    rows = []
    for m in MEASURES:
        row = {"change": change.name, "measure": LABELS[m], "unit": UNITS[m],
               "before": before.label() if before else None,
               "since": since.label() if since else None, "interval": INTERVALS[m]}
        if before is None:
            row["reading"] = NO_BEFORE
            rows.append(row)
            continue
        if m == "on_plan":
            row.update(_on_plan_row(tables, before, since))
            judged = row.pop("_judged", None)
        else:
            n, of, v, ci = _plans(tables, m, before)
            row.update(before_n=n, before_of=of, before_value=v)
            if ci:
                row["before_low"], row["before_high"] = ci
            if since is not None:
                n, of, v, ci = _plans(tables, m, since)
                row.update(since_n=n, since_of=of, since_value=v)
                if ci:
                    row["since_low"], row["since_high"] = ci
        if since is None:
            row["reading"] = NOT_YET
        elif (why := _enough(m, before, since, row.get("since_n"), row.get("since_of"))):
            row["reading"] = why
            row.pop("difference", None)
        elif m == "on_plan":
            row["reading"] = judged or "no month ends to compare"
        elif row.get("since_low") is None or row.get("before_low") is None:
            row["reading"] = "nothing to compare: no plans in one of the windows"
        else:
            dd, lo, hi = mover_difference(row["before_value"], (row["before_low"],
                                          row["before_high"]), row["since_value"],
                                          (row["since_low"], row["since_high"]))
            row.update(difference=dd, difference_low=lo, difference_high=hi)
            row["reading"] = _verdict(m, dd, lo, hi)
        rows.append(row)
    return _frame(rows)


def _frame(rows: list[dict]) -> pd.DataFrame:
    out = pd.DataFrame(rows, columns=list(COLUMNS))
    for c in ("before_n", "before_of", "since_n", "since_of"):
        out[c] = out[c].astype("Int64")
    for c in ("before_value", "before_low", "before_high", "since_value", "since_low",
              "since_high", "difference", "difference_low", "difference_high"):
        out[c] = out[c].astype("float64")
    for c in ("change", "measure", "unit", "before", "since", "interval", "reading"):
        out[c] = out[c].astype("string")
    return out


def table(tables: Tables, end: DateLike, practice_changes: Iterable[Mapping | DateLike] = ()
          ) -> pd.DataFrame:
    """Every change's comparison, one row per change and measure (no rows without a change).

    `attrs["changes"]` keeps, for `statement`, each change's name, date, the months since
    it and whether it is too early to judge.
    """
    d = as_date(end)
    cs = changes(practice_changes)
    frames, info = [], []
    for i, c in enumerate(cs):
        f = compare(tables, c, d, previous=cs[i - 1] if i else None,
                    following=cs[i + 1] if i + 1 < len(cs) else None)
        frames.append(f)
        _, since = windows(c, d, previous=cs[i - 1] if i else None,
                           following=cs[i + 1] if i + 1 < len(cs) else None)
        info.append({"name": c.name, "label": c.label, "date": c.date,
                     "months": since.months if since else 0.0,
                     "readings": dict(zip(f["measure"], f["reading"], strict=True))})
    out = pd.concat(frames, ignore_index=True) if frames else _frame([])
    out.attrs.update(changes=info, end=d)
    return out


def _ready(reading: object) -> bool:
    text = "" if reading is None or (isinstance(reading, float) and math.isnan(reading)) \
        else str(reading)
    return not text.startswith(("too early", "not yet", "nothing"))


def statement(comparison: pd.DataFrame) -> list[str]:
    """What the data can and cannot yet say about each change, in plain words (from `table`).

    Too early (fewer than `MIN_MONTHS` months since, or too few plans): it says so, and that
    the figures since are shown for the record, not as a finding.
    """
    info = comparison.attrs.get("changes", [])
    end = comparison.attrs.get("end")
    if not info:
        return [NONE_GIVEN]
    out = []
    for c in info:
        when = _day(c["date"])
        m = c["months"]
        if m <= 0:
            out.append(f"{c['label']} begins on {when}, after the reporting date"
                       f"{f' ({_day(end)})' if end is not None else ''}: there is nothing "
                       "since it to compare yet.")
            continue
        months = _words(int(m), "month") if float(m).is_integer() else f"{m:.1f} months"
        text = (f"{c['label']} began on {when}: {months} of data since it, to "
                f"{_day(end) if end is not None else 'the reporting date'}. ")
        readings = c["readings"]
        ready = {k: v for k, v in readings.items() if _ready(v)}
        if not ready:
            text += (f"That is too early to judge whether anything has changed. This page reads "
                     f"a difference from the 12 months before only once at least "
                     f"{_words(MIN_MONTHS, 'month')} have passed and, for a measure of plans, "
                     f"at least {MIN_PLANS} plans are counted since: in fewer months an SPC "
                     "chart cannot show a lasting shift (a trend takes six months, a run "
                     "seven), a new practice takes months to settle, and a few dozen plans give "
                     "intervals too wide to read. Until then the figures since are shown for "
                     "the record only: a difference between them and the 12 months before is "
                     "not a finding.")
        else:
            beyond = [f"{k.lower()}: {v}" for k, v in ready.items()
                      if v.endswith(")") or v.startswith(("higher", "lower"))]
            same = [k.lower() for k, v in ready.items() if v.startswith("no ")]
            text += "Set against the 12 months before: " + (
                "; ".join(beyond) + "." if beyond else "no measure differs by more than chance.")
            if beyond and same:
                text += " No difference beyond chance: " + "; ".join(same) + "."
            waiting = [k.lower() for k in readings if k not in ready]
            if waiting:
                text += (" Still too early or too few plans to judge: " + "; ".join(waiting)
                         + ".")
        out.append(text)
        later = c["date"] + pd.DateOffset(years=2)
        out.append(
            "What a comparison before and since cannot say: that the change caused a "
            "difference. Other things change at the same time (referrals, staffing, "
            "thresholds), and a change brought in after a bad spell is often followed by "
            "better months by chance alone (regression to the mean). Plans ended since the "
            "change began before it, and those that had lasted two years or more began at "
            f"least two years before it, so that measure cannot reflect {c['label']} fully "
            f"until {_day(later)}.")
    return out

