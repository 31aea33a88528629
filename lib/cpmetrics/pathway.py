"""The child protection pathway of metrics.md: enquiry, conference, plan, reviews and visits.

DfE counts initial conferences in table C4 and reviews in table D6 (LAIT
`CP_conf_15days`, `10_ICPC` .. `21_ICPC`, `CPP_31March_3MnthorMore`,
`CPP_Reviewed_InReqTimeScl`, `RevCP`). Each measure here is one function over
the canonical tables. A measure whose table the source does not hold (Annex A
without List 5, a tidy CSV folder without the optional file, the CIN census for
visits) is None, `null` in `metrics`, never zero; an empty table that is held
gives zeros. Working days are `working_days.working_days` (a < d <= b, England
and Wales bank holidays).

Where metrics.md is silent the decisions are in docs/methods.md ("The child
protection pathway"), each tested in tests/test_pathway.py. In short: a
conference, an outcome or a plan dated after the reporting date is not known at
it; a count of working days that reaches outside the shipped bank holidays
leaves its record out of a working-day test (and shows as `unknown`); the clock
of a visit standard starts at the plan's start.

Measures (`headline` gives them as `metrics` prints them), the same for the
notebook by window (this month, year to date, rolling 12 months) and by month,
and the child-level case lists for interactive use only (never in a pack).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cpmetrics.comparison import proportion_rows
from cpmetrics.measures import current_plans
from cpmetrics.periods import DateLike, Period, as_date, financial_year_start, month_end
from cpmetrics.proportion import Proportion
from cpmetrics.tables import DATE, Tables
from cpmetrics.unavailable import NotAvailable, not_held
from cpmetrics.working_days import working_day_after, working_days

#: a conference is in time when held within this many working days of the enquiry's start (C4)
ICPC_STANDARD = 15
#: C4's bands of working days from the enquiry's start to the conference: (label, last day)
ICPC_BANDS: tuple[tuple[str, int | None], ...] = (
    ("0-10", 10), ("11-15", 15), ("16-20", 20), ("21+", None))
#: a conference leads to a plan starting on its day or in this many days after it
PLAN_WITHIN_DAYS = 45
#: the first review is due this long after the plan's start, each later one after the last (D6)
FIRST_REVIEW = pd.DateOffset(months=3)
NEXT_REVIEW = pd.DateOffset(months=6)
#: the local standard for statutory visits, in working days (params `visit_standard_working_days`)
VISIT_STANDARD = 10
#: what became of an enquiry (metrics.md `s47_outcomes`), in order
S47_OUTCOMES = ("conference", "not_required", "too_recent", "no_outcome")
#: the key a count gains when some records' working days cannot be counted (`working_days`)
UNKNOWN = "unknown"
#: the windows the notebook shows for the measures of events, in order
WINDOWS = ("month", "year_to_date", "rolling_12_months")
#: the counts each derived column of the notebook's tables rests on, for disclosure control
#: (`artefacts.show_table(..., depends=DEPENDS)`): a median is not a count of children
DEPENDS = {"median_working_days": ("of",)}
#: the keys `headline` gives `cpmetrics metrics`, in order
KEYS = ("icpc_within_15_days", "icpc_working_days_bands", "icpc_median_working_days",
        "s47_outcomes", "icpc_to_plan", "reviews_in_time", "visits_within_standard",
        "visits_seen_alone")


# ---- conferences ---------------------------------------------------------------------------------


def conferences(tables: Tables) -> pd.DataFrame | None:
    """Every initial conference the timeliness measures can count, with its working days.

    A conference counts when it is a `DateOfInitialCPC` in a section 47 record whose
    `S47ActualStartDate` is filled; one recorded at episode level only (a transfer-in
    conference) is not here, nor one dated before its enquiry's start (rule 8615 reports
    it). `working_days` runs from the enquiry's start to the conference.
    None when the source holds no section 47 enquiries.
    """
    s47 = tables.section47
    if s47 is None:
        return None
    held = s47[s47["start_date"].notna() & s47["date_of_initial_cpc"].notna()]
    held = held[held["date_of_initial_cpc"] >= held["start_date"]]
    return held.assign(working_days=working_days(held["start_date"], held["date_of_initial_cpc"]))


def conferences_held(tables: Tables, period: Period) -> pd.DataFrame | None:
    """The conferences counted for a period: held from P0 to D, both days included."""
    c = conferences(tables)
    return None if c is None else c[period.contains(c["date_of_initial_cpc"])]


def icpc_within_15_days(tables: Tables, period: Period) -> Proportion | None:
    """Of the conferences held in the period, those within 15 working days of the enquiry's
    start (DfE C4 bands 0-10 and 11-15; LAIT `CP_conf_15days`)."""
    c = conferences_held(tables, period)
    if c is None:
        return None
    days = c["working_days"].dropna()
    return Proportion(int((days <= ICPC_STANDARD).sum()), len(days))


def _band(days: pd.Series) -> pd.Series:
    edges = [last for _, last in ICPC_BANDS[:-1]]
    labels = np.array([label for label, _ in ICPC_BANDS])
    known = days.dropna().astype("int64")
    return pd.Series(labels[np.searchsorted(edges, known.to_numpy(), side="left")],
                     index=known.index, dtype="string")


def icpc_working_days_bands(tables: Tables, period: Period) -> pd.Series | None:
    """The conferences held in the period by C4's band of working days from the enquiry's start
    (`0-10`, `11-15`, `16-20`, `21+`); `unknown` too when some cannot be counted."""
    c = conferences_held(tables, period)
    if c is None:
        return None
    labels = [label for label, _ in ICPC_BANDS]
    counts = _band(c["working_days"]).value_counts().reindex(labels, fill_value=0)
    unknown = int(c["working_days"].isna().sum())
    if unknown:
        counts[UNKNOWN] = unknown
    return counts.astype("int64")


def icpc_median_working_days(tables: Tables, period: Period) -> float | None:
    """The median working days from enquiry to conference for conferences held in the period
    (DfE C4 `Duration_median`); None when there are none."""
    c = conferences_held(tables, period)
    if c is None:
        return None
    days = c["working_days"].dropna()
    return float(days.astype("float64").median()) if len(days) else None


# ---- enquiries and what became of them -----------------------------------------------------------


def enquiry_outcomes(tables: Tables, period: Period) -> pd.DataFrame | None:
    """Each section 47 enquiry started in the period with what it had led to by D (`outcome`).

    `conference`: an initial conference held on or before D; `not_required`: ICPCnotRequired
    true and no conference; `too_recent`: neither, and started 15 working days or fewer
    before D (its conference can still be in time); `no_outcome`: neither, and older;
    `unknown`: neither, and its working days to D cannot be counted. Child level.
    """
    s47 = tables.section47
    if s47 is None:
        return None
    d = period.end
    e = s47[period.contains(s47["start_date"])]
    held = (e["date_of_initial_cpc"] <= d).fillna(False).astype(bool)
    not_required = ~held & e["icpc_not_required"].fillna(False).astype(bool)
    days = working_days(e["start_date"], pd.Series(d, index=e.index, dtype=DATE))
    outcome = np.select(
        [held, not_required, days.isna().to_numpy(), (days <= ICPC_STANDARD).fillna(False)],
        ["conference", "not_required", UNKNOWN, "too_recent"], "no_outcome")
    return e.assign(working_days_to_d=days, outcome=pd.Series(outcome, index=e.index,
                                                              dtype="string"))


def s47_outcomes(tables: Tables, period: Period) -> pd.Series | None:
    """Section 47 enquiries started in the period by outcome at D: `conference`,
    `not_required`, `too_recent`, `no_outcome` (and `unknown` when there are any)."""
    e = enquiry_outcomes(tables, period)
    if e is None:
        return None
    counts = e["outcome"].value_counts().reindex([*S47_OUTCOMES, UNKNOWN], fill_value=0)
    counts = counts.astype("int64")
    return counts if counts[UNKNOWN] else counts.drop(UNKNOWN)


def followed_by_plan(held: pd.DataFrame, plans: pd.DataFrame, at: pd.Timestamp) -> pd.Series:
    """True for each conference followed by a plan for the same child starting on the conference
    date or in the 45 days after it, and on or before `at` (a later plan is not known at it)."""
    if held.empty:
        return pd.Series(False, index=held.index, dtype=bool)
    pairs = held[["child_id", "date_of_initial_cpc"]].reset_index(names="_row").merge(
        plans[["child_id", "start_date"]], on="child_id")
    last = (pairs["date_of_initial_cpc"] + pd.Timedelta(days=PLAN_WITHIN_DAYS)).clip(upper=at)
    ok = (pairs["start_date"] >= pairs["date_of_initial_cpc"]) & (pairs["start_date"] <= last)
    return pd.Series(held.index.isin(pairs.loc[ok, "_row"].unique()), index=held.index)


def icpc_to_plan(tables: Tables, period: Period) -> Proportion | None:
    """Of the conferences held in the period, those followed by a plan for the same child
    starting on the conference date or in the 45 days after it."""
    c = conferences_held(tables, period)
    if c is None:
        return None
    return Proportion(int(followed_by_plan(c, tables.plans, period.end).sum()), len(c))


# ---- reviews (D6) --------------------------------------------------------------------------------


def returns(tables: Tables) -> tuple[pd.Timestamp, ...]:
    """The reference dates of the yearly returns the data come from: each CIN census return's,
    or, for a tidy CSV whose plans.csv gives `collection_year`, 31 March of each year given.
    None (an empty tuple) for a tidy CSV without it: its reviews.csv is taken to be a case
    system's export holding every review of each plan."""
    if tables.reference_dates:
        return tables.reference_dates
    if tables.source != "csv" or "collection_year" not in tables.plans:
        return ()
    years = tables.plans["collection_year"].dropna().unique()
    return tuple(pd.Timestamp(int(y), 3, 31) for y in sorted(years))


