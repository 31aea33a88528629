"""Data-quality rules for child protection plans, after the CIN census validation rules.

One rule, one small function registered with its number and the sentence an
analyst reads. A rule returns a boolean Series over the plan table: True where
the plan breaks it. Rule numbers are DfE's CIN census validation rules (as in
the Data to Insight CIN validator, rules/cin2022_23/rule_NNNN.py); a check with
no DfE rule carries a local code beginning "L". Findings never remove a plan
from the measures; the action says what was done. Only records that cannot be
measured (no child id, no usable start date, an end before the start) are
rejected, while loading (`history.build_plans`), and are reported here too.

| rule | DfE wording | here |
|---|---|---|
| 8500 | LA Child ID missing | rejected |
| 8720 | CPP Start Date missing or out of data collection period | missing: rejected; |
|  |  | after the reference date: kept |
| 8730 | Total Number of previous Child Protection Plans missing | kept |
| 8840 | Child Protection Plan cannot start and end on the same day | kept |
| 8905 | Initial Category of Abuse code missing or invalid | kept |
| 8910 | Latest Category of Abuse code missing or invalid | kept |
| 8925 | Child Protection Plan End Date earlier than Start Date | rejected |
| 8930 | Child Protection Plan End Date must fall within the census year | kept |
| 8935 | more than one open Child Protection plan, i.e. with no End Date | kept |
| 8940 | Child Protection Plan data contains overlapping dates | kept |
| L01 | a date that is not a date (2017-02-31) | rejected |
| L02 | NumberOfPreviousCPP not a whole number of 0 or more | kept |
| L03 | the same plan twice in one file | measured once |
| L07 | NumberOfPreviousCPP 0 but an earlier plan in the data | kept, counted as a re-plan |
| 8565 | Activity shown after a case has been closed (plan ends after its episode) | kept |
| L11 | an open plan in a closed CIN episode | kept, measured as open |

DfE checks 8935 and 8940 within one CIN episode; here they are checked across
all of a child's plans, which is what matters for counting children on plan.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from cpmetrics.history import findings_frame
from cpmetrics.tables import CATEGORIES, FINDING_COLUMNS, Tables, conform


@dataclass(frozen=True)
class Rule:
    code: str
    message: str
    action: str
    check: Callable[[pd.DataFrame], pd.Series]
    detail: Callable[[pd.DataFrame], pd.Series] | None = None  # extra words per plan


RULES: list[Rule] = []


def rule(
    code: str,
    message: str,
    action: str = "measured as recorded",
    detail: Callable[[pd.DataFrame], pd.Series] | None = None,
):
    """Register a plan-level rule: its DfE number (or local code), what is wrong, what was done."""

    def wrap(check: Callable[[pd.DataFrame], pd.Series]) -> Callable[[pd.DataFrame], pd.Series]:
        RULES.append(Rule(code, message, action, check, detail))
        return check

    return wrap


def _day(dates: pd.Series) -> pd.Series:
    return dates.dt.strftime("%Y-%m-%d").fillna("")


@rule(
    "8840",
    "The plan starts and ends on the same day",
    "measured as recorded: counted as a start and an end, never as on plan",
)
def same_day_plan(plans: pd.DataFrame) -> pd.Series:
    return (plans["start_date"] == plans["end_date"]).fillna(False).astype(bool)


@rule(
    "8935",
    "The child has more than one open plan (a plan with no end date)",
    "measured; the child is counted once on plan, on the plan that started later",
)
def more_than_one_open_plan(plans: pd.DataFrame) -> pd.Series:
    open_ = plans["end_date"].isna()
    return (open_ & open_.groupby(plans["child_id"]).transform("sum").gt(1)).astype(bool)


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
    detail=lambda p: _overlap_detail(p),
)
def overlapping_plans(plans: pd.DataFrame) -> pd.Series:
    return (plans["start_date"] <= _earlier_end(plans)).fillna(False).astype(bool)


def _not_a_category(values: pd.Series) -> pd.Series:
    return (~values.isin(CATEGORIES)).fillna(True).astype(bool)


@rule(
    "8905",
    "The initial category of abuse is missing or not in the CIN census code list"
    " (NEG, EMO, PHY, SAB, MUL)",
    "measured; shown as 'unknown' in category breakdowns",
    detail=lambda p: "recorded as '" + p["initial_category"].fillna("").astype("string") + "'",
)
def initial_category_not_in_list(plans: pd.DataFrame) -> pd.Series:
    return _not_a_category(plans["initial_category"])


@rule(
    "8910",
    "The latest category of abuse is missing or not in the CIN census code list"
    " (NEG, EMO, PHY, SAB, MUL)",
    "measured as recorded; no headline measure uses the latest category",
    detail=lambda p: "recorded as '" + p["latest_category"].fillna("").astype("string") + "'",
)
def latest_category_not_in_list(plans: pd.DataFrame) -> pd.Series:
    return _not_a_category(plans["latest_category"])


@rule(
    "L07",
    "NumberOfPreviousCPP is 0 but the child has an earlier plan in the data",
    "counted as a second or subsequent plan (DfE: any earlier plan, however long ago)",
)
def previous_plans_disagree(plans: pd.DataFrame) -> pd.Series:
    return plans["replan_disagrees"].astype(bool)


def _year_bounds(plans: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """First day and reference date (31 March) of each plan's collection year; NaT where unknown."""
    year = plans["collection_year"].astype("Int64").astype("string")
    ref = pd.to_datetime(year + "-03-31", format="%Y-%m-%d", errors="coerce")
    return ref - pd.DateOffset(years=1) + pd.Timedelta(days=1), ref


