"""Second or subsequent plans, worked out by hand on a small history."""

import pandas as pd
from cpmetrics import replans as r
from cpmetrics.periods import Period, as_date
from cpmetrics.tables import CIN_PLAN_COLUMNS, conform
from helpers import history, plan

D = as_date("2018-03-31")
YEAR = Period.ending(D)


def small():
    return history(
        plan("A", "2016-01-01", end="2016-06-30", episode="A|1"),
        plan("A", "2017-06-01", episode="A|2"),  # re-plan known from the history; 336 days later
        plan("B", "2017-09-01", previous=1),  # re-plan known only from NumberOfPreviousCPP
        plan("C", "2017-10-01"),
        plan("D", "2016-05-01", end="2016-08-01"),
        plan("E", "2018-02-10", previous=2),
    )


def test_children_on_a_plan_now_and_a_year_ago():
    t = r.cohort_replans(small().plans, D)
    assert list(t["n"]) == [3, 0] and list(t["of"]) == [4, 0]  # A, B, E of A, B, C, E
    assert t["pct"].iloc[0] == 75.0
    assert pd.isna(t["pct"].iloc[1])  # nobody on a plan at 31 March 2017: no percentage


def test_starts_this_year_and_last_full_year():
    t = r.starts_replans(small().plans, YEAR)
    assert list(t["n"]) == [3, 0, 0]
    assert list(t["of"]) == [4, 1, 1]  # A2, B, C, E; year earlier = last full year: D
    assert t["ci_low"].iloc[0] < 75 < t["ci_high"].iloc[0]


def test_by_financial_quarter():
    q = r.replans_by_quarter(small().plans, YEAR).set_index("quarter")
    assert q.loc["2016-17 Q1", "of"] == 1 and q.loc["2016-17 Q1", "n"] == 0
    assert (q.loc["2017-18 Q1", "n"], q.loc["2017-18 Q1", "of"]) == (1, 1)  # A2, June
    assert (q.loc["2017-18 Q3", "n"], q.loc["2017-18 Q3", "of"]) == (0, 1)  # C, October
    assert (q.loc["2017-18 Q4", "n"], q.loc["2017-18 Q4", "of"]) == (1, 1)  # E, February
    assert len(q) == 8


def test_quarter_to_date_is_labelled():
    q = r.replans_by_quarter(small().plans, Period.ending("2017-11-15"))
    assert q["quarter"].iloc[-1] == "2017-18 Q3 (to date)"


def test_rolling_12_months():
    roll = r.rolling_replans(small().plans, D, months=1)
    assert (roll["n"].iloc[0], roll["of"].iloc[0]) == (3, 4)


def test_recent_replans_are_the_last_two_calendar_months():
    p = r.recent_replans(small().plans, D)  # February and March 2018: E only
    assert (p.n, p.of) == (1, 1)
    assert r.recent_replans(small().plans, D, months=1).of == 0


def test_how_soon_after_the_previous_plan_and_whether_the_case_stayed_open():
    t = r.replan_returns(small(), YEAR).set_index("child_id")
    assert t.loc["A", "gap_days"] == 336
    assert t.loc["A", "gap_band"] == "6 months to 1 year"
    assert not t.loc["A", "same_cin_episode"]
    assert t.loc["B", "gap_band"] == r.NOT_IN_DATA
    assert t["cin_plan_between"].isna().all()  # no CIN plan dates in the data: unknown


def test_stepped_down_to_a_cin_plan_and_came_back():
    t = small()
    cin = pd.DataFrame({"episode_id": ["A|1"], "child_id": ["A"], "start_date": ["2016-06-30"],
                        "end_date": ["2016-12-31"]})
    t.cin_plans = conform(cin, CIN_PLAN_COLUMNS)
    got = r.replan_returns(t, YEAR).set_index("child_id")
    assert bool(got.loc["A", "cin_plan_between"]) is True
    profile = r.return_profile(t, YEAR)
    assert profile.loc["6 months to 1 year", "cin_plan_between"] == 1
    assert profile.loc["all re-plans", "replans"] == 3


def test_a_cin_plan_ended_before_the_previous_cp_plan_is_not_in_between():
    t = small()
    cin = pd.DataFrame({"episode_id": ["A|1"], "child_id": ["A"], "start_date": ["2015-06-01"],
                        "end_date": ["2015-12-31"]})
    t.cin_plans = conform(cin, CIN_PLAN_COLUMNS)
    got = r.replan_returns(t, YEAR).set_index("child_id")
    assert bool(got.loc["A", "cin_plan_between"]) is False


def test_auto_grouping_from_a_params_file_is_the_grouping_in_force():
    # Trafford's ten April 2021 neighbours' mean for 2016-17 is 19.8% (DfE D3), as for None
    from cpmetrics.comparison import published_figure

    for grouping in (None, "auto"):
        fig = published_figure("358", "starts_second_or_subsequent_pct", "2018-09-30", grouping)
        assert (fig["neighbours"], fig["neighbours_n"], fig["neighbours_of"]) == (19.8, 10, 10)
        assert fig["year_label"] == "2016-17" and fig["england"] == 18.7


def test_neighbours_that_cannot_be_found_are_not_available_not_0_of_0():
    from cpmetrics.comparison import neighbours_area, neighbours_label

    assert neighbours_label({"neighbours_n": 10, "neighbours_of": 10}) == "10 of 10"
    assert neighbours_label({"neighbours_n": 0, "neighbours_of": 10}) == "none of 10 published"
    missing = {"neighbours_n": 0, "neighbours_of": 0, "year_label": "2016-17"}
    assert neighbours_area(missing) == "Statistical neighbours' mean, 2016-17 (not available)"


def test_replan_benchmark_names_traffords_ten_neighbours():
    t = history(plan("A", "2018-05-01"))
    bench = r.replan_benchmark(t.plans, Period.ending("2018-09-30"), "358", "auto")
    assert bench["area"].iloc[1] == "Statistical neighbours' mean, 2016-17 (10 of 10)"
    assert bench["pct"].iloc[1] == 19.8