def listed_from(starts: pd.Series, reference_dates: tuple[pd.Timestamp, ...]) -> pd.Series:
    """For each plan start, the first day of the earliest return holding the plan: 1 April of
    the year of the first return whose reference date is on or after the start.

    A return lists the reviews held in its own year, so a plan that started before that day
    has reviews no return lists. NaT where there are no returns (`returns`) or none is that
    late.
    """
    out = pd.Series(pd.NaT, index=starts.index, dtype=DATE)
    if not reference_dates:
        return out
    refs = sorted({as_date(r) for r in reference_dates})
    ends = np.array(refs, dtype="datetime64[s]")
    firsts = np.array([financial_year_start(r) for r in refs], dtype="datetime64[s]")
    i = np.searchsorted(ends, starts.to_numpy(dtype="datetime64[s]"), side="left")
    found = i < len(refs)
    out[found] = firsts[i[found]]
    return out


def review_status(tables: Tables, at: DateLike) -> pd.DataFrame | None:
    """Each child on a plan at `at`, once (the later plan if two are open), with the reviews of
    that plan checked as D6 checks them. Child level: for the measure and the case lists.

    Columns: `child_id`, `start_date`, `in_cohort` (the plan has lasted 3 calendar months:
    start + 3 months <= `at`), `checked_from` (`start`, or `first listed review` for a plan
    that started before the earliest return holding it: that review is taken as on time),
    `reviews` (reviews held from the plan's start to `at`), `late` (a review held after its
    due date), `next_due` (the due date of the review after the last one held: before `at`,
    it is overdue), `overdue`, `in_time` (not late and nothing overdue).
    The first review is due by start + 3 calendar months, each later one by the previous
    review + 6 (`pandas.DateOffset`, which clips to the month's end: 30 November + 3 months
    is 28 February). None when the source holds no reviews.
    """
    if tables.reviews is None:
        return None
    d = as_date(at)
    cur = current_plans(tables.plans, d)[["child_id", "start_date"]].reset_index(drop=True)
    first_due = (cur["start_date"] + FIRST_REVIEW).astype(DATE)
    rv = tables.reviews[["child_id", "plan_start_date", "review_date"]].dropna()
    rv = rv[(rv["review_date"] >= rv["plan_start_date"]) & (rv["review_date"] <= d)]
    rv = rv.merge(cur.reset_index(names="plan"), left_on=["child_id", "plan_start_date"],
                  right_on=["child_id", "start_date"])[["plan", "review_date"]]
    rv = rv.drop_duplicates().sort_values(["plan", "review_date"])

    since = listed_from(cur["start_date"], returns(tables))
    before = (cur["start_date"] < since).fillna(False).to_numpy()
    first_listed = rv.drop_duplicates("plan").set_index("plan")["review_date"].reindex(cur.index)
    from_review = before & first_listed.notna().to_numpy()
    due = first_due.copy()
    due[from_review] = (first_listed[from_review] + NEXT_REVIEW).astype(DATE)
    # started before its earliest return, no review listed: the reviews before that return's
    # year taken as held on their due dates, the first due in the return's year must be held
    chain = before & ~from_review
    while (step := chain & (due < since).fillna(False).to_numpy()).any():
        due[step] = (due[step] + NEXT_REVIEW).astype(DATE)
    if from_review.any():  # the first listed review is where their check starts, not a review
        taken = rv.drop_duplicates("plan")
        rv = rv.drop(taken.index[from_review[taken["plan"].to_numpy()]])

    late = np.zeros(len(cur), dtype=bool)
    held = rv.groupby("plan").size().reindex(cur.index, fill_value=0).to_numpy()
    k = rv.groupby("plan").cumcount()
    for i in range(int(k.max()) + 1 if len(k) else 0):
        nth = rv[k == i].set_index("plan")["review_date"].reindex(cur.index)
        has = nth.notna().to_numpy()
        late |= has & (nth > due).fillna(False).to_numpy()
        due[has] = (nth[has] + NEXT_REVIEW).astype(DATE)
    overdue = (due < d).to_numpy()
    return pd.DataFrame({
        "child_id": cur["child_id"],
        "start_date": cur["start_date"],
        "in_cohort": (first_due <= d).to_numpy(),
        "checked_from": pd.Series(np.where(from_review, "first listed review", "start"),
                                  dtype="string"),
        "reviews": held + from_review.astype(int),
        "late": late,
        "next_due": due,
        "overdue": overdue,
        "in_time": ~late & ~overdue,
    })


