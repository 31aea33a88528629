"""Every edge metrics.md decides, on small histories worked out by hand."""

import pandas as pd
from cpmetrics import measures as m
from cpmetrics.periods import Period, as_date
from helpers import assessment, history, plan

D = as_date("2018-03-31")
YEAR = Period.ending("2018-03-31")


def test_plan_ending_on_reporting_date_is_not_open():
    t = history(plan("A", "2017-05-01", end="2018-03-31"))
    assert m.on_plan(t.plans, D) == 0
    assert m.ended(t.plans, YEAR) == 1


def test_plan_starting_on_reporting_date_is_open_and_a_start():
    t = history(plan("A", "2018-03-31"))
    assert m.on_plan(t.plans, D) == 1
    assert m.starts(t.plans, YEAR) == 1


def test_period_start_is_first_of_april_and_both_ends_count():
    t = history(plan("A", "2017-03-31"), plan("B", "2017-04-01"), plan("C", "2018-04-01"))
    assert YEAR.start == as_date("2017-04-01")
    assert m.starts(t.plans, YEAR) == 1


def test_729_against_730_days_on_plan_across_29_february():
    # 2016-02-01 to 2018-01-29: 729 days, both ends counted (2016-02-29 in between);
    # to 2018-01-30: 730 days. A "two calendar years" rule would say neither.
    t = history(plan("A", "2016-02-01"))
    assert m.on_plan_2y_plus(t.plans, as_date("2018-01-29")).n == 0
    assert m.on_plan_2y_plus(t.plans, as_date("2018-01-30")).n == 1
    ended = history(plan("B", "2016-02-01", end="2018-01-29"),
                    plan("C", "2016-02-01", end="2018-01-30"))
    p = m.ended_2y_plus(ended.plans, YEAR)
    assert (p.n, p.of) == (1, 2)
    bands = m.ended_by_duration(ended.plans, YEAR)
    assert bands["1 year, less than 2 years"] == 1
    assert bands["2 years or more"] == 1


def test_duration_band_edges():
    # days on plan 91 | 92, 182 | 183, 364 | 365: plans ending 2018-03-31
    ends = {91: "2017-12-31", 92: "2017-12-30", 182: "2017-10-01", 183: "2017-09-30",
            364: "2017-04-02", 365: "2017-04-01"}
    t = history(*[plan(f"C{d}", s, end="2018-03-31") for d, s in ends.items()])
    bands = m.ended_by_duration(t.plans, YEAR)
    assert bands.tolist() == [1, 2, 2, 1, 0]


def test_replan_known_only_from_number_of_previous_cpp():
    t = history(plan("A", "2017-06-01", previous=1))
    assert m.starts_second_or_subsequent(t.plans, YEAR) == m.Proportion(1, 1)
    assert t.findings.empty


def test_replan_known_only_from_earlier_plan_in_data():
    t = history(plan("A", "2014-01-01", end="2014-06-01", previous=None),
                plan("A", "2017-06-01", previous=None))
    p = m.starts_second_or_subsequent(t.plans, YEAR)
    assert (p.n, p.of) == (1, 1)


def test_replan_sources_disagree_counts_as_replan_and_is_reported():
    t = history(plan("A", "2014-01-01", end="2014-06-01"), plan("A", "2017-06-01", previous=0))
    assert m.starts_second_or_subsequent(t.plans, YEAR).n == 1
    disagree = t.findings[t.findings["rule"] == "L07"]
    assert len(disagree) == 1 and disagree["child_id"].iloc[0] == "A"


def test_two_plans_for_one_child_in_one_year_are_two_starts_one_child():
    t = history(plan("A", "2017-05-01", end="2017-07-01"), plan("A", "2017-09-01"))
    assert m.starts(t.plans, YEAR) == 2
    assert m.on_plan(t.plans, D) == 1
    assert m.starts_second_or_subsequent(t.plans, YEAR).n == 1


def test_child_with_two_open_plans_is_counted_once():
    t = history(plan("A", "2017-05-01"), plan("A", "2017-09-01", previous=1))
    assert m.on_plan(t.plans, D) == 1
    assert set(t.findings["rule"]) >= {"8935", "8940"}  # two open plans; overlapping


def test_dv_linked_assessment_counts_and_later_assessment_does_not():
    t = history(
        plan("A", "2017-06-01"), plan("B", "2017-06-01"), plan("C", "2017-06-01"),
        plan("E", "2017-06-01"),
        assessments=[
            assessment("A", "2017-05-20", "3A"),
            assessment("B", "2017-06-02", "3B"),  # authorised after the plan started
            assessment("C", None, "3C", started="2017-06-01"),  # no authorisation: start date
            assessment("E", "2017-05-20", "2A,24A"),  # not domestic abuse
        ],
    )
    p = m.starts_dv(t, YEAR)
    assert (p.n, p.of) == (2, 4)


def test_dv_needs_same_episode():
    t = history(plan("A", "2017-06-01", episode="A|2017"),
                assessments=[assessment("A", "2017-05-01", "3A", episode="A|2015")])
    assert m.starts_dv(t, YEAR).n == 0


def test_dv_not_available_without_assessment_data():
    t = history(plan("A", "2017-06-01"))
    assert m.starts_dv(t, YEAR) is None
    assert m.headline(t, YEAR)["starts_dv"] is None


def test_proportion_of_zero_has_no_percentage():
    t = history(plan("A", "2010-01-01", end="2010-02-01"))
    assert m.headline(t, YEAR)["starts_second_or_subsequent"] == {"n": 0, "of": 0, "pct": None}


def test_unusable_records_are_rejected_and_counted():
    t = history(plan("A", "2017-02-31"), plan("", "2017-05-01"),
                plan("B", "2017-05-01", end="2017-04-01"),
                plan("C", "2017-05-01"))
    assert (t.counts.read, t.counts.loaded, t.counts.rejected) == (4, 1, 3)
    reasons = " | ".join(t.rejects["reason"])
    assert "'2017-02-31' is not a date" in reasons
    assert "no child id" in reasons
    assert "ends (2017-04-01) before it starts (2017-05-01)" in reasons


def test_same_day_plan_is_reported_and_measured():
    t = history(plan("A", "2017-05-01", end="2017-05-01"))
    assert m.starts(t.plans, YEAR) == 1
    assert list(t.findings["rule"]) == ["8840"]


def test_bad_number_of_previous_cpp_is_reported_and_measured():
    t = history(plan("A", "2017-05-01", previous="-1"), plan("B", "2017-05-01", previous=None))
    assert m.starts(t.plans, YEAR) == 2
    assert sorted(t.findings["rule"]) == ["8730", "L02"]  # missing (DfE 8730); -1 not whole
    assert pd.isna(t.plans["previous_plans"]).all()
