"""Invariants over random plan histories (hypothesis).

- records read = loaded + rejected, whatever the records hold, from raw records
  and through the tidy CSV reader;
- no measure counts a child on a plan twice at one date;
- for clean histories, month by month: on plan at the end of a month = on plan
  at the end of the previous month + plans starting - plans ending in it.
"""

from __future__ import annotations

import datetime as dt
import re

import pandas as pd
from cpmetrics import measures as m
from cpmetrics.periods import Period, month_end
from cpmetrics.sources.tidy_csv import read_tidy_csv
from cpmetrics.tables import CATEGORIES
from helpers import history, plan
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

FIRST = dt.date(2015, 4, 1)
LAST = dt.date(2019, 3, 31)
SETTINGS = settings(max_examples=50, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])

days = st.dates(min_value=FIRST, max_value=LAST)
# dates as a case system might really hand them over, good and bad
date_text = st.one_of(
    days.map(dt.date.isoformat),
    days.map(dt.date.isoformat),
    days.map(dt.date.isoformat),
    st.just(""),
    st.sampled_from(["2017-02-31", "2018-13-01", "31/03/2018", "soon", "2017-02-29"]),
)
child_ids = st.sampled_from(["A", "B", "C", "D", "E", " ", ""])


@st.composite
def messy_records(draw) -> list[dict]:
    """Any records: blank ids, bad dates, ends before starts, duplicates, overlaps."""
    n = draw(st.integers(min_value=1, max_value=25))
    out = []
    for _ in range(n):
        end = draw(st.one_of(st.none(), date_text))
        out.append(plan(
            draw(child_ids),
            draw(date_text),
            end or None,
            previous=draw(st.sampled_from([0, 1, 3, None, "x", "-1"])),
            category=draw(st.sampled_from([*CATEGORIES, "ZZZ"])),
            year=draw(st.sampled_from([2016, 2017, 2018, 2019, None])),
        ))
    if out and draw(st.booleans()):
        out.append(dict(out[0]))  # the same record twice
    return out


@st.composite
def clean_records(draw) -> list[dict]:
    """Each child's plans one after another: a plan starts on or after the last one ended."""
    out = []
    for child in "ABCDEFG"[: draw(st.integers(min_value=1, max_value=7))]:
        day = draw(days)
        for k in range(draw(st.integers(min_value=1, max_value=4))):
            length = draw(st.integers(min_value=1, max_value=900))
            end = day + dt.timedelta(days=length)
            is_open = end > LAST or draw(st.integers(0, 5)) == 0
            out.append(plan(child, day.isoformat(), None if is_open else end.isoformat(),
                            previous=k, category=draw(st.sampled_from(CATEGORIES))))
            if is_open:
                break
            day = end + dt.timedelta(days=draw(st.integers(min_value=0, max_value=400)))
            if day > LAST:
                break
    return out


@SETTINGS
@given(messy_records())
def test_read_is_loaded_plus_rejected(records):
    t = history(*records)
    c = t.counts
    assert c.read == len(records)
    assert c.read == c.loaded + c.rejected
    assert len(t.rejects) == c.rejected
    assert len(t.plans) == c.loaded - c.merged
    rejected_findings = t.findings["action"].str.startswith("record rejected")
    assert int(rejected_findings.sum()) == c.rejected


@SETTINGS
@given(messy_records(), days)
def test_no_child_counted_twice_at_one_date(records, day):
    t = history(*records)
    at = pd.Timestamp(day)
    p = t.plans
    open_ = p[(p["start_date"] <= at) & (p["end_date"].isna() | (p["end_date"] > at))]
    children = open_["child_id"].nunique()
    assert m.on_plan(p, at) == children <= len(open_)
    assert m.on_plan_second_or_subsequent(p, at).of == children
    assert m.on_plan_2y_plus(p, at).of == children
    assert int(m.on_plan_by_duration(p, at).sum()) == children


@SETTINGS
@given(clean_records())
def test_month_ends_reconcile_for_clean_histories(records):
    t = history(*records)
    assert t.counts.rejected == 0
    assert "8935" not in set(t.findings["rule"])
    p = t.plans
    before = month_end(FIRST) - pd.DateOffset(months=1)
    before = month_end(before)
    on = m.on_plan(p, before)
    for month in pd.date_range(FIRST, LAST, freq="ME"):
        span = Period(before + pd.Timedelta(days=1), month)
        now = m.on_plan(p, month)
        assert now == on + m.starts(p, span) - m.ended(p, span), month
        on, before = now, month


@SETTINGS
@given(records=messy_records())
def test_tidy_csv_reader_keeps_the_count(tmp_path_factory, records):
    folder = tmp_path_factory.mktemp("tidy")
    cols = ["child_id", "start_date", "end_date", "initial_category", "latest_category",
            "previous_plans"]
    frame = pd.DataFrame(records, columns=cols)
    frame.to_csv(folder / "plans.csv", index=False)
    direct = history(*records).counts
    if not any(re.match(r"\d{4}-", r["start_date"]) for r in records):
        return  # no ISO-looking start date anywhere: refused as a file, not record by record
    read = read_tidy_csv(folder).counts
    assert read.read == len(records)
    assert (read.read, read.loaded, read.rejected) == (direct.read, direct.loaded, direct.rejected)