def reviews_in_time(tables: Tables, at: DateLike) -> Proportion | None:
    """Of the children on a plan at `at` whose plan has lasted 3 months or more, those whose
    every review that fell due was held by its due date, none overdue (DfE D6; LAIT `RevCP`)."""
    s = review_status(tables, at)
    if s is None:
        return None
    cohort = s[s["in_cohort"]]
    return Proportion(int(cohort["in_time"].sum()), len(cohort))


# ---- visits --------------------------------------------------------------------------------------


def visits_known_at(tables: Tables, at: DateLike) -> bool:
    """Whether the data say which visit was the latest at `at`: not for a date before the
    latest visit an Annex A list records, since List 7 keeps each plan's latest visit only."""
    if tables.visits is None:
        return False
    if tables.source == "annex_a" and tables.visits_to is not None:
        return as_date(at) >= tables.visits_to
    return True


def visit_status(tables: Tables, at: DateLike,
                 standard: int = VISIT_STANDARD) -> pd.DataFrame | None:
    """Each child on a plan at `at`, once, with their latest statutory visit of that plan.

    Columns: `child_id`, `start_date`, `last_visit` (the latest visit on or after the plan's
    start and on or before `at`; NaT if none), `seen_alone` (at that visit), `working_days`
    (from the last visit, or the plan's start where there is none yet, to `at`),
    `within_standard` (`working_days` <= `standard`; missing where the days cannot be
    counted), `next_due` (the `standard`th working day after the last visit or start).
    Child level. None when the source holds no visits, or cannot say at `at` (Annex A).
    """
    if not visits_known_at(tables, at):
        return None
    d = as_date(at)
    cur = current_plans(tables.plans, d)[["child_id", "start_date"]].reset_index(drop=True)
    v = tables.visits[["child_id", "visit_date", "seen_alone"]].dropna(subset=["visit_date"])
    v = v[v["visit_date"] <= d].merge(cur.reset_index(names="plan"), on="child_id")
    v = v[v["visit_date"] >= v["start_date"]]
    at_last = v[v["visit_date"] == v.groupby("plan")["visit_date"].transform("max")]
    alone = at_last["seen_alone"].fillna(False).astype(bool).groupby(at_last["plan"]).any()
    last_visit = at_last.groupby("plan")["visit_date"].max().reindex(cur.index).astype(DATE)
    since = last_visit.fillna(cur["start_date"]).astype(DATE)
    days = working_days(since, pd.Series(d, index=cur.index, dtype=DATE))
    return pd.DataFrame({
        "child_id": cur["child_id"],
        "start_date": cur["start_date"],
        "last_visit": last_visit,
        "seen_alone": alone.reindex(cur.index, fill_value=False).astype(bool),
        "working_days": days,
        "within_standard": (days <= standard).astype("boolean"),
        "next_due": working_day_after(since, standard),
    })


