"""Data-quality rules, after the CIN census validation rules: each with its number and message.

One rule, one small function registered with its number, the sentence an analyst
reads and what the measures do with the record. Rule numbers are DfE's CIN census
validation rules, and the message is DfE's own wording where the rule is new here
(as in the Data to Insight CIN validator, data-to-insight/csc-validator-be-cin,
rules/cin2022_23/rule_NNNN.py, which this module agrees with except where said
below); a check with no DfE rule carries a local code beginning "L".
A rule reads any canonical table (plans, episodes, assessments, section47,
cin_plans, reviews, children: `tables.Tables`) and names the record it finds
wrong: its file, its place there and its child. A rule whose tables a source
does not hold (Annex A and tidy CSV have no episodes) finds nothing.

Findings never remove a record from the measures; the action says what the
measures did: *kept* (measured as recorded), *measured once*, or *rejected*.
Only records that cannot be measured (no child id, no usable start date, an end
before the start) are rejected, while loading (`history.build_plans`), and are
reported here too. `describe_rules()` is the rule book, and the README's list
of what `validate` checks is the same book.

Rules and their years: DfE's rule book for each collection year; the D2I
validator's rule sets start at 2022-23, and earlier returns are checked here
against the same rules. Where a rule's wording or logic changed, a finding
follows its return's year (8770Q's school-age cut-off from 2024-25; RC9, in the
code set from 2022-23, in 2990 and 8873Q).

Local checks ("L"), for the figures a scrutiny report rests on that DfE leaves
to councils: L01-L03 and L10 while loading, L15 while reading Annex A's and tidy
CSV's pathway records (`sources.pathway_records`); L07 and L24
(NumberOfPreviousCPP against the plan history: re-plans); L11 (an open plan in a
closed episode: children on a plan and plans lasting two years); L12-L14 and L16
(reviews and enquiries the pathway measures count); L20-L23 continuity between
yearly returns (`history.continuity`).

Checked against the D2I validator itself (its cin2022_23 to cin2024_25 rule sets
run on data/synthetic's four returns and on seeds 1 and 11 of `cpmetrics synth`,
file by file), the two find the same children for 2884, 2990, 8565, 8770Q, 8810
and 8873Q, and neither finds any for the other new rules; they differ where this
module parts from it on purpose. 8540 flags a child with no
Disabilities block at all (D2I ties the finding to Disability rows, which such a
child lacks, and reports none); 8675Q ends a part-year return at the last date the
data cover (`coverage`: data/synthetic's 2018-19 return stops at 30 September; D2I
counts to 31 March 2019 and flags three enquiries of late September), and flags more than
15 working days (metrics.md's count; D2I's offset flags exactly 15 too); 8565
checks plan end dates too (D2I's test data replace the plans it is given); 4003
counts an open CIN plan as running to the reference date (D2I passes a review
only while the CP plan has no end date, an accident of its join) and looks
within the episode as DfE says, not across the child's episodes; 8935 and 8940
are checked across all of a child's plans, not within one episode (what
counting children on a plan needs).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from cpmetrics.coverage import coverage
from cpmetrics.history import findings_frame
from cpmetrics.periods import collection_year
from cpmetrics.tables import CATEGORIES, FINDING_COLUMNS, Tables, conform
from cpmetrics.working_days import is_weekend, working_days

#: what a finding on a record of each table names it by: (words, date column)
_RECORD = {
    "plans": ("plan starting", "start_date"),
    "episodes": ("CIN episode referred", "referral_date"),
    "assessments": ("assessment started", "actual_start_date"),
    "section47": ("section 47 enquiry started", "start_date"),
    "cin_plans": ("CIN plan starting", "start_date"),
    "reviews": ("review of the plan starting", "plan_start_date"),
    "children": None,
}
HITS = ("source_file", "location", "child_id", "what")


@dataclass(frozen=True)
class Rule:
    code: str
    message: str  # the sentence an analyst reads: DfE's words, or ours where `dfe` has DfE's
    action: str  # what the measures did with the record
    check: Callable[[Tables], pd.DataFrame | None]  # the records it finds, as `hits`
    reads: tuple[str, ...]  # the canonical tables it reads
    dfe: str = ""  # DfE's message, where `message` words it otherwise
    years: str = "every year"  # the collection years it applies to, and any change between them
    loading: str = ""  # what the loader does for the same rule number, if anything


RULES: list[Rule] = []


def _day(dates: pd.Series) -> pd.Series:
    return dates.dt.strftime("%Y-%m-%d").fillna("")


def _true(values: pd.Series) -> pd.Series:
    """A boolean Series with missing values False."""
    return values.fillna(False).astype(bool)


def _isin(values: pd.Series, among) -> pd.Series:
    """values.isin(among), by a hash lookup: pandas' isin on Arrow strings loops in Python."""
    index = pd.Index(pd.Series(among, dtype="object").dropna().unique())
    return pd.Series(index.get_indexer(values) >= 0, index=values.index)


def _each_distinct(values: pd.Series, work: Callable[[pd.Series], pd.Series]) -> pd.Series:
    """`work(values)`, worked out once per distinct value: for a Python regex (pandas runs one
    with \\s per row) over codes that repeat across a hundred thousand children."""
    codes, distinct = pd.factorize(values, use_na_sentinel=False)
    return pd.Series(work(pd.Series(distinct, dtype=values.dtype)).to_numpy()[codes],
                     index=values.index)


#: what several rules share, worked out once per run of the rules over one `Tables`
#: (`run_rules` sets `_RUN.shared`; one per thread)
_RUN = threading.local()


def _once(t: Tables, what: Callable[[Tables], object]):
    """`what(t)`, worked out once while the rules run over `t`."""
    shared = getattr(_RUN, "shared", None)
    if shared is None:
        return what(t)
    if what.__name__ not in shared:
        shared[what.__name__] = what(t)
    return shared[what.__name__]


def _table(t: Tables, name: str) -> pd.DataFrame | None:
    frame = getattr(t, name)
    return None if frame is None or frame.empty else frame


