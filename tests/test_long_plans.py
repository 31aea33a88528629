"""Plans lasting two years or more (730+ days, both ends counted), worked out by hand."""

from cpmetrics import long_plans as lp
from cpmetrics.periods import Period, as_date
from helpers import history, plan

D = as_date("2018-03-31")
YEAR = Period.ending(D)


def small():
    return history(
        plan("A", "2016-04-01"),  # 730 days at 31 March 2018: two years or more
        plan("B", "2016-04-02"),  # 729 days: one day to go
        plan("C", "2016-09-30"),  # exactly 18 months on 31 March 2018: 182 days to go
        plan("D", "2016-10-01"),  # not yet 18 months
        plan("E", "2015-05-01", end="2017-06-01"),  # ended after 763 days
        plan("F", "2017-05-01", end="2017-07-01"),  # ended after 62 days
    )


def test_shares_now_and_of_plans_ended():
    t = lp.long_plan_shares(small().plans, YEAR)
    assert (t["n"].iloc[0], t["of"].iloc[0]) == (1, 4)  # A of A, B, C, D
    assert (t["n"].iloc[1], t["of"].iloc[1]) == (0, 5)  # 31 March 2017: A-E on, none 730 days
    assert (t["n"].iloc[2], t["of"].iloc[2]) == (1, 2)  # E of E, F


def test_duration_profile_counts_every_band():
    p = lp.duration_profile(small().plans, YEAR)
    assert p["on_plan"].tolist() == [0, 0, 0, 3, 1]
    assert p["ended"].tolist() == [1, 0, 0, 0, 1]
    assert p["on_plan_pct"].iloc[-1] == 25.0


def test_approaching_two_years_by_time_left():
    s = lp.approaching_two_years_summary(small().plans, D)["children"]
    assert s["within 1 month"] == 1  # B
    assert s["3 to 6 months"] == 1  # C
    assert s["all approaching two years"] == 2


def test_child_level_list_only_when_asked():
    assert lp.approaching_two_years(small().plans, D) is None
    listed = lp.approaching_two_years(small().plans, D, show_child_level=True)
    assert listed["child_id"].tolist() == ["B", "C"]
    assert listed["reaches_two_years"].iloc[0] == as_date("2018-04-01")  # its 730th day