def visits_within_standard(tables: Tables, at: DateLike,
                           standard: int = VISIT_STANDARD) -> Proportion | None:
    """Of the children on a plan at `at`, those whose latest statutory visit (or, before the
    first, the plan's start) was `standard` working days or fewer before `at`."""
    s = visit_status(tables, at, standard)
    if s is None:
        return None
    known = s["within_standard"].dropna()
    return Proportion(int(known.sum()), len(known))


def visits_seen_alone(tables: Tables, at: DateLike) -> Proportion | None:
    """Of the children on a plan at `at`, those seen alone at their latest statutory visit."""
    s = visit_status(tables, at)
    if s is None:
        return None
    return Proportion(int(s["seen_alone"].sum()), len(s))


# ---- metrics -------------------------------------------------------------------------------------


def headline(tables: Tables, period: Period, visit_standard: int = VISIT_STANDARD) -> dict:
    """The pathway keys of `cpmetrics metrics`, each None (`null`) where the source lacks its
    data; proportions as `{n, of, pct}`, counts by band or outcome as objects."""
    d = period.end

    def prop(p: Proportion | None) -> dict | None:
        return None if p is None else p.as_dict()

    def ints(s: pd.Series | None) -> dict | None:
        return None if s is None else {str(k): int(v) for k, v in s.items()}

    return {
        "icpc_within_15_days": prop(icpc_within_15_days(tables, period)),
        "icpc_working_days_bands": ints(icpc_working_days_bands(tables, period)),
        "icpc_median_working_days": icpc_median_working_days(tables, period),
        "s47_outcomes": ints(s47_outcomes(tables, period)),
        "icpc_to_plan": prop(icpc_to_plan(tables, period)),
        "reviews_in_time": prop(reviews_in_time(tables, d)),
        "visits_within_standard": prop(visits_within_standard(tables, d, visit_standard)),
        "visits_seen_alone": prop(visits_seen_alone(tables, d)),
    }


