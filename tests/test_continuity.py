"""Continuity between yearly returns (DfE's "submission continuity" report), with two returns
built by hand: what carries over from one year's return to the next, and what does not.

Findings only: every plan is still loaded and measured, the later return winning the merge.
"""

from __future__ import annotations

import pandas as pd
from cpmetrics import measures as m
from cpmetrics.periods import as_date
from helpers import history, plan


def y17(child, start, end=None, **kw):
    return plan(child, start, end, source="cin_2017.xml", year=2017, **kw)


def y18(child, start, end=None, **kw):
    return plan(child, start, end, source="cin_2018.xml", year=2018, **kw) | {"file_order": 1}


def continuity(t) -> pd.DataFrame:
    return t.findings[t.findings["rule"].isin(["L20", "L21", "L22", "L23", "L24"])]


def test_a_plan_carried_over_unchanged_is_no_finding():
    t = history(y17("A", "2016-11-01"), y18("A", "2016-11-01", "2017-06-30"),
                y17("B", "2016-05-01", "2016-12-01"))  # B ended in 2016-17: not in 2017-18
    assert t.findings.empty
    assert t.counts.plans == 2 and t.counts.rejected == 0


def test_l20_a_plan_open_at_the_end_of_one_return_and_absent_from_the_next():
    t = history(y17("A", "2016-11-01"), y17("C", "2016-12-01"), y18("C", "2016-12-01"))
    f = continuity(t)
    assert len(f) == 1
    hit = f.iloc[0]
    assert (hit["rule"], hit["child_id"], hit["source_file"]) == ("L20", "A", "cin_2017.xml")
    assert hit["message"] == ("The plan is open at the end of the 2016-17 return but is not in"
                              " the 2017-18 return (plan starting 2016-11-01)")
    assert hit["action"].startswith("measured as open, as the 2016-17 return left it")
    assert m.on_plan(t.plans, as_date("2018-03-31")) == 2  # still counted: a finding only


def test_a_plan_ending_after_the_reference_date_counts_as_open_at_it():
    t = history(y17("A", "2016-11-01", "2017-04-03"))
    assert continuity(t).empty  # no 2017-18 return: nothing to compare with
    t = history(y17("A", "2016-11-01", "2017-04-03"), y18("Z", "2017-05-01"))
    assert list(continuity(t)["rule"]) == ["L20"]


def test_a_year_missing_between_returns_is_not_compared():
    t = history(y17("A", "2016-11-01"), plan("Z", "2018-05-01", source="cin_2019.xml", year=2019))
    assert continuity(t).empty


def test_l21_a_start_date_changed_between_returns():
    t = history(y17("A", "2016-11-01"), y18("A", "2016-11-03", "2017-06-30"),
                y18("A", "2017-09-01", previous=1))
    f = continuity(t)
    assert list(f["rule"]) == ["L21"]
    hit = f.iloc[0]
    assert hit["source_file"] == "cin_2018.xml"
    assert hit["message"] == ("The plan's start date changed between returns: 2016-11-01 in the"
                              " 2016-17 return, 2016-11-03 in the 2017-18 return")
    # both plans are held: the child starts two plans but counts once on plan
    assert t.counts.plans == 3
    assert m.on_plan(t.plans, as_date("2017-03-31")) == 1


def test_l22_and_l23_category_and_previous_plans_changed_the_later_return_wins():
    t = history(y17("A", "2016-11-01", category="NEG", previous=2),
                y18("A", "2016-11-01", category="EMO", previous=1))
    f = continuity(t).set_index("rule")
    assert sorted(f.index) == ["L22", "L23"]
    assert f.loc["L22", "message"] == (
        "The plan's initial category of abuse changed between returns: NEG in the 2016-17"
        " return, EMO in the 2017-18 return (plan starting 2016-11-01)")
    assert f.loc["L23", "message"] == (
        "The plan's NumberOfPreviousCPP changed between returns: 2 in the 2016-17 return, 1 in"
        " the 2017-18 return (plan starting 2016-11-01)")
    held = t.plans.iloc[0]
    assert (held["initial_category"], held["previous_plans"]) == ("EMO", 1)


def test_l24_previous_plans_falling_for_a_child():
    t = history(y17("A", "2016-05-01", "2016-09-01", previous=2),
                y18("A", "2017-06-01", previous=1))
    hit = t.findings.set_index("rule").loc["L24"]
    assert hit["message"] == ("NumberOfPreviousCPP is lower than on an earlier plan of the same"
                              " child (plan starting 2017-06-01; records 1, an earlier plan"
                              " records 2)")
    assert m.starts_second_or_subsequent(t.plans, m.Period.financial_year(2018)).n == 1
    rising = history(y17("A", "2016-05-01", "2016-09-01", previous=2),
                     y18("A", "2017-06-01", previous=3))
    assert rising.findings.empty
    # a later plan recording 0 is L07's finding, not L24's too
    zero = history(y17("A", "2016-05-01", "2016-09-01", previous=2),
                   y18("A", "2017-06-01", previous=0))
    assert list(zero.findings["rule"]) == ["L07"]