def hits(records: pd.DataFrame, table: str, detail: pd.Series | str | None = None,
         message: pd.Series | None = None) -> pd.DataFrame:
    """The records a rule finds, named as a finding names them.

    `records` are rows of the canonical table `table` (or a join holding its
    source_file, location and child_id); `detail` adds words after the record's
    name; `message`, where given, replaces the rule's message row by row (a rule
    whose wording changed between collection years).
    """
    blank = pd.Series("", index=records.index, dtype="string")
    named = _RECORD.get(table)
    what = blank if named is None else (named[0] + " " + _day(records[named[1]])).astype("string")
    if detail is not None:
        extra = detail if isinstance(detail, pd.Series) else pd.Series(detail, index=records.index)
        extra = extra.astype("string").fillna("")
        what = (what + "; " + extra).where(what != "", extra).str.strip("; ")
    out = pd.DataFrame({
        "source_file": records["source_file"].astype("string") if "source_file" in records
        else blank,
        "location": records["location"].astype("string").fillna("") if "location" in records
        else blank,
        "child_id": records["child_id"].astype("string") if "child_id" in records
        else pd.Series(pd.NA, index=records.index, dtype="string"),
        "what": what,
    }, index=records.index)
    if message is not None:
        out["message"] = message.astype("string")
    return out


def rule(code: str, message: str, action: str = "measured as recorded", *, table: str = "plans",
         detail: Callable[[pd.DataFrame], pd.Series] | None = None, context: bool = False,
         dfe: str = "", years: str = "every year", loading: str = ""):
    """Register a rule over one canonical table: check(frame) -> True where a record breaks it.

    `detail(records)` words what is wrong with each record found; with `context` it is
    given the whole table (it looks at a record's neighbours) and its rows are picked after.
    """

    def wrap(check: Callable[[pd.DataFrame], pd.Series]) -> Callable[[pd.DataFrame], pd.Series]:
        def run(t: Tables) -> pd.DataFrame | None:
            frame = _table(t, table)
            if frame is None:
                return None
            hit = _true(check(frame)).to_numpy()
            if not hit.any():
                return None
            found = frame[hit]
            words = None if detail is None else detail(frame)[hit] if context else detail(found)
            return hits(found, table, words)

        RULES.append(Rule(code, message, action, run, (table,), dfe, years, loading))
        return check

    return wrap


def across(code: str, message: str, action: str = "measured as recorded", *,
           reads: tuple[str, ...], dfe: str = "", years: str = "every year"):
    """Register a rule reading several tables: check(tables) -> `hits(...)` or None."""

    def wrap(check: Callable[[Tables], pd.DataFrame | None]):
        RULES.append(Rule(code, message, action, check, reads, dfe, years))
        return check

    return wrap


# ---- collection years ------------------------------------------------------------------------


def _reference_date(years: pd.Series) -> pd.Series:
    """31 March of each record's collection year (its return's reference date); NaT if unknown."""
    year = years.astype("Int64").astype("string")
    return pd.to_datetime(year + "-03-31", format="%Y-%m-%d", errors="coerce").astype(
        "datetime64[s]")