# ---- the notebook: each question by window and by month ------------------------------------------


def windows(at: DateLike) -> dict[str, Period]:
    """This month (its 1st to `at`), the year to date (1 April to `at`) and the rolling 12
    months to `at`, keyed by `WINDOWS`."""
    d = as_date(at)
    return {
        "month": Period(d.replace(day=1), d),
        "year_to_date": Period.ending(d),
        "rolling_12_months": Period(d - pd.DateOffset(years=1) + pd.Timedelta(days=1), d),
    }


def window_label(name: str, period: Period) -> str:
    """`September 2018`, `Year to date, 1 April to 30 September 2018` (`1 April 2017 to 31 March
    2018`), `12 months to 30 September 2018`."""
    d = period.end
    if name == "month":
        return f"{d:%B %Y}" + ("" if d == month_end(d) else f" to {d.day} {d:%B}")
    if name == "year_to_date":
        since = f"{period.start.day} {period.start:%B}" + (
            "" if period.start.year == d.year else f" {period.start.year}")
        return f"Year to date, {since} to {d.day} {d:%B %Y}"
    return f"12 months to {d.day} {d:%B %Y}"


def _missing(tables: Tables, table: str, what: str) -> NotAvailable | None:
    held = {"section47": tables.has_section47, "reviews": tables.has_reviews,
            "visits": tables.has_visits}[table]
    return None if held else not_held(tables, table, what)


def conferences_on_time(tables: Tables, at: DateLike) -> pd.DataFrame | NotAvailable:
    """Are initial conferences held within 15 working days of the enquiry starting? This month,
    the year to date and the rolling 12 months: conferences within 15 working days of all held
    (`n`, `of`, `pct` and its 95% interval), the median working days and C4's bands."""
    na = _missing(tables, "section47", "initial conferences and their timeliness")
    if na is not None:
        return na
    rows, extra = {}, []
    for name, p in windows(at).items():
        rows[window_label(name, p)] = icpc_within_15_days(tables, p)
        bands = icpc_working_days_bands(tables, p)
        extra.append({"median_working_days": icpc_median_working_days(tables, p),
                      **{_band_column(k): int(v) for k, v in bands.items()}})
    out = proportion_rows(rows, label="period")
    return pd.concat([out, pd.DataFrame(extra).astype(
        {c: "int64" for c in extra[0] if c.startswith("days_")})], axis=1)


def _band_column(label: str) -> str:
    """`0-10` -> `days_0_10`, `21+` -> `days_21_plus`, `unknown` -> `days_unknown`."""
    return "days_" + label.replace("-", "_").replace("+", "_plus")


def _by_month(at: DateLike, months: int) -> list[pd.Timestamp]:
    """The last `months` month ends up to `at` (the month end on or before it)."""
    d = as_date(at)
    last = month_end(d) if d == month_end(d) else month_end(d) - pd.offsets.MonthEnd(1)
    return list(pd.date_range(end=last, periods=months, freq="ME"))


def _monthly(rows: dict, label: str = "month_end") -> pd.DataFrame:
    out = proportion_rows({str(m.date()): p for m, p in rows.items()}, label=label)
    out.index = pd.DatetimeIndex(list(rows), name=label)
    return out.drop(columns=label)


