"""The dates a data set covers, and refusing a reporting date outside them.

A measure at a date the data do not reach is silently wrong: half a year
counted as a whole one, plans whose end was never recorded counted as open.
So `metrics` and `pack` refuse a reporting date before the first or after the
last date the data cover, and every page says what those dates are.

How coverage is known (the README's "The dates your data cover" says the same):

- **Last date:** the end of the month holding the latest event recorded
  anywhere in the data (a plan's start, end or review; a referral, closure,
  assessment, section 47 enquiry or CIN plan; in Annex A the last statutory
  visit), but never after the latest CIN census return's ReferenceDate and
  never after today (a date after today is a mistake and is left out). A
  council records events every few days, so the latest one falls in the last
  month the data reach. A return's ReferenceDate alone is not enough: a
  part-year extract in the census layout would pass for a whole year
  (data/synthetic's 2018-19 return has ReferenceDate 31 March 2019 but holds
  nothing after 30 September 2018, so it covers to 30 September 2018).
- **First date:** for CIN census returns, 1 April of the earliest return's
  year (a return holds every child in need at any time in its year). For
  Annex A and tidy CSV, the 1st of the month on or after the earliest plan end
  recorded: such a list holds the plans open when it was drawn and those ended
  since some date, and the earliest end recorded is the latest that date can
  be. A tidy CSV with `collection_year` starts on 1 April of its earliest year
  (or of the year of its earliest end, if earlier).
- **data_to** in a params file (`--data-to` for `metrics`) replaces the last
  date with the day the data were extracted: for an export or an Annex A list
  drawn part way through a month, or a small extract with no event in its last
  weeks. It may not be after today, nor after the latest return's
  ReferenceDate.

Only the reporting date is refused: a period that starts before the first date
(a year to date on an Annex A list) is measured, and its pages say that its
counts of plans started and ended hold only what the data hold.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

import pandas as pd

from cpmetrics.errors import InputError
from cpmetrics.periods import DateLike, Period, as_date, financial_year_start, month_end
from cpmetrics.tables import Tables

#: table -> the columns holding the dates of events (not birth dates, not targets ahead)
EVENT_DATES: dict[str, tuple[str, ...]] = {
    "plans": ("start_date", "end_date", "last_review_date"),
    "reviews": ("review_date",),
    "episodes": ("referral_date", "closure_date", "date_of_initial_cpc"),
    "assessments": ("actual_start_date", "internal_review_date", "authorisation_date"),
    "section47": ("start_date", "date_of_initial_cpc"),
    "cin_plans": ("start_date", "end_date"),
    "visits": ("visit_date",),
}


class CoverageError(InputError):
    """A reporting date, or a `data_to`, that the data cannot answer for; `setting` says which."""

    def __init__(self, setting: str, problem: str) -> None:
        self.setting = setting
        super().__init__(None, setting, problem)

    def located(self, file: object, *, option: bool = False) -> InputError:
        """The same error naming a params file and its key, or (`option`) the data and the
        command's option: `data/synthetic: --period-end 2019-03-31 is after ...`."""
        if option:
            return InputError(file, None, f"--{self.setting.replace('_', '-')} {self.problem}")
        return InputError(file, f"key {self.setting}", self.problem)


def _day(d: pd.Timestamp) -> str:
    return f"{d.day} {d:%B %Y}"


def _fy(d: pd.Timestamp) -> str:
    start = financial_year_start(d)
    return f"{start.year}-{(start.year + 1) % 100:02d}"


@dataclass(frozen=True)
class Coverage:
    """The first and last dates a data set covers, each with how it is known.

    `first` or `last` is None when the data cannot say (no plan has ended; no
    event is recorded). `period`, when set by `check`, is the period being
    measured, for the caveat when it starts before the data do.
    """

    first: pd.Timestamp | None
    last: pd.Timestamp | None
    since: str  # how the first date is known
    until: str  # how the last date is known
    period: Period | None = None

    def span(self) -> str:
        """`1 April 2015 to 30 September 2018`."""
        first = _day(self.first) if self.first is not None else "a date the data do not show"
        last = _day(self.last) if self.last is not None else "a date the data do not show"
        return f"{first} to {last}"

    def sentence(self) -> str:
        """What a page says: the dates, how each is known, and any caveat for the period."""
        text = f"The data cover {self.span()}: from {self.since}, to {self.until}."
        p = self.period
        if p is not None and self.first is not None and p.start < self.first:
            text += (f" The period measured starts on {_day(p.start)}, before the data do, so"
                     " its counts of plans started and ended hold only what the data hold.")
        return text

    def as_dict(self) -> dict[str, str | None]:
        """For metrics.json: the dates as ISO text and the sentence."""
        return {
            "from": self.first.date().isoformat() if self.first is not None else None,
            "to": self.last.date().isoformat() if self.last is not None else None,
            "basis": self.sentence(),
        }

    def _repr_markdown_(self) -> str:
        return self.sentence()

    def __str__(self) -> str:
        return self.sentence()

    def __repr__(self) -> str:  # what a notebook's plain-text output holds: words, not Timestamps
        return self.sentence()