def _year_bounds(frame: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """First day and reference date (31 March) of each record's collection year; NaT if unknown."""
    ref = _reference_date(frame["collection_year"])
    return ref - pd.DateOffset(years=1) + pd.Timedelta(days=1), ref


def _years(t: Tables) -> list[int]:
    """The collection years of the returns read (those any record came from)."""
    return _once(t, _years_read)


def _years_read(t: Tables) -> list[int]:
    seen: set[int] = {collection_year(d) for d in t.reference_dates}
    for name in ("plans", "episodes", "section47", "children"):
        frame = _table(t, name)
        if frame is not None and "collection_year" in frame:
            seen.update(int(y) for y in frame["collection_year"].dropna().unique())
    return sorted(seen)


def _covered(t: Tables) -> tuple[pd.Timestamp, pd.Timestamp] | None:
    """1 April of the earliest collection year read to the latest reference date, if known."""
    years = _years(t)
    if not years:
        return None
    return pd.Timestamp(years[0] - 1, 4, 1), pd.Timestamp(years[-1], 3, 31)


def _label(year: int) -> str:
    return f"{year - 1}-{str(year)[2:]}"


def _last(frame: pd.DataFrame, key: str | list[str]) -> pd.DataFrame:
    return frame.drop_duplicates(key, keep="last")


# ---- plans -----------------------------------------------------------------------------------


@rule(
    "8840",
    "The plan starts and ends on the same day",
    "measured as recorded: counted as a start and an end, never as on plan",
    dfe="Child Protection Plan cannot start and end on the same day",
)
def same_day_plan(plans: pd.DataFrame) -> pd.Series:
    return plans["start_date"] == plans["end_date"]


@rule(
    "8935",
    "The child has more than one open plan (a plan with no end date)",
    "measured; the child is counted once on plan, on the plan that started later",
    dfe="This child is showing more than one open Child Protection plan, i.e. with no End Date",
)
def more_than_one_open_plan(plans: pd.DataFrame) -> pd.Series:
    open_ = plans["end_date"].isna()
    return open_ & open_.groupby(plans["child_id"]).transform("sum").gt(1)


def _earlier_end(plans: pd.DataFrame) -> pd.Series:
    """Latest end among the child's earlier-starting plans; NaT if none.

    An open plan never ends: it counts as the latest possible date.
    """
    order = plans.sort_values(["child_id", "start_date"], kind="stable")
    end = order["end_date"].fillna(pd.Timestamp.max.normalize())
    child = order["child_id"]
    prior = end.groupby(child, sort=False).cummax().groupby(child, sort=False).shift(1)
    return prior.reindex(plans.index).astype(plans["end_date"].dtype)


def _overlap_detail(plans: pd.DataFrame) -> pd.Series:
    prior = _earlier_end(plans)
    still_open = prior == pd.Timestamp.max.normalize()
    text = "an earlier plan ends " + _day(prior)
    return text.mask(still_open, "an earlier plan is still open")


@rule(
    "8940",
    "The plan overlaps another of the child's plans: it starts on or before the day an earlier"
    " plan ends, or while an earlier plan is still open",
    "measured; the child is counted once on plan at any date",
    detail=_overlap_detail,
    context=True,
    dfe="Child Protection Plan data contains overlapping dates",
)
def overlapping_plans(plans: pd.DataFrame) -> pd.Series:
    return plans["start_date"] <= _earlier_end(plans)


def _not_a_category(values: pd.Series) -> pd.Series:
    return (~values.isin(CATEGORIES)).fillna(True)


@rule(
    "8905",
    "The initial category of abuse is missing or not in the CIN census code list"
    " (NEG, EMO, PHY, SAB, MUL)",
    "measured; shown as 'unknown' in category breakdowns",
    detail=lambda p: "recorded as '" + p["initial_category"].fillna("").astype("string") + "'",
    dfe="Initial Category of Abuse code missing or invalid (see Category of Abuse table in CIN"
    " Census code set)",
)
def initial_category_not_in_list(plans: pd.DataFrame) -> pd.Series:
    return _not_a_category(plans["initial_category"])


@rule(
    "8910",
    "The latest category of abuse is missing or not in the CIN census code list"
    " (NEG, EMO, PHY, SAB, MUL)",
    "measured as recorded; no headline measure uses the latest category",
    detail=lambda p: "recorded as '" + p["latest_category"].fillna("").astype("string") + "'",
    dfe="Latest Category of Abuse code missing or invalid (see Category of Abuse table in CIN"
    " Census code set)",
)
def latest_category_not_in_list(plans: pd.DataFrame) -> pd.Series:
    return _not_a_category(plans["latest_category"])


@rule(
    "L07",
    "NumberOfPreviousCPP is 0 but the child has an earlier plan in the data",
    "counted as a second or subsequent plan (DfE: any earlier plan, however long ago)",
)
def previous_plans_disagree(plans: pd.DataFrame) -> pd.Series:
    return plans["replan_disagrees"]


def _earlier_previous(plans: pd.DataFrame) -> pd.Series:
    """The largest NumberOfPreviousCPP among the child's earlier-starting plans; NA if none."""
    order = plans.sort_values(["child_id", "start_date"], kind="stable")
    prev = order["previous_plans"].astype("Float64")
    child = order["child_id"]
    most = prev.groupby(child, sort=False).cummax().groupby(child, sort=False).shift(1)
    return most.reindex(plans.index)


@rule(
    "L24",
    "NumberOfPreviousCPP is lower than on an earlier plan of the same child",
    "measured as recorded; the plan counts as a re-plan, as an earlier plan is in the data",
    detail=lambda p: "records " + p["previous_plans"].astype("string").fillna("")
    + ", an earlier plan records " + _earlier_previous(p).astype("Int64").astype("string")
    .fillna(""),
    context=True,
    years="every year; part of the continuity check between returns",
)
def previous_plans_fall(plans: pd.DataFrame) -> pd.Series:
    # a plan recording 0 after an earlier plan is L07's finding, not this one's
    prev = plans["previous_plans"]
    return (prev < _earlier_previous(plans)) & (prev > 0)


@rule(
    "8720",
    "The plan starts after the collection's reference date (31 March of the census year)",
    "measured as recorded",
    dfe="Child Protection Plan Start Date missing or out of data collection period",
    loading="no start date, or one that is not a date: the record is rejected while loading",
)
def start_after_reference_date(plans: pd.DataFrame) -> pd.Series:
    _, ref = _year_bounds(plans)
    return plans["start_date"] > ref


@rule(
    "8930",
    "The plan's end date is outside the census year of the return it came from",
    "measured as recorded",
    detail=lambda p: "ends " + _day(p["end_date"]) + ", return for the year ending 31 March "
    + p["collection_year"].astype("string").fillna(""),
    dfe="Child Protection Plan End Date must fall within the census year",
)
def end_outside_collection_year(plans: pd.DataFrame) -> pd.Series:
    first, ref = _year_bounds(plans)
    end = plans["end_date"]
    return (end < first) | (end > ref)


# ---- episodes: closure and what a closed case may hold -----------------------------------------


def _closure(t: Tables) -> pd.Series | None:
    """Closure date of each closed episode, by episode id."""
    return _once(t, _closures)


def _closures(t: Tables) -> pd.Series | None:
    ep = _table(t, "episodes")
    if ep is None:
        return None
    closed = _last(ep[ep["closure_date"].notna()], "episode_id")
    return closed.set_index("episode_id")["closure_date"]


def _join(parts: list[pd.Series], sep: str = ", ") -> pd.Series:
    """Row by row, the non-empty strings of `parts` joined with `sep`."""
    out = parts[0].fillna("")
    for p in parts[1:]:
        p = p.fillna("")
        out = (out + sep + p).where((out != "") & (p != ""), out + p)
    return out


@rule(
    "8810",
    "A CIN case cannot have a Reason for Closure without a CIN Closure Date",
    "kept: the episode counts as open; its plans are measured on their own dates",
    table="episodes",
    detail=lambda e: "reason for closure " + e["reason_for_closure"].astype("string").fillna(""),
)
def closure_reason_without_date(episodes: pd.DataFrame) -> pd.Series:
    reason = episodes["reason_for_closure"].astype("string").str.strip()
    return (reason.fillna("") != "") & episodes["closure_date"].isna()


#: the dates 8565 compares with the episode's closure, table by table: (column, words)
_ACTIVITY = {
    "assessments": (("actual_start_date", "started"), ("authorisation_date", "authorised")),
    "section47": (("start_date", "started"), ("date_of_initial_cpc", "initial conference")),
    "plans": (("end_date", "ends"),),
    "cin_plans": (("start_date", "starts"), ("end_date", "ends")),
}


@across(
    "8565",
    "Activity shown after a case has been closed",
    "measured as recorded",
    reads=("episodes", "assessments", "section47", "plans", "cin_plans"),
)
def activity_after_closure(t: Tables) -> pd.DataFrame | None:
    """A date in a closed episode after its CINclosureDate: its assessments' start and
    authorisation, its enquiries' start and conference, its plans' ends, its CIN plans'
    dates and the episode's own conference."""
    closure = _closure(t)
    if closure is None or closure.empty:
        return None
    found = []
    ep = t.episodes
    late = _true(ep["date_of_initial_cpc"] > ep["closure_date"])
    if late.any():
        e = ep[late]
        found.append(hits(e, "episodes", "initial conference " + _day(e["date_of_initial_cpc"])
                          + " after the episode closed " + _day(e["closure_date"])))
    for table, columns in _ACTIVITY.items():
        frame = _table(t, table)
        if frame is None:
            continue
        closed = frame["episode_id"].map(closure)
        after = {col: _true(frame[col] > closed).to_numpy() for col, _ in columns}
        any_late = np.logical_or.reduce(list(after.values()))
        if not any_late.any():
            continue
        late = frame[any_late]
        parts = [(words + " " + _day(late[col])).where(after[col][any_late], "")
                 for col, words in columns]
        text = _join(parts) + " after its CIN episode closed " + _day(closed[any_late])
        found.append(hits(late, table, text))
    return pd.concat(found) if found else None


@across(
    "L11",
    "The plan has no end date but its CIN episode is closed",
    "measured as open, as recorded: check the plan's end date",
    reads=("plans", "episodes"),
)
def open_plan_in_closed_episode(t: Tables) -> pd.DataFrame | None:
    closure = _closure(t)
    if closure is None or closure.empty or t.plans.empty:
        return None
    closed = t.plans["episode_id"].map(closure)
    hit = _true(t.plans["end_date"].isna() & closed.notna())
    p = t.plans[hit]
    return hits(p, "plans", "the episode closed " + _day(closed[hit]))


#: a CIN episode closed after assessment with no further action (RC8) or to early help (RC9)
_CLOSED_AFTER_ASSESSMENT = ("RC8", "RC9")


@across(
    "2990",
    "Activity is recorded against a case marked as ‘Case closed after assessment, no further"
    " action’ or 'case closed after assessment, referred to early help'.",
    "measured as recorded: its enquiries, conferences and plans count",
    reads=("episodes", "section47", "plans", "cin_plans"),
    years="every year; RC9 is in the code set from 2022-23",
)
def activity_after_no_further_action(t: Tables) -> pd.DataFrame | None:
    ep = _table(t, "episodes")
    if ep is None:
        return None
    nfa = ep["reason_for_closure"].astype("string").str.strip().isin(_CLOSED_AFTER_ASSESSMENT)
    e = ep[_true(nfa)]
    if e.empty:
        return None
    held = []
    for table, words in (("section47", "a section 47 enquiry"),
                         ("plans", "a child protection plan"), ("cin_plans", "a CIN plan")):
        frame = _table(t, table)
        ids = frame["episode_id"] if frame is not None else pd.Series([], dtype="string")
        held.append(pd.Series(words, index=e.index).where(_isin(e["episode_id"], ids), ""))
    conference = e["date_of_initial_cpc"]
    held.append(("an initial conference " + _day(conference)).where(conference.notna(), ""))
    text = _join(held)
    bad = text != ""
    if not bad.any():
        return None
    reason = e["reason_for_closure"].astype("string")
    return hits(e[bad], "episodes", "closed " + reason[bad] + " but holds " + text[bad])


# ---- conferences and plans ---------------------------------------------------------------------


@across(
    "2884",
    "An initial child protection conference is recorded at both the S47 and CIN Details level"
    " and it should only be recorded in one",
    "measured: the pathway measures count the section 47 record only",
    reads=("episodes", "section47"),
)
def conference_at_both_levels(t: Tables) -> pd.DataFrame | None:
    ep, s47 = _table(t, "episodes"), _table(t, "section47")
    if ep is None or s47 is None:
        return None
    at_s47 = s47[["child_id", "date_of_initial_cpc"]].dropna().drop_duplicates()
    both = ep.reset_index().merge(at_s47, on=["child_id", "date_of_initial_cpc"])
    if both.empty:
        return None
    e = ep.loc[both["index"].unique()]
    return hits(e, "episodes", "conference " + _day(e["date_of_initial_cpc"]) + " at both levels")


def _conferences(t: Tables) -> pd.DataFrame:
    """Every initial conference date: (episode_id, child_id, date, level)."""
    return _once(t, _conference_dates)


def _conference_dates(t: Tables) -> pd.DataFrame:
    parts = []
    ep, s47 = _table(t, "episodes"), _table(t, "section47")
    if ep is not None:
        parts.append(ep[["episode_id", "child_id", "date_of_initial_cpc"]].assign(level="CIN"))
    if s47 is not None:
        parts.append(s47[["episode_id", "child_id", "date_of_initial_cpc"]].assign(level="S47"))
    if not parts:
        return pd.DataFrame(columns=["episode_id", "child_id", "date", "level"])
    out = pd.concat(parts, ignore_index=True).rename(columns={"date_of_initial_cpc": "date"})
    return out.dropna(subset=["date"])


@across(
    "2883",
    "There are more child protection plans starting than initial conferences taking place",
    "measured as recorded: a count over the whole return, no record is changed",
    reads=("plans", "episodes", "section47"),
)
def more_plans_than_conferences(t: Tables) -> pd.DataFrame | None:
    """Per collection year read: plans starting in the year against the initial conferences
    held in it, at section 47 and CIN details level (DfE counts a return, not a child)."""
    if t.plans.empty or (_table(t, "episodes") is None and _table(t, "section47") is None):
        return None
    conf = _conferences(t)
    rows = []
    for year in _years(t):
        first, ref = pd.Timestamp(year - 1, 4, 1), pd.Timestamp(year, 3, 31)
        starts = int(t.plans["start_date"].between(first, ref).sum())
        held = conf[conf["date"].between(first, ref)]
        at_s47 = int((held["level"] == "S47").sum())
        if starts <= len(held):
            continue
        files = t.plans.loc[t.plans["collection_year"] == year, "source_file"]
        if t.episodes is not None and len(t.episodes):
            files = pd.concat([files, t.episodes.loc[t.episodes["collection_year"] == year,
                                                      "source_file"]])
        rows.append({
            "source_file": files.mode().iloc[0] if len(files) else "",
            "location": "", "child_id": pd.NA,
            "what": f"{_label(year)}: {starts} plans started, {len(held)} initial conferences"
                    f" ({at_s47} at section 47 level, {len(held) - at_s47} at CIN details level)",
        })
    return pd.DataFrame(rows, columns=list(HITS)) if rows else None


@across(
    "2885",
    "Child protection plan shown as starting a different day to the initial child protection"
    " conference.",
    "measured as recorded; icpc_to_plan links a conference to a plan starting up to 45 days"
    " after it",
    reads=("plans", "section47", "episodes"),
    years="plans starting in a collection year read (earlier plans' conferences are not in"
    " the data)",
)
def plan_not_on_conference_day(t: Tables) -> pd.DataFrame | None:
    """A plan starting in a year read must start on a section 47 conference of its episode
    (enquiries marked ICPCnotRequired aside) or, where the episode has no such enquiry, on
    the episode-level conference."""
    covered, ep = _covered(t), _table(t, "episodes")
    if covered is None or ep is None or t.plans.empty:
        return None
    plans = t.plans
    in_years = plans["start_date"].between(*covered) & plans["episode_id"].notna()
    s47 = _table(t, "section47")
    if s47 is not None:
        s47 = s47[~_true(s47["icpc_not_required"])]
    s47_days = (s47["episode_id"] + "|" + _day(s47["date_of_initial_cpc"])) if s47 is not None \
        else pd.Series([], dtype="string")
    key = plans["episode_id"] + "|" + _day(plans["start_date"])
    on_s47 = _isin(key, s47_days)
    has_s47 = _isin(plans["episode_id"], s47["episode_id"]) if s47 is not None else False
    cin_day = plans["episode_id"].map(_last(ep, "episode_id").set_index("episode_id")[
        "date_of_initial_cpc"])
    on_cin = plans["start_date"] == cin_day
    bad = _true(in_years & ~on_s47 & (has_s47 | ~_true(on_cin)))
    if not bad.any():
        return None
    p = plans[bad]
    conf = _conferences(t)
    conf = conf[_isin(conf["episode_id"], p["episode_id"])].sort_values("date")
    conf = conf.assign(day=_day(conf["date"]).astype(object)).drop_duplicates(
        ["episode_id", "day"])
    days = p["episode_id"].map(conf.groupby("episode_id")["day"].agg(", ".join)).astype("string")
    text = ("no initial conference that day; the episode's conferences: " + days).where(
        days.notna(), "its episode records no initial conference")
    return hits(p, "plans", text)


@across(
    "1105",
    "The child protection plan start date cannot be before the referral date",
    "measured as recorded",
    reads=("plans", "episodes"),
)
def plan_before_referral(t: Tables) -> pd.DataFrame | None:
    ep = _table(t, "episodes")
    if ep is None or t.plans.empty:
        return None
    referral = t.plans["episode_id"].map(_last(ep, "episode_id").set_index("episode_id")[
        "referral_date"])
    bad = _true(t.plans["start_date"] < referral)
    if not bad.any():
        return None
    return hits(t.plans[bad], "plans", "referral " + _day(referral[bad]))


# ---- section 47 enquiries ----------------------------------------------------------------------


@rule(
    "8615",
    "Section 47 Enquiry Start Date must be present and cannot be later than the date of the"
    " initial Child Protection Conference",
    "measured as recorded; the conference is left out of conference timeliness",
    table="section47",
    detail=lambda s: "conference " + _day(s["date_of_initial_cpc"]),
)
def enquiry_after_conference(s47: pd.DataFrame) -> pd.Series:
    icpc = s47["date_of_initial_cpc"]
    return icpc.notna() & (s47["start_date"].isna() | (s47["start_date"] > icpc))


def _horizon(t: Tables, years: pd.Series) -> pd.Series:
    """Each record's return's reference date, or the last date the data cover where that is
    earlier (`coverage`: a part-year extract; data/synthetic's 2018-19 return holds nothing
    after 30 September 2018)."""
    ref = _reference_date(years)
    last = _once(t, _last_covered)
    return ref if last is None else ref.where(~_true(ref > last), last)


def _last_covered(t: Tables) -> pd.Timestamp | None:
    return coverage(t).last


def _working_days_to_horizon(t: Tables, s47: pd.DataFrame) -> pd.Series:
    return working_days(s47["start_date"], _horizon(t, s47["collection_year"]))


@across(
    "8675Q",
    "Please check and either amend data or provide a reason: S47 Enquiry started more than 15"
    " working days before the end of the census year. However, there is no date of Initial"
    " Child Protection Conference.",
    "measured as recorded: an enquiry with no outcome",
    reads=("section47",),
    years="every year whose bank holidays are shipped (2012-2028; see working_days)",
)
def enquiry_without_conference(t: Tables) -> pd.DataFrame | None:
    """No conference, not marked ICPCnotRequired, and more than 15 working days from the
    enquiry's start to the end of its return (the last date the data cover, if earlier)."""
    s47 = _table(t, "section47")
    if s47 is None:
        return None
    waiting = s47[s47["date_of_initial_cpc"].isna() & ~_true(s47["icpc_not_required"])]
    to_reference = working_days(waiting["start_date"], _reference_date(waiting["collection_year"]))
    waiting = waiting[_true(to_reference > 15)]  # the horizon is never after the reference date
    if waiting.empty:
        return None
    days = _working_days_to_horizon(t, waiting)
    late = days[_true(days > 15)]
    if late.empty:
        return None
    return hits(s47.loc[late.index], "section47",
                late.astype("string") + " working days before the end of the return")


@rule(
    "8870Q",
    "Please check and either amend or provide a reason: The Target Date for Initial Child"
    " Protection Conference should not be a weekend",
    table="section47",
    detail=lambda s: "target " + s["initial_cpc_target"].dt.day_name().fillna("") + " "
    + _day(s["initial_cpc_target"]),
)
def target_on_weekend(s47: pd.DataFrame) -> pd.Series:
    return is_weekend(s47["initial_cpc_target"])


@rule(
    "8875",
    "The Date of Initial Child Protection Conference cannot be a weekend",
    table="section47",
    detail=lambda s: "conference " + s["date_of_initial_cpc"].dt.day_name().fillna("") + " "
    + _day(s["date_of_initial_cpc"]),
)
def conference_on_weekend(s47: pd.DataFrame) -> pd.Series:
    return is_weekend(s47["date_of_initial_cpc"])


@rule(
    "L14",
    "ICPCnotRequired is true but the enquiry records an initial conference date",
    "measured: counted as an enquiry that led to a conference",
    table="section47",
    detail=lambda s: "conference " + _day(s["date_of_initial_cpc"]),
)
def conference_not_required_but_held(s47: pd.DataFrame) -> pd.Series:
    return _true(s47["icpc_not_required"]) & s47["date_of_initial_cpc"].notna()


# ---- reviews ------------------------------------------------------------------------------------


def _reviews(t: Tables) -> pd.DataFrame | None:
    """Each review with its plan's episode, end date and place (for a review with no place)."""
    return _once(t, _reviews_with_plans)


def _reviews_with_plans(t: Tables) -> pd.DataFrame | None:
    rv = _table(t, "reviews")
    if rv is None:
        return None
    plans = t.plans[["child_id", "start_date", "episode_id", "end_date", "location"]].rename(
        columns={"start_date": "plan_start_date", "location": "plan_location"})
    out = rv.reset_index(drop=True).merge(_last(plans, ["child_id", "plan_start_date"]),
                                          on=["child_id", "plan_start_date"], how="left")
    own = out["location"] if "location" in out else pd.Series(pd.NA, index=out.index)
    out["location"] = own.astype("string").fillna(out["plan_location"].astype("string"))
    return out


@across(
    "8841",
    "The review date cannot be on the same day or before the Child protection Plan start date.",
    "measured as recorded; reviews in time ignores a review dated before its plan started",
    reads=("reviews", "plans"),
)
def review_not_after_start(t: Tables) -> pd.DataFrame | None:
    rv = _reviews(t)
    if rv is None:
        return None
    bad = _true(rv["review_date"] <= rv["plan_start_date"])
    return hits(rv[bad], "reviews", "review " + _day(rv.loc[bad, "review_date"])) \
        if bad.any() else None


@across(
    "8842Q",
    "Please check and either amend or provide a reason: Review Record has a missing date",
    "measured: not counted as a review held",
    reads=("reviews",),
)
def review_without_date(t: Tables) -> pd.DataFrame | None:
    rv = _reviews(t)
    if rv is None:
        return None
    bad = rv["review_date"].isna()
    return hits(rv[bad], "reviews") if bad.any() else None


@across(
    "L12",
    "The review is dated after its plan ended",
    "measured as recorded; reviews in time looks only at plans open at the reporting date",
    reads=("reviews", "plans"),
)
def review_after_plan_end(t: Tables) -> pd.DataFrame | None:
    rv = _reviews(t)
    if rv is None:
        return None
    bad = _true(rv["review_date"] > rv["end_date"])
    if not bad.any():
        return None
    r = rv[bad]
    return hits(r, "reviews", "review " + _day(r["review_date"]) + ", plan ended "
                + _day(r["end_date"]))


@across(
    "L13",
    "The same review date is recorded twice for the plan in one return",
    "measured once",
    reads=("reviews",),
)
def review_twice(t: Tables) -> pd.DataFrame | None:
    rv = _reviews(t)
    if rv is None:
        return None
    bad = rv.dropna(subset=["review_date"]).duplicated(
        ["child_id", "plan_start_date", "review_date", "source_file"])
    bad = bad.reindex(rv.index, fill_value=False)
    return hits(rv[bad], "reviews", "review " + _day(rv.loc[bad, "review_date"])) \
        if bad.any() else None


@across(
    "L16",
    "The review belongs to no plan in the data: no plan of the child starts on its plan's start"
    " date",
    "not counted: reviews in time looks at each plan's own reviews",
    reads=("reviews", "plans"),
)
def review_of_no_plan(t: Tables) -> pd.DataFrame | None:
    rv = _table(t, "reviews")
    if rv is None:
        return None
    key = rv["child_id"].astype("string") + "|" + _day(rv["plan_start_date"])
    plans = t.plans["child_id"].astype("string") + "|" + _day(t.plans["start_date"])
    bad = ~_isin(key, plans) & rv["child_id"].notna().to_numpy()
    return hits(rv[bad], "reviews", "review " + _day(rv.loc[bad, "review_date"])) \
        if bad.any() else None


# ---- child in need plans against child protection plans ----------------------------------------


def _pairs(left: pd.DataFrame, right: pd.DataFrame, on: str) -> pd.DataFrame:
    """Every pair of a `left` and a `right` record sharing `on`, with `left`'s row as "_row"."""
    return left.reset_index(names="_row").merge(right, on=on, suffixes=("", "_other"))


def _open_until(end: pd.Series, years: pd.Series) -> pd.Series:
    """A plan's end, or for an open plan the reference date of its return (NaT if unknown)."""
    return end.fillna(_reference_date(years))


@across(
    "4001",
    "A CIN Plan cannot run concurrently with a Child Protection Plan",
    "measured as recorded: the child protection plan is measured as open",
    reads=("cin_plans", "plans"),
)
def cin_plan_open_with_open_plan(t: Tables) -> pd.DataFrame | None:
    cin = _table(t, "cin_plans")
    if cin is None or t.plans.empty:
        return None
    open_cin = cin[cin["start_date"].notna() & cin["end_date"].isna()]
    open_cp = t.plans.loc[t.plans["end_date"].isna(), ["episode_id", "start_date"]]
    pairs = _pairs(open_cin, open_cp.rename(columns={"start_date": "cp_start"}), "episode_id")
    if pairs.empty:
        return None
    first = pairs.drop_duplicates("_row")
    c = cin.loc[first["_row"]]
    return hits(c, "cin_plans", "the child protection plan starting "
                + _day(first.set_index("_row")["cp_start"]).reindex(c.index)
                + " in the same episode is open")


@across(
    "4003",
    "A CPP review date is shown as being held at the same time as an open CIN Plan.",
    "measured as recorded",
    reads=("reviews", "plans", "cin_plans"),
)
def review_during_cin_plan(t: Tables) -> pd.DataFrame | None:
    rv, cin = _reviews(t), _table(t, "cin_plans")
    if rv is None or cin is None:
        return None
    spans = cin[["episode_id", "start_date"]].assign(
        cin_end=_open_until(cin["end_date"], cin["collection_year"]),
        cin_open=cin["end_date"].isna()).rename(columns={"start_date": "cin_start"})
    pairs = _pairs(rv, spans, "episode_id")
    r = pairs["review_date"]
    during = (r >= pairs["cin_start"]) & ((r < pairs["cin_end"]) | (pairs["cin_open"]
                                                                   & (r <= pairs["cin_end"])))
    bad = pairs[_true(during & ~_true(r == pairs["end_date"]))].drop_duplicates("_row")
    if bad.empty:
        return None
    hit = rv.loc[bad["_row"]]
    return hits(hit, "reviews", "review " + _day(hit["review_date"])
                + " while the CIN plan starting "
                + _day(bad.set_index("_row")["cin_start"]).reindex(hit.index) + " was open")


def _starts_within(records: pd.DataFrame, spans: pd.DataFrame, span_words: str,
                   table: str) -> pd.DataFrame | None:
    """Records whose start falls in a span of the same child: span start <= start < span end,
    or up to and including its return's reference date when the span has no end."""
    pairs = _pairs(records, spans, "child_id")
    s = pairs["start_date"]
    inside = (s >= pairs["span_start"]) & ((s < pairs["span_end"]) | (
        pairs["span_open"] & (s <= pairs["span_end"])))
    bad = pairs[_true(inside)].drop_duplicates("_row")
    if bad.empty:
        return None
    hit = records.loc[bad["_row"]]
    return hits(hit, table, f"starts while the {span_words} starting "
                + _day(bad.set_index("_row")["span_start"]).reindex(hit.index) + " was open")


def _spans(frame: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({
        "child_id": frame["child_id"], "span_start": frame["start_date"],
        "span_end": _open_until(frame["end_date"], frame["collection_year"]),
        "span_open": frame["end_date"].isna()}).dropna(subset=["span_start"])


@across(
    "4016",
    "A CIN Plan has been reported as open at the same time as a Child Protection Plan.",
    "measured as recorded",
    reads=("cin_plans", "plans"),
    dfe="(4016: the CIN plan starts while a child protection plan is open)",
)
def cin_plan_starts_in_plan(t: Tables) -> pd.DataFrame | None:
    cin = _table(t, "cin_plans")
    if cin is None or t.plans.empty:
        return None
    return _starts_within(cin, _spans(t.plans), "child protection plan", "cin_plans")


@across(
    "4017",
    "A CIN Plan has been reported as open at the same time as a Child Protection Plan.",
    "measured as recorded",
    reads=("plans", "cin_plans"),
    dfe="(4017: the child protection plan starts while a CIN plan is open)",
)
def plan_starts_in_cin_plan(t: Tables) -> pd.DataFrame | None:
    cin = _table(t, "cin_plans")
    if cin is None or t.plans.empty:
        return None
    return _starts_within(t.plans, _spans(cin), "CIN plan", "plans")


# ---- children ----------------------------------------------------------------------------------


def _further_action(t: Tables) -> pd.Series:
    """Children with an episode in their latest return that is not a referral with no further
    action (ReferralNFA false), the condition of 8540 and 8770Q."""
    return _once(t, _children_going_on)


def _children_going_on(t: Tables) -> pd.Series:
    ep = _table(t, "episodes")
    if ep is None:
        return pd.Series(False, index=t.children.index)
    year = ep["child_id"].map(_last(t.children, "child_id").set_index("child_id")[
        "collection_year"])
    same_return = (ep["collection_year"] == year).fillna(True)
    nfa_false = (ep["referral_nfa"] == False).fillna(False)  # noqa: E712 (a nullable boolean)
    ids = ep.loc[_true(same_return) & nfa_false, "child_id"]
    return _isin(t.children["child_id"], ids)


#: the Disability codes of the CIN census code set (every year 2016-17 to 2025-26)
DISABILITIES = frozenset("NONE MOB HAND PC INC COMM LD HEAR VIS BEH CON AUT DDA".split())
_CODE = "(?:" + "|".join(sorted(DISABILITIES)) + ")"
_DISABILITY_LIST = rf"{_CODE}(?:\s*,\s*{_CODE})*"


@across(
    "8540",
    "Child’s disability is missing or invalid (see Disability table)",
    "measured as recorded: no measure uses disability",
    reads=("children", "episodes"),
)
def disability_missing_or_invalid(t: Tables) -> pd.DataFrame | None:
    ch = _table(t, "children")
    if ch is None:
        return None
    listed = ch["disabilities"].astype("string").str.strip().fillna("")
    valid = _each_distinct(listed, lambda v: v.str.fullmatch(_DISABILITY_LIST))
    checked = ch["birth_date"].notna() & _further_action(t)
    bad = _true(checked & ~_true(valid))
    if not bad.any():
        return None
    text = _each_distinct(listed[bad], _not_disabilities)
    return hits(ch[bad], "children", text)


def _not_disabilities(listed: pd.Series) -> pd.Series:
    """What 8540 says of each list: the codes not in the code list, or none recorded."""
    codes = listed.str.split(",").explode().str.strip()
    invalid = codes[(codes != "") & ~codes.isin(DISABILITIES)].groupby(level=0).agg(", ".join)
    return ("not in the code list: " + invalid.reindex(listed.index)).fillna(
        "no Disabilities recorded")


#: UPNunknown reasons that explain a missing UPN for a child of school age (UN1 is "not of
#: school age")
_UPN_REASONS = ("UN2", "UN3", "UN4", "UN5", "UN6", "UN7")
_8770Q_TO_2024 = ("Please check and either amend data or provide a reason: UPN or reason UPN"
                  " missing expected for a child who is more than 5 years old")
_8770Q_FROM_2025 = ("Please check and either amend data or provide a reason: UPN is missing or"
                    " reason UPN is missing or is UN1 for a child who is of school age.")


@across(
    "8770Q",
    _8770Q_FROM_2025,
    "measured as recorded: no measure uses the UPN",
    reads=("children", "episodes"),
    dfe="to 2023-24: " + _8770Q_TO_2024,
    years="to 2023-24 a child born 6 years or more before the reference date; from 2024-25"
    " a child born on or before 31 August six years before the reference date's year",
)
def upn_missing(t: Tables) -> pd.DataFrame | None:
    ch = _table(t, "children")
    if ch is None:
        return None
    year = ch["collection_year"].astype("Int64")
    later = _true(year >= 2025)
    # born on or before: to 2023-24 the reference date 6 years before, from 2024-25 31 August
    cutoffs = {y: pd.Timestamp(y - 6, 8, 31) if y >= 2025 else pd.Timestamp(y - 6, 3, 31)
               for y in year.dropna().unique().tolist()}
    cutoff = year.map(cutoffs).astype("datetime64[s]")
    school_age = _true(ch["birth_date"] <= cutoff)
    upn = ch["upn"].astype("string").str.strip().fillna("")
    reason = ch["upn_unknown"].astype("string").str.strip().str.upper()
    explained = _true(reason.isin(_UPN_REASONS))
    bad = _true(school_age & _further_action(t) & (upn == "") & ~explained)
    if not bad.any():
        return None
    c = ch[bad]
    message = pd.Series(_8770Q_FROM_2025, index=c.index).where(later[bad], _8770Q_TO_2024)
    text = ("born " + _day(c["birth_date"]) + "; UPNunknown "
            + reason[bad].fillna("not recorded"))
    return hits(c, "children", text, message=message)


# ---- assessments -------------------------------------------------------------------------------


@across(
    "8873Q",
    "Please check and either amend data or provide a reason: When there is only one assessment"
    " on the episode and the factors code “21 No factors identified” has been used for the"
    " completed assessment, the reason for closure ‘RC8’ or 'RC9' should be used.",
    "measured as recorded",
    reads=("assessments", "episodes"),
)
def no_factors_but_kept_open(t: Tables) -> pd.DataFrame | None:
    a, ep = _table(t, "assessments"), _table(t, "episodes")
    if a is None or ep is None:
        return None
    factors = a["factors"].astype("string")
    with_21 = a[_true(_each_distinct(
        factors, lambda f: f.str.contains(r"(?:^|,)\s*21\s*(?:,|$)")))]
    if with_21.empty:
        return None
    with_21 = with_21[with_21["episode_id"].map(a["episode_id"].value_counts()) == 1]
    reason = with_21["episode_id"].map(_last(ep, "episode_id").set_index("episode_id")[
        "reason_for_closure"]).astype("string").str.strip()
    bad = ~_true(reason.isin(_CLOSED_AFTER_ASSESSMENT))
    if not bad.any():
        return None
    text = ("the episode's reason for closure is " + reason[bad]).fillna(
        "the episode has no reason for closure")
    return hits(with_21[bad], "assessments", text)


# ---- running them ------------------------------------------------------------------------------


#: findings made while loading (`history.build_plans`), given their DfE number where there is one
_LOAD_RULES: tuple[tuple[str, re.Pattern[str], str], ...] = (
    ("L01", re.compile(r"^no child id"), "8500"),
    ("L01", re.compile(r"^no (?:CPPstartDate|start_date|Child Protection Plan Start Date)"),
     "8720"),
    ("L01", re.compile(r"^plan ends \("), "8925"),
    ("L02", re.compile(r"is missing$"), "8730"),
)

#: rules found while loading and merging, for the rule book (code, message, action, reads)
LOADING: tuple[tuple[str, str, str, str], ...] = (
    ("8500", "LA Child ID missing", "record rejected: not in any measure", "plans"),
    ("8730", "Total Number of previous Child Protection Plans missing",
     "measured; re-plan status taken from the plan history alone", "plans"),
    ("8925", "Child Protection Plan End Date earlier than Start Date",
     "record rejected: not in any measure", "plans"),
    ("L01", "A date that is not a date (2017-02-31)", "record rejected: not in any measure",
     "plans"),
    ("L02", "NumberOfPreviousCPP is not a whole number of 0 or more",
     "measured; re-plan status taken from the plan history alone", "plans"),
    ("L03", "The same plan is recorded twice in one file", "measured once", "plans"),
    ("L10", "AssessmentFactors code not in the CIN census code list",
     "assessment kept; the unknown code matches no factor", "assessments"),
    ("L15", "A section 47, review or visit record (Annex A, tidy CSV) has no child id, or a date"
     " or yes/no answer that cannot be read", "kept; the value is taken as missing",
     "section47, reviews, visits"),
    ("L20", "The plan is open at the end of one yearly return but is not in the next",
     "measured as open, as the earlier return left it: check the plan's end date", "plans"),
    ("L21", "The plan's start date changed between yearly returns",
     "measured as two plans (starts count both, the child counts once on plan)", "plans"),
    ("L22", "The plan's initial category of abuse changed between yearly returns",
     "measured with the later return's category", "plans"),
    ("L23", "The plan's NumberOfPreviousCPP changed between yearly returns",
     "measured with the later return's number", "plans"),
)


_CONTINUITY = ("L20", "L21", "L22", "L23")


def dfe_numbers(findings: pd.DataFrame) -> pd.DataFrame:
    """Findings made while loading, local codes replaced by DfE rule numbers where there is one."""
    if findings.empty:
        return findings
    rule_col = findings["rule"].astype("string")
    message = findings["message"].fillna("").astype("string")
    out = rule_col.copy()
    for local, pattern, dfe in _LOAD_RULES:
        hit = (rule_col == local) & message.str.contains(pattern.pattern, regex=True)
        out = out.mask(hit.fillna(False), dfe)
    return findings.assign(rule=out)


def run_rules(tables: Tables) -> pd.DataFrame:
    """Every registered rule over the canonical tables, as a findings table."""
    _RUN.shared = {}
    try:
        frames = [_run(r, tables) for r in RULES]
    finally:
        _RUN.shared = None
    frames = [f for f in frames if f is not None]
    if not frames:
        return findings_frame([])
    return conform(pd.concat(frames, ignore_index=True), FINDING_COLUMNS)


def _run(r: Rule, tables: Tables) -> pd.DataFrame | None:
    """One rule's findings, or None."""
    found = r.check(tables)
    if found is None or found.empty:
        return None
    message = found["message"] if "message" in found else pd.Series(
        r.message, index=found.index, dtype="string")
    what = found["what"].astype("string").fillna("")
    message = (message + " (" + what + ")").where(what != "", message)
    return pd.DataFrame({
        "source_file": found["source_file"], "location": found["location"],
        "child_id": found["child_id"], "rule": r.code, "message": message, "action": r.action,
    })


def check(tables: Tables) -> Tables:
    """Tables with every rule's findings added to those found while loading.

    Also asserts the load's bookkeeping: records read = loaded + rejected, one
    reject row per rejected record, one plan per loaded record not merged.
    """
    counts = tables.counts
    where = ", ".join(tables.files) or tables.source or "load"
    counts.check(where)
    if len(tables.rejects) != counts.rejected or len(tables.plans) != counts.plans:
        raise AssertionError(
            f"{where}: {len(tables.rejects)} reject rows for {counts.rejected} rejected records,"
            f" {len(tables.plans)} plans for {counts.plans} loaded and not merged"
        )
    found = run_rules(tables)
    parts = [f for f in (dfe_numbers(tables.findings), found) if len(f)]
    tables.findings = (
        conform(pd.concat(parts, ignore_index=True), FINDING_COLUMNS) if parts else found
    )
    return tables


def findings_report(tables: Tables) -> pd.DataFrame:
    """The findings an analyst takes back to the case-system team (`validate --csv`).

    One row per finding, ordered by file, place and child, with whether the rule
    is DfE's (the CIN census validation rule of that number) or a local check,
    and whether the record was left out of the measures.
    """
    f = tables.findings.copy()
    f["rule_source"] = f["rule"].astype("string").map(
        lambda r: "local check" if str(r).startswith("L") else "DfE CIN census validation rule"
    )
    f["rejected"] = f["action"].astype("string").str.startswith("record rejected").fillna(False)
    line = f["location"].astype("string").str.extract(r"(\d+)\s*$")[0]
    f["_line"] = pd.to_numeric(line, errors="coerce")
    f = f.sort_values(
        ["source_file", "_line", "child_id", "rule"], kind="stable", na_position="last"
    )
    cols = ["source_file", "location", "child_id", "rule", "rule_source", "message", "action",
            "rejected"]
    return f[cols].reset_index(drop=True)


def describe_rules() -> pd.DataFrame:
    """The rule book: every rule's number, message, DfE's wording, action, tables and years.

    The registered rules first, in the order they run, then those found while
    loading and merging yearly returns (`history`).
    """
    rows = [{"rule": r.code, "message": r.message, "dfe": r.dfe or (
        "" if r.code.startswith("L") else r.message),
             "action": r.action + (f"; {r.loading}" if r.loading else ""),
             "reads": ", ".join(r.reads), "years": r.years, "found": "validate"}
            for r in RULES]
    rows += [{"rule": code, "message": message, "dfe": "" if code.startswith("L") else message,
              "action": action, "reads": reads, "found": "loading",
              "years": "each pair of consecutive yearly returns read" if code in _CONTINUITY
              else "every year"}
             for code, message, action, reads in LOADING]
    return pd.DataFrame(rows)