def conferences_on_time_by_month(tables: Tables, at: DateLike,
                                 months: int = 12) -> pd.DataFrame | NotAvailable:
    """Conferences within 15 working days, month by month (`n`, `of`, `pct`, interval) and over
    the 12 months to each month end (`rolling_n` ...), for the last `months` month ends."""
    na = _missing(tables, "section47", "initial conferences and their timeliness")
    if na is not None:
        return na
    ends = _by_month(at, months)
    month = {m: icpc_within_15_days(tables, windows(m)["month"]) for m in ends}
    rolling = {m: icpc_within_15_days(tables, windows(m)["rolling_12_months"]) for m in ends}
    return pd.concat([_monthly(month), _monthly(rolling).add_prefix("rolling_")], axis=1)


def reviews_on_time(tables: Tables, at: DateLike) -> pd.DataFrame | NotAvailable:
    """Are plans reviewed on time? Children on a plan 3 months or more who were reviewed in
    time (D6), at `at`, at the 31 March before it (the date DfE publishes) and a year before,
    with how many had a review held late and how many had one overdue."""
    na = _missing(tables, "reviews", "reviews in time")
    if na is not None:
        return na
    d = as_date(at)
    year_end = financial_year_start(d) - pd.Timedelta(days=1)
    dates = {f"At {d.day} {d:%B %Y}": d, f"At {year_end.day} {year_end:%B %Y}": year_end,
             f"At {(d - pd.DateOffset(years=1)).day} {d - pd.DateOffset(years=1):%B %Y}":
             d - pd.DateOffset(years=1)}
    rows, extra = {}, []
    for label, when in dates.items():
        s = review_status(tables, when)
        cohort = s[s["in_cohort"]]
        rows[label] = Proportion(int(cohort["in_time"].sum()), len(cohort))
        extra.append({"late": int(cohort["late"].sum()), "overdue": int(cohort["overdue"].sum())})
    return pd.concat([proportion_rows(rows, label="date"), pd.DataFrame(extra)], axis=1)


def reviews_on_time_by_month(tables: Tables, at: DateLike,
                             months: int = 12) -> pd.DataFrame | NotAvailable:
    """Children reviewed in time (D6) at each of the last `months` month ends."""
    na = _missing(tables, "reviews", "reviews in time")
    if na is not None:
        return na
    return _monthly({m: reviews_in_time(tables, m) for m in _by_month(at, months)})


def visits_on_time(tables: Tables, at: DateLike,
                   standard: int = VISIT_STANDARD) -> pd.DataFrame | NotAvailable:
    """Are children on a plan visited, and seen alone, within the local standard? At `at`: those
    visited within `standard` working days, and those seen alone at their latest visit."""
    na = _missing(tables, "visits", "statutory visits")
    if na is not None:
        return na
    if not visits_known_at(tables, at):
        return NotAvailable("statutory visits at this date", (
            "Annex A's List 7 holds each plan's latest visit only, and the list was drawn after"
            f" {as_date(at).day} {as_date(at):%B %Y}"))
    return proportion_rows({
        f"Visited within {standard} working days": visits_within_standard(tables, at, standard),
        "Seen alone at the latest visit": visits_seen_alone(tables, at),
    }, label="measure")


def visits_on_time_by_month(tables: Tables, at: DateLike, months: int = 12,
                            standard: int = VISIT_STANDARD) -> pd.DataFrame | NotAvailable:
    """Children visited within the standard at each of the last `months` month ends (a month
    whose visits the data cannot give, such as one before an Annex A list was drawn, is blank)."""
    na = _missing(tables, "visits", "statutory visits")
    if na is not None:
        return na
    return _monthly({m: visits_within_standard(tables, m, standard)
                     for m in _by_month(at, months)})


def enquiries_to_conferences(tables: Tables, at: DateLike) -> pd.DataFrame | NotAvailable:
    """Of the section 47 enquiries started, how many led to a conference? By window: enquiries
    started, and how many had a conference, were marked not required, are too recent to tell,
    or have no outcome (`unknown` too when some working days cannot be counted)."""
    na = _missing(tables, "section47", "section 47 enquiries and their outcomes")
    if na is not None:
        return na
    rows = []
    for name, p in windows(at).items():
        outcomes = s47_outcomes(tables, p)
        rows.append({"period": window_label(name, p), "enquiries": int(outcomes.sum()),
                     **{k: int(outcomes.get(k, 0)) for k in (*S47_OUTCOMES, UNKNOWN)}})
    out = pd.DataFrame(rows)
    if not out[UNKNOWN].any():
        out = out.drop(columns=UNKNOWN)
    out["period"] = out["period"].astype("string")
    return out.astype({c: "int64" for c in out.columns if c != "period"})


