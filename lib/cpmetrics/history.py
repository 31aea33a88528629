"""Assemble raw records from one or more files into one plan history.

Every source (CIN census XML, Annex A, tidy CSV) hands over its plan records
with values as written. Here each record is either loaded or rejected with its
reason (records read = loaded + rejected), the same plan seen in several files
is kept once (keyed by child id and start date; the later collection wins, but a
plan's reviews are the union of every collection's), and the columns the measures
share (`is_replan`, `earlier_plan_in_data`) are derived.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pandas as pd

from cpmetrics.tables import (
    DATE,
    FINDING_COLUMNS,
    PLAN_COLUMNS,
    REJECT_COLUMNS,
    REVIEW_COLUMNS,
    LoadCounts,
    conform,
    empty,
)

ISO = "%Y-%m-%d"


def parse_dates(values: pd.Series) -> pd.Series:
    """ISO dates (or already-parsed datetimes) to datetime64; anything else becomes NaT.

    Each distinct value is parsed once: a history repeats a few thousand dates
    over hundreds of thousands of records.
    """
    if pd.api.types.is_datetime64_any_dtype(values):
        return values.astype(DATE).dt.normalize()
    codes, distinct = pd.factorize(values)
    text = pd.Series(distinct).astype("string").str.strip().str[:10]
    parsed = pd.to_datetime(text, format=ISO, errors="coerce").astype(DATE).to_numpy()
    parsed = np.append(parsed, np.datetime64("NaT", "s"))[codes]  # code -1: missing
    return pd.Series(parsed, index=values.index, name=values.name, dtype=DATE)


def _blank(values: pd.Series) -> pd.Series:
    return values.isna() | (values.astype("string").str.strip() == "")


def findings_frame(rows: list[dict]) -> pd.DataFrame:
    return conform(pd.DataFrame(rows), FINDING_COLUMNS) if rows else empty(FINDING_COLUMNS)


class History(NamedTuple):
    """Raw plan records (and their reviews) made into one history: `build_history`."""

    plans: pd.DataFrame
    rejects: pd.DataFrame
    findings: pd.DataFrame
    counts: LoadCounts
    reviews: pd.DataFrame  # REVIEW_COLUMNS, then `location`; empty unless reviews were given


def build_plans(raw: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, LoadCounts]:
    """Raw plan records to (plans, rejects, findings, counts): `build_history` without reviews."""
    history = build_history(raw)
    return history.plans, history.rejects, history.findings, history.counts


def build_history(raw: pd.DataFrame, reviews: pd.DataFrame | None = None) -> History:
    """Raw plan records, and the review dates they list, to one plan history.

    `raw` has the canonical plan columns with dates as text or datetimes, plus
    `source_file`, `location`, `collection_year` and `file_order` (a later file
    has a larger number). Rejected: no child id, no usable start date, an end
    date that is not a date, an end before the start. Everything else is loaded.

    `reviews`, where given, has a row per review date a plan record lists:
    `plan_row` (the record's position in `raw`) and `review_date` as written.
    The reviews of the loaded records are unioned plan by plan (`union_reviews`);
    a rejected record's reviews go with it.
    """
    raw = raw.reset_index(drop=True)
    n = len(raw)
    for col in ("start_date", "end_date", "child_id", "previous_plans"):
        if col not in raw:
            raw[col] = pd.Series([pd.NA] * n, dtype="object")
    child = raw["child_id"].astype("string").str.strip()
    start = parse_dates(raw["start_date"])
    end = parse_dates(raw["end_date"])
    end_given = ~_blank(raw["end_date"])

    reason = pd.Series(pd.NA, index=raw.index, dtype="string")

    def _text(col: str) -> pd.Series:
        return raw[col].astype("string").fillna("")

    bad_end = end_given & end.isna()
    reason = reason.mask(
        bad_end & reason.isna(), "CPPendDate '" + _text("end_date") + "' is not a date"
    )
    reason = reason.mask(
        (end < start) & reason.isna(),
        "plan ends (" + end.dt.strftime(ISO).fillna("") + ") before it starts ("
        + start.dt.strftime(ISO).fillna("") + ")",
    )
    no_start = _blank(raw["start_date"])
    reason = reason.mask(no_start, "no CPPstartDate: the plan cannot be measured")
    reason = reason.mask(
        ~no_start & start.isna(), "CPPstartDate '" + _text("start_date") + "' is not a date"
    )
    reason = reason.mask(_blank(child), "no child id (LAchildID): the plan cannot be measured")
    rejected = reason.notna()

    rejects = conform(
        pd.DataFrame(
            {
                "source_file": raw["source_file"],
                "location": raw["location"],
                "child_id": child,
                "start_date": raw["start_date"].astype("string"),
                "end_date": raw["end_date"].astype("string"),
                "reason": reason,
            }
        )[rejected],
        REJECT_COLUMNS,
    )
    findings = [
        {
            "source_file": r.source_file,
            "location": r.location,
            "child_id": r.child_id,
            "rule": "L01",
            "message": r.reason,
            "action": "record rejected: not in any measure",
        }
        for r in rejects.itertuples()
    ]

    kept = raw[~rejected].copy()
    kept["child_id"] = child[~rejected]
    kept["start_date"] = start[~rejected]
    kept["end_date"] = end[~rejected]
    prev_text = kept["previous_plans"].astype("string").str.strip()
    prev = pd.to_numeric(prev_text, errors="coerce")
    whole = prev.notna() & (prev >= 0) & (prev == prev.round())
    for r in kept[~whole].itertuples():
        given = r.previous_plans if isinstance(r.previous_plans, str) else None
        given = given if given is not None and not pd.isna(r.previous_plans) else None
        findings.append(
            {
                "source_file": r.source_file,
                "location": r.location,
                "child_id": r.child_id,
                "rule": "L02",
                "message": (
                    "NumberOfPreviousCPP is missing"
                    if given is None or not str(given).strip()
                    else f"NumberOfPreviousCPP '{given}' is not a whole number of 0 or more"
                ),
                "action": "measured; re-plan status taken from the plan history alone",
            }
        )
    kept["previous_plans"] = prev.where(whole).astype("Int64")

    counts = LoadCounts(read=n, loaded=len(kept), rejected=int(rejected.sum()))
    findings.extend(continuity(kept))

    # one plan per child and start date: the later collection (then the later file) wins
    order = ["child_id", "start_date", "collection_year", "file_order", "_row"]
    kept["_row"] = range(len(kept))
    kept = kept.sort_values(order, kind="stable")
    dup = kept.duplicated(["child_id", "start_date"], keep="last")
    same_file = kept.duplicated(["child_id", "start_date", "source_file"], keep="last")
    for r in kept[same_file].itertuples():
        findings.append(
            {
                "source_file": r.source_file,
                "location": r.location,
                "child_id": r.child_id,
                "rule": "L03",
                "message": f"the plan starting {r.start_date:%Y-%m-%d} is recorded twice"
                " in this file",
                "action": "measured once",
            }
        )
    counts.merged = int(dup.sum())
    plans = kept[~dup].drop(columns=["_row", "file_order"], errors="ignore")
    plans = conform(plans, PLAN_COLUMNS)
    plans = derive(plans)
    merged = empty(REVIEW_COLUMNS)
    if reviews is not None:
        plans, merged = union_reviews(plans, kept, reviews, n)
    counts.check("plan records")
    return History(plans, rejects, findings_frame(findings), counts, merged)


def union_reviews(plans: pd.DataFrame, records: pd.DataFrame, reviews: pd.DataFrame,
                  n: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A plan's reviews: the union of the review dates every loaded record of it lists.

    A return lists the reviews held in its own collection year (metrics.md), so
    the "later return wins" rule of the plan's other fields does not apply: the
    same date listed by two returns (or by two records of the plan in one, rule
    L03) is one review, kept with the latest record listing it. A date that
    record lists twice stays twice, for rule L13 to report (the measures count it
    once). A review with no date, or one that is not a date, is kept with its
    date missing (rule 8842Q), from the latest record listing one. `records` are
    the loaded plan records, indexed by their position in the `n` raw records;
    `plan_row` in `reviews` is that position.

    Returns the plans with `review_count` (the distinct review dates) and
    `last_review_date` from the union, and the reviews table (REVIEW_COLUMNS,
    then `location`: the place of the plan record listing the review).
    """
    where = np.full(n, -1)  # raw position -> row of `records`; -1: rejected
    where[records.index.to_numpy()] = np.arange(len(records))
    row = where[reviews["plan_row"].to_numpy(dtype="int64")]
    listed = row >= 0
    row = row[listed]

    def of_plan(col: str, default=None) -> np.ndarray:
        if col not in records:
            return np.full(len(row), default, dtype=object)
        return records[col].to_numpy()[row]

    rv = pd.DataFrame({
        "child_id": pd.array(of_plan("child_id"), dtype="string"),
        "plan_start_date": of_plan("start_date").astype(DATE),
        "review_date": parse_dates(reviews["review_date"][listed]).to_numpy(),
        "source_file": of_plan("source_file"),
        "collection_year": pd.array(of_plan("collection_year"), dtype="Int64"),
        "file_order": pd.array(of_plan("file_order", 0), dtype="Int64"),
        "location": of_plan("location"),
        "_record": reviews["plan_row"].to_numpy(dtype="int64")[listed],
    })
    key = ["child_id", "plan_start_date", "review_date"]
    rv = rv.sort_values([*key, "collection_year", "file_order", "_record"], kind="stable")
    rv = rv.reset_index(drop=True)
    # each date's rows from the latest record listing it: that of its group's last row
    group = rv.groupby(key, sort=False, dropna=False).ngroup().to_numpy()
    last = np.zeros(group.max() + 1 if len(group) else 0, dtype="int64")
    last[group] = np.arange(len(rv))  # rows are sorted: the last write is the group's last
    record = rv["_record"].to_numpy()
    latest = record == record[last[group]]
    rv = conform(rv[latest].drop(columns=["file_order", "_record"]), REVIEW_COLUMNS)

    dated = rv[rv["review_date"].notna()].drop_duplicates(key)
    per_plan = dated.groupby(["child_id", "plan_start_date"], sort=False)["review_date"]
    per_plan = per_plan.agg(["size", "max"])
    at = per_plan.index.get_indexer(pd.MultiIndex.from_arrays(
        [plans["child_id"], plans["start_date"]]))
    # at -1 (no dated review) picks the value appended: 0 reviews, no last review date
    plans["review_count"] = pd.array(np.append(per_plan["size"].to_numpy(), 0)[at],
                                     dtype="Int64")
    plans["last_review_date"] = pd.Series(
        np.append(per_plan["max"].to_numpy(), np.datetime64("NaT", "s"))[at], dtype=DATE)
    return plans, rv


def _year(year: int) -> str:
    return f"{year - 1}-{str(year)[2:]}"


def continuity(records: pd.DataFrame) -> list[dict]:
    """Plans that do not carry over from one yearly return to the next (DfE's "submission
    continuity" report), as findings; never rejections.

    `records` are the loaded plan records of every return, dates parsed, before
    the same plan in several returns is merged. For each pair of consecutive
    collection years held (2016-17 then 2017-18; a gap of a year is not compared):

    - L20: a plan open at the end of the earlier return (no end date, or one after
      its 31 March) that is not in the next one, by child and start date;
    - L21: such a plan whose child has, in the next return, a plan not in the
      earlier one that started by that 31 March: the start date changed (the
      nearest such start is named);
    - L22, L23: a plan in both returns whose initial category of abuse, or whose
      NumberOfPreviousCPP, differs between them.

    The later return wins the merge (`build_plans`), so a changed category or
    number is measured as the later return has it; a plan missing from the next
    return is measured as the earlier one left it, open. NumberOfPreviousCPP
    falling from one of a child's plans to a later one is rule L24 (`quality`).
    """
    if records.empty or "collection_year" not in records:
        return []
    year = pd.to_numeric(records["collection_year"], errors="coerce").astype("Int64")
    held = {int(y) for y in year.dropna().unique()}
    if not any(y + 1 in held for y in held):
        return []
    r = records.assign(_year=year).dropna(subset=["_year"]).drop_duplicates(
        ["child_id", "start_date", "_year"], keep="last").reset_index(drop=True)
    y = r["_year"].astype(int).to_numpy()
    plan = (r["child_id"].astype(str) + "|" + r["start_date"].dt.strftime(ISO)).to_numpy(object)
    here = pd.Index(plan + "|" + y.astype(str))
    # each record's row in the next year's return, -1 where that return does not hold it
    nxt = here.get_indexer(plan + "|" + (y + 1).astype(str))
    compared = np.isin(y + 1, list(held))
    found: list[dict] = []
    both = np.flatnonzero(nxt >= 0)
    for col, code, words in (("initial_category", "L22", "initial category of abuse"),
                             ("previous_plans", "L23", "NumberOfPreviousCPP")):
        was = r[col].astype("string").to_numpy(object)
        now = was[nxt[both]]
        for i, j, w, v in zip(both, nxt[both], was[both], now, strict=True):
            if pd.isna(w) or pd.isna(v) or w == v:
                continue
            found.append(_continuity_finding(
                r.at[j, "source_file"], r.at[j, "location"], r.at[i, "child_id"], code,
                f"The plan's {words} changed between returns: {w} in the {_year(y[i])} return,"
                f" {v} in the {_year(y[i] + 1)} return (plan starting"
                f" {r.at[i, 'start_date']:%Y-%m-%d})",
                "measured with the later return's value"))
    ref = pd.to_datetime(pd.Series(y.astype(str)) + "-03-31", format=ISO).to_numpy()
    end = r["end_date"].to_numpy()
    open_at_ref = pd.isna(end) | (end > ref)
    gone = np.flatnonzero(compared & open_at_ref & (nxt < 0))
    if len(gone) == 0:
        return found
    # the next return's plans that started by this 31 March but are not in this return
    earlier = here.get_indexer(plan + "|" + (y - 1).astype(str))
    new = r[(earlier < 0) & (r["start_date"].to_numpy() <= pd.to_datetime(
        pd.Series((y - 1).astype(str)) + "-03-31").to_numpy())].assign(_year=lambda d: d[
            "_year"] - 1)
    lost = r.loc[gone, ["child_id", "start_date", "_year", "source_file", "location"]]
    pairs = lost.reset_index().merge(
        new[["child_id", "_year", "start_date", "source_file", "location"]],
        on=["child_id", "_year"], suffixes=("", "_next"))
    pairs["apart"] = (pairs["start_date_next"] - pairs["start_date"]).abs()
    moved = pairs.sort_values("apart", kind="stable").drop_duplicates("index")
    for i, start, to, file, place in zip(moved["index"], moved["start_date"],
                                         moved["start_date_next"], moved["source_file_next"],
                                         moved["location_next"], strict=True):
        found.append(_continuity_finding(
            file, place, r.at[i, "child_id"], "L21",
            f"The plan's start date changed between returns: {start:%Y-%m-%d} in the"
            f" {_year(y[i])} return, {to:%Y-%m-%d} in the {_year(y[i] + 1)} return",
            "measured as two plans (starts count both, the child counts once on plan):"
            " check which start date is right"))
    for i in sorted(set(gone) - set(moved["index"])):
        found.append(_continuity_finding(
            r.at[i, "source_file"], r.at[i, "location"], r.at[i, "child_id"], "L20",
            f"The plan is open at the end of the {_year(y[i])} return but is not in the"
            f" {_year(y[i] + 1)} return (plan starting {r.at[i, 'start_date']:%Y-%m-%d})",
            f"measured as open, as the {_year(y[i])} return left it: check the plan's end"
            " date"))
    return found


def _continuity_finding(source_file, location, child_id, rule, message, action) -> dict:
    return {"source_file": source_file, "location": location, "child_id": child_id,
            "rule": rule, "message": message, "action": action}


def derive(plans: pd.DataFrame) -> pd.DataFrame:
    """Add the columns every measure shares, computed once.

    - `plan_id`: child id and start date, the key of a plan
    - `earlier_plan_in_data`: the child has another plan in the data starting earlier
    - `is_replan`: second or subsequent plan (DfE): NumberOfPreviousCPP >= 1 or an earlier plan
    - `replan_disagrees`: NumberOfPreviousCPP says 0 but an earlier plan is in the data
    - `previous_end_date`: end of the child's previous plan in the data, where there is one
    - `child_overlaps`: some plan of this child starts before its previous plan ended (a
      quality finding; the series counts such children plan by plan, so each counts once)
    """
    plans = plans.sort_values(["child_id", "start_date"], kind="stable").reset_index(drop=True)
    plans["plan_id"] = plans["child_id"] + "|" + plans["start_date"].dt.strftime(ISO)
    first = ~plans["child_id"].duplicated()
    plans["earlier_plan_in_data"] = ~first
    prev = plans["previous_plans"]
    plans["is_replan"] = (prev.fillna(0) >= 1).astype(bool) | plans["earlier_plan_in_data"]
    plans["replan_disagrees"] = (prev == 0).fillna(False).astype(bool) & plans[
        "earlier_plan_in_data"
    ]
    prev_end = plans.groupby("child_id", sort=False)["end_date"].shift(1)
    plans["previous_end_date"] = prev_end.where(~first).astype(DATE)
    prev_end = plans["previous_end_date"]
    overlap = ~first & (prev_end.isna() | (plans["start_date"] < prev_end))
    by_child = overlap.groupby(plans["child_id"], sort=False)
    plans["child_overlaps"] = by_child.transform("any").astype(bool)
    return plans