@rule(
    "8720",
    "The plan starts after the collection's reference date (31 March of the census year)",
    "measured as recorded",
)
def start_after_reference_date(plans: pd.DataFrame) -> pd.Series:
    _, ref = _year_bounds(plans)
    return (plans["start_date"] > ref).fillna(False).astype(bool)


@rule(
    "8930",
    "The plan's end date is outside the census year of the return it came from",
    "measured as recorded",
    detail=lambda p: "ends " + _day(p["end_date"]) + ", return for the year ending 31 March "
    + p["collection_year"].astype("string").fillna(""),
)
def end_outside_collection_year(plans: pd.DataFrame) -> pd.Series:
    first, ref = _year_bounds(plans)
    end = plans["end_date"]
    return ((end < first) | (end > ref)).fillna(False).astype(bool)


def episode_findings(plans: pd.DataFrame, episodes: pd.DataFrame) -> pd.DataFrame:
    """Plans that disagree with their CIN episode's closure date (CIN census only).

    8565 (DfE: activity shown after a case has been closed): the plan ends after
    its episode closed. L11: the plan has no end date but its episode is closed,
    so it would count as on plan at every later date.
    """
    if plans.empty or episodes.empty or plans["episode_id"].isna().all():
        return findings_frame([])
    closed = episodes.dropna(subset=["closure_date"]).drop_duplicates("episode_id", keep="last")
    both = plans.merge(closed[["episode_id", "closure_date"]], on="episode_id", how="inner")
    rows = []
    for r in both.itertuples():
        start = f"plan starting {r.start_date:%Y-%m-%d}"
        closure = f"{r.closure_date:%Y-%m-%d}"
        if pd.isna(r.end_date):
            code = "L11"
            message = (f"The plan has no end date but its CIN episode closed on {closure}"
                       f" ({start})")
            action = "measured as open, as recorded: check the plan's end date"
        elif r.end_date > r.closure_date:
            code = "8565"
            message = (f"The plan ends ({r.end_date:%Y-%m-%d}) after its CIN episode closed"
                       f" ({closure}) ({start})")
            action = "measured as recorded"
        else:
            continue
        rows.append({"source_file": r.source_file, "location": r.location,
                     "child_id": r.child_id, "rule": code, "message": message, "action": action})
    return findings_frame(rows)


#: findings made while loading (`history.build_plans`), given their DfE number where there is one
_LOAD_RULES: tuple[tuple[str, re.Pattern[str], str], ...] = (
    ("L01", re.compile(r"^no child id"), "8500"),
    ("L01", re.compile(r"^no (?:CPPstartDate|start_date|Child Protection Plan Start Date)"),
     "8720"),
    ("L01", re.compile(r"^plan ends \("), "8925"),
    ("L02", re.compile(r"is missing$"), "8730"),
)


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


def run_rules(plans: pd.DataFrame) -> pd.DataFrame:
    """Every registered rule over the plan table, as a findings table."""
    frames = []
    for r in RULES:
        hit = r.check(plans).to_numpy(dtype=bool)
        if not hit.any():
            continue
        sub = plans.loc[hit]
        message = r.message + " (plan starting " + _day(sub["start_date"])
        if r.detail is not None:
            message = message + "; " + r.detail(plans).loc[hit].astype("string")
        frames.append(
            pd.DataFrame(
                {
                    "source_file": sub["source_file"],
                    "location": sub["location"],
                    "child_id": sub["child_id"],
                    "rule": r.code,
                    "message": message + ")",
                    "action": r.action,
                }
            )
        )
    if not frames:
        return findings_frame([])
    return conform(pd.concat(frames, ignore_index=True), FINDING_COLUMNS)


def check(tables: Tables) -> Tables:
    """Tables with the plan rules' findings added to those found while loading.

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
    found = run_rules(tables.plans)
    by_episode = episode_findings(tables.plans, tables.episodes)
    parts = [f for f in (dfe_numbers(tables.findings), found, by_episode) if len(f)]
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
    """The rule book: code, message and action of every registered rule."""
    return pd.DataFrame(
        [{"rule": r.code, "message": r.message, "action": r.action} for r in RULES]
    )