def conferences_to_plans(tables: Tables, at: DateLike) -> pd.DataFrame | NotAvailable:
    """Of the initial conferences held, how many led to a plan (within 45 days)? By window."""
    na = _missing(tables, "section47", "initial conferences and the plans that followed")
    if na is not None:
        return na
    return proportion_rows({window_label(name, p): icpc_to_plan(tables, p)
                            for name, p in windows(at).items()}, label="period")


# ---- case lists: child level, for interactive use only (never in a pack) -------------------------


def reviews_due(tables: Tables, at: DateLike, weeks: int = 4) -> pd.DataFrame | NotAvailable:
    """Children on a plan whose next review is overdue at `at` or due in the next `weeks` weeks,
    most overdue first: `child_id`, `start_date`, `next_due`, `status`. Child level."""
    d = as_date(at)
    s = review_status(tables, d)
    if s is None:
        return not_held(tables, "reviews", "reviews due")
    due = s[s["next_due"] <= d + pd.Timedelta(weeks=weeks)]
    status = np.where(due["overdue"], "overdue", "due soon")
    return due.assign(status=pd.Series(status, index=due.index, dtype="string"))[
        ["child_id", "start_date", "next_due", "status"]].sort_values("next_due")


def visits_due(tables: Tables, at: DateLike, standard: int = VISIT_STANDARD,
               weeks: int = 4) -> pd.DataFrame | NotAvailable:
    """Children on a plan whose next visit is overdue at `at` or due in the next `weeks` weeks
    (the `standard`th working day after the last visit, or the plan's start): `child_id`,
    `start_date`, `last_visit`, `next_due`, `status`. Child level."""
    d = as_date(at)
    s = visit_status(tables, d, standard)
    if s is None:
        return not_held(tables, "visits", "visits due")
    due = s[(s["next_due"] <= d + pd.Timedelta(weeks=weeks)).fillna(False)]
    status = np.where(due["next_due"] < d, "overdue", "due soon")
    return due.assign(status=pd.Series(status, index=due.index, dtype="string"))[
        ["child_id", "start_date", "last_visit", "next_due", "status"]].sort_values("next_due")


def conferences_overdue(tables: Tables, at: DateLike) -> pd.DataFrame | NotAvailable:
    """Section 47 enquiries with no conference held by `at` and not marked not required whose
    15th working day has passed: `child_id`, `start_date`, `due` (the 15th working day),
    `working_days` to `at`. Every enquiry started before `at` is looked at. Child level."""
    d = as_date(at)
    e = enquiry_outcomes(tables, Period(pd.Timestamp("1900-01-01"), d))
    if e is None:
        return not_held(tables, "section47", "conferences overdue")
    late = e[e["outcome"] == "no_outcome"]
    return pd.DataFrame({
        "child_id": late["child_id"],
        "start_date": late["start_date"],
        "due": working_day_after(late["start_date"], ICPC_STANDARD),
        "working_days": late["working_days_to_d"],
    }).sort_values("start_date")


# ---- beside the published figures (C4, D6) -------------------------------------------------------

#: the rows of `conferences_beside_published`: (label, C4 band or None for within 15, measure key)
C4_ROWS: tuple[tuple[str, str | None, str], ...] = (
    ("Within 15 working days", None, "icpc_within_15_days_pct"),
    *((f"{label} working days", label,
       f"icpc_{label.replace('-', '_').replace('+', '_plus')}_days_pct")
      for label, _ in ICPC_BANDS),
)
#: the published columns `conferences_beside_published` and `reviews_beside_published` add
PUBLISHED_COLUMNS = ("national_value", "neighbours_value", "england_value", "published_year")


def _published(out: pd.DataFrame, keys: list[str], la: str, at: DateLike,
               sn_grouping: str | None) -> pd.DataFrame:
    """`out` with the council's own published figure, its neighbours' mean and England's for
    each row's measure (`keys`), in the year to compare with at `at`; blanks, never zeros,
    where DfE published none or the council is not in its tables (`published_year` says which
    year, or is blank then)."""
    from cpmetrics.benchmarks import pathway_benchmarks, year_label
    from cpmetrics.comparison import comparison_year

    year = comparison_year(at, keys[0])
    try:
        pb = pathway_benchmarks(la, year, sn_grouping).set_index("measure")
    except Exception:  # a council not in DfE's tables: no published figures beside it
        pb, label = None, None
    else:
        label = year_label(year)
    for col, src in (("national_value", "la_value"), ("neighbours_value", "neighbours_mean"),
                     ("england_value", "england_value")):
        out[col] = pd.array([None if pb is None or pd.isna(pb.at[k, src]) else float(pb.at[k, src])
                             for k in keys], dtype="Float64").astype("float64")
    out["published_year"] = pd.Series([label] * len(out), index=out.index, dtype="string")
    return out