def latest_event(tables: Tables, today: DateLike | None = None) -> pd.Timestamp | None:
    """The latest event date recorded anywhere in the data, leaving out dates after today."""
    limit = as_date(today) if today is not None else _today()
    found = []
    if tables.visits_to is not None:
        found.append(pd.Timestamp(tables.visits_to))
    for name, columns in EVENT_DATES.items():
        frame = getattr(tables, name, None)
        if frame is None:
            continue
        for c in columns:
            if c in frame:
                dates = frame[c]
                latest = dates[dates <= limit].max()
                if pd.notna(latest):
                    found.append(pd.Timestamp(latest))
    found = [d for d in found if d <= limit]
    return max(found) if found else None


def _today() -> pd.Timestamp:
    return pd.Timestamp(dt.date.today())


def first_date(tables: Tables) -> pd.Timestamp | None:
    """The first date the data cover (None when they cannot say): before it, plans that had
    already ended are missing and counts would be too low."""
    return _first(tables)[0]


def _first(tables: Tables) -> tuple[pd.Timestamp | None, str]:
    if tables.reference_dates:
        earliest = min(tables.reference_dates)
        return (financial_year_start(earliest),
                f"the start of the earliest CIN census return's year, {_fy(earliest)}")
    plans = tables.plans
    ends = plans["end_date"].dropna()
    years = plans["collection_year"].dropna() if "collection_year" in plans else ends.iloc[:0]
    if len(years):
        starts = [pd.Timestamp(int(years.min()) - 1, 4, 1)]
        if len(ends):
            starts.append(financial_year_start(ends.min()))
        first = min(starts)
        return first, f"the start of the earliest collection year recorded, {_fy(first)}"
    if len(ends):
        earliest = ends.min()
        first = earliest if earliest.day == 1 else month_end(earliest) + pd.Timedelta(days=1)
        return first, ("the 1st of the month after the earliest plan end recorded (such data"
                       " hold the plans open when they were drawn and those ended since)")
    return None, "a date the data do not show (no plan in them has ended)"


def coverage(tables: Tables, data_to: DateLike | None = None,
             today: DateLike | None = None) -> Coverage:
    """The dates `tables` cover (see the module docstring for how each is known).

    `data_to`, the date the data were extracted, replaces the last date the
    data show; InputError when it is after today or after the latest return's
    ReferenceDate (a return holds nothing later).
    """
    now = as_date(today) if today is not None else _today()
    first, since = _first(tables)
    reference = max(tables.reference_dates) if tables.reference_dates else None
    if data_to is not None:
        given = as_date(data_to)
        if given > now:
            raise CoverageError("data_to", f"{given.date()} is after today ({now.date()})")
        if reference is not None and given > reference:
            raise CoverageError("data_to", f"{given.date()} is after {reference.date()}, the"
                                " latest CIN census return's ReferenceDate: it holds nothing later")
        return Coverage(first, given, since, "the date the data were extracted (data_to)")
    latest = latest_event(tables, now)
    if latest is None:
        return Coverage(first, None, since, "a date the data do not show (no event recorded)")
    last = month_end(latest)
    until = f"the end of the month of the latest event recorded, {_day(latest)}"
    if reference is not None and reference < last:
        last, until = reference, (f"the latest CIN census return's ReferenceDate (the latest event"
                                  f" recorded is {_day(latest)})")
    elif reference is not None and reference > last:
        until += f" (the latest return's ReferenceDate, {_day(reference)}, is later)"
    if now < last:
        last, until = now, f"today (the latest event recorded is {_day(latest)})"
    return Coverage(first, last, since, until)


def check(tables: Tables, period: Period, data_to: DateLike | None = None, *,
          today: DateLike | None = None) -> Coverage:
    """The data's coverage, for `period`; CoverageError naming both dates when the reporting
    date is before the first or after the last date the data cover."""
    cov = coverage(tables, data_to, today)
    d = period.end
    if cov.last is not None and d > cov.last:
        raise CoverageError("period_end", f"{d.date()} is after {cov.last.date()}, the last date"
                            f" the data cover: {cov.until}")
    if cov.first is not None and d < cov.first:
        raise CoverageError("period_end", f"{d.date()} is before {cov.first.date()}, the first"
                            f" date the data cover: {cov.since}")
    return replace(cov, period=period)