def conferences_beside_published(tables: Tables, at: DateLike, la: str,
                                 sn_grouping: str | None = None) -> pd.DataFrame | NotAvailable:
    """Initial conferences held in the 12 months to `at`: those within 15 working days of the
    enquiry's start and those in each of C4's bands (of the conferences whose working days can
    be counted; `n`, `of`, `pct` and its 95% interval), beside the council's own published
    figure, its statistical neighbours' mean and England's (C4, the year to compare with at
    `at`). Twelve months, so the council's figure covers a year as C4's do."""
    na = _missing(tables, "section47", "initial conferences and their timeliness")
    if na is not None:
        return na
    period = windows(at)["rolling_12_months"]
    days = conferences_held(tables, period)["working_days"].dropna()
    bands = icpc_working_days_bands(tables, period)
    rows = {label: Proportion(int((days <= ICPC_STANDARD).sum() if band is None
                                  else bands[band]), len(days))
            for label, band, _ in C4_ROWS}
    out = proportion_rows(rows, label="measure")
    return _published(out, [k for _, _, k in C4_ROWS], la, at, sn_grouping)


def reviews_beside_published(tables: Tables, at: DateLike, la: str,
                             sn_grouping: str | None = None) -> pd.DataFrame | NotAvailable:
    """Children on a plan 3 months or more who were reviewed in time (D6) at `at`, beside the
    council's own published figure, its statistical neighbours' mean and England's (DfE
    publishes it at 31 March; the year to compare with at `at`)."""
    na = _missing(tables, "reviews", "reviews in time")
    if na is not None:
        return na
    d = as_date(at)
    out = proportion_rows({f"Reviewed in time, at {d.day} {d:%B %Y}": reviews_in_time(tables, d)},
                          label="measure")
    return _published(out, ["reviews_in_time_pct"], la, at, sn_grouping)


# ---- case lists, gated: what a notebook cell shows -----------------------------------------------


#: each case list `case_list` gives: (the function, what it lists)
CASE_LISTS = {
    "reviews": (reviews_due, "the children whose review is due in the next 4 weeks or overdue"),
    "visits": (visits_due, "the children whose statutory visit is due in the next 4 weeks or"
                           " overdue"),
    "conferences": (conferences_overdue, "the enquiries with no conference held yet whose 15th"
                                         " working day has passed"),
}


class Withheld:
    """A child-level list that is not shown: what it would list and why. A notebook shows its
    sentence where the list would be (`_repr_markdown_`), with no test of its own."""

    def __init__(self, what: str, in_pack: bool) -> None:
        self.what, self.in_pack = what, in_pack

    def sentence(self) -> str:
        why = ("this is a pack, and child-level lists never go in a pack" if self.in_pack else
               "set `show_child_level = True` in the parameters cell to see them")
        text = f"{self.what} are listed child by child only in interactive use: {why}."
        return text[0].upper() + text[1:]

    def __str__(self) -> str:
        return self.sentence()

    def __repr__(self) -> str:
        return f"Not shown: {self.sentence()}"

    def _repr_markdown_(self) -> str:
        return f"**Not shown.** {self.sentence()}"


def case_list(kind: str, tables: Tables, at: DateLike, show_child_level: bool = False,
              pack_dir: object = None, standard: int = VISIT_STANDARD
              ) -> pd.DataFrame | NotAvailable | Withheld:
    """One of `CASE_LISTS` ("reviews", "visits", "conferences") at `at`, for a team manager to
    act on: the list itself only when `show_child_level` is true and no `pack_dir` is given
    (child identifiers never go in a pack, whatever the parameters say); otherwise a `Withheld`
    saying why. `NotAvailable` when the source lacks the data."""
    if kind not in CASE_LISTS:
        raise ValueError(f"case list {kind!r} is not one of {', '.join(CASE_LISTS)}")
    fn, what = CASE_LISTS[kind]
    if pack_dir is not None or not show_child_level:
        return Withheld(what, in_pack=pack_dir is not None)
    return fn(tables, at, standard) if kind == "visits" else fn(tables, at)
