"""Before and since a change of practice: a comparison worked out by hand, and the page saying
it is too early rather than showing a difference as a finding."""

from __future__ import annotations

import pandas as pd
import pytest
from cpmetrics import before_since as bs
from cpmetrics.disclosure import suppress_table
from cpmetrics.stats import byar_interval, mover_difference, wilson_interval
from helpers import history, plan

CHANGE = [{"date": "2018-03-01", "label": "Restorative conferences"}]


def months(first: str, last: str) -> pd.DatetimeIndex:
    return pd.date_range(first, last, freq="MS")


@pytest.fixture(scope="module")
def tables():
    """12 months before 1 March 2018 (March 2017 to February 2018): 5 plans start on the 1st to
    the 5th of each month, the one on the 1st a re-plan (12 of 60, 20%). Six months since (March
    to August 2018): 6 a month, the three on the 1st to 3rd re-plans (18 of 36, 50%). No plan
    ends, so children on a plan climb by 5 a month before and 6 a month since."""
    rows = []
    for m in months("2017-03-01", "2018-02-01"):
        for day in range(1, 6):
            rows.append(plan(f"B{m:%y%m}{day}", f"{m:%Y-%m}-{day:02d}",
                             previous=1 if day == 1 else 0, year=2016))
    for m in months("2018-03-01", "2018-08-01"):
        for day in range(1, 7):
            rows.append(plan(f"S{m:%y%m}{day}", f"{m:%Y-%m}-{day:02d}",
                             previous=1 if day <= 3 else 0, year=2016))
    return history(*rows)


def test_six_months_since_a_change_worked_by_hand(tables):
    t = bs.table(tables, "2018-08-31", CHANGE).set_index("measure")
    assert list(t.index) == list(bs.LABELS.values())
    assert set(t["before"]) == {"1 March 2017 to 28 February 2018 (12 months)"}
    assert set(t["since"]) == {"1 March 2018 to 31 August 2018 (six months)"}

    # re-plans: 12 of 60 (20%; Wilson 11.83% to 31.78%) against 18 of 36 (50%; 34.47% to
    # 65.53%). MOVER: 30 - sqrt((50 - 34.47)^2 + (31.78 - 20)^2) = 30 - 19.49 = 10.51, and
    # 30 + sqrt((65.53 - 50)^2 + (20 - 11.83)^2) = 30 + 17.54 = 47.54: beyond chance, worse
    r = t.loc["Plans started that were re-plans"]
    assert (r["before_n"], r["before_of"], r["since_n"], r["since_of"]) == (12, 60, 18, 36)
    assert (r["before_value"], r["since_value"]) == pytest.approx((20.0, 50.0))
    assert (r["before_low"], r["before_high"]) == pytest.approx((11.83, 31.78), abs=0.01)
    assert (r["since_low"], r["since_high"]) == pytest.approx((34.47, 65.53), abs=0.01)
    assert (r["difference"], r["difference_low"], r["difference_high"]) == pytest.approx(
        (30.0, 10.51, 47.54), abs=0.01)
    assert r["reading"] == ("higher since the change, beyond chance: worse (lower is better)")

    # plans started a month: 60 in 12 months (5.0) against 36 in 6 (6.0). Byar: 60 -> 45.78 to
    # 77.23, a month 3.815 to 6.436; 36 -> 25.21 to 49.84, a month 4.202 to 8.307. MOVER:
    # 1 - sqrt(1.798^2 + 1.436^2) = -1.30, 1 + sqrt(2.307^2 + 1.185^2) = 3.59: chance
    s = t.loc["Plans started a month"]
    assert (s["before_n"], s["since_n"]) == (60, 36) and pd.isna(s["before_of"])
    assert (s["before_value"], s["since_value"]) == pytest.approx((5.0, 6.0))
    assert (s["before_low"], s["before_high"]) == pytest.approx((3.815, 6.436), abs=0.001)
    assert (s["since_low"], s["since_high"]) == pytest.approx((4.202, 8.307), abs=0.001)
    assert (s["difference_low"], s["difference_high"]) == pytest.approx((-1.30, 3.59), abs=0.01)
    assert s["reading"] == "no difference beyond chance"

    # children on a plan at the month ends: 5, 10, ... 60 before (mean 32.5, every moving range
    # 5: limits 32.5 -/+ 2.66 x 5 = 19.2 to 45.8); 66, 72, ... 96 since (mean 81), each above
    # the limits of the months before. No confidence interval: month ends are not independent
    c = t.loc["Children on a plan (mean of the month ends)"]
    assert (c["before_value"], c["since_value"], c["difference"]) == pytest.approx(
        (32.5, 81.0, 48.5))
    assert (c["before_low"], c["before_high"]) == pytest.approx((19.2, 45.8))
    assert pd.isna(c["since_low"]) and pd.isna(c["difference_low"])
    assert c["reading"] == ("all six months since are special cause against the months before "
                            "(latest: special cause, neither: a month above the process limits)")

    # no plan ended: nothing to read, whatever the months
    e = t.loc["Plans ended that had lasted 2 years or more"]
    assert e["before_of"] == 0 and e["since_of"] == 0 and pd.isna(e["difference"])
    assert e["reading"] == "too early to judge: too few plans since the change (at least 30 are " \
                           "needed)"


def test_what_the_page_says_six_months_on(tables):
    said = bs.statement(bs.table(tables, "2018-08-31", CHANGE))
    assert said[0] == (
        "Restorative conferences began on 1 March 2018: six months of data since it, to 31 "
        "August 2018. Set against the 12 months before: children on a plan (mean of the month "
        "ends): all six months since are special cause against the months before (latest: "
        "special cause, neither: a month above the process limits); plans started that were "
        "re-plans: higher since the change, beyond chance: worse (lower is better). No "
        "difference beyond chance: plans started a month. Still too early or too few plans to "
        "judge: plans ended that had lasted 2 years or more.")
    assert "cannot say: that the change caused a difference" in said[1]
    assert "regression to the mean" in said[1] and "until 1 March 2020" in said[1]


@pytest.mark.parametrize(("end", "months"), [("2018-03-31", "one month"),
                                             ("2018-07-31", "five months")])
def test_too_early_the_page_says_so_and_gives_no_difference(tables, end, months):
    t = bs.table(tables, end, CHANGE)
    assert set(t["reading"]) == {f"too early to judge: {months} since the change, at least 6 "
                                 "are needed"}
    assert t["difference"].isna().all() and t["difference_low"].isna().all()
    # the figures since are there, for the record (no plan has ended: nothing for that one)
    assert t["since_value"].iloc[:3].notna().all()
    said = bs.statement(t)
    assert said[0].startswith(f"Restorative conferences began on 1 March 2018: {months} of data"
                              f" since it, to ")
    assert "That is too early to judge whether anything has changed." in said[0]
    assert ("Until then the figures since are shown for the record only: a difference between "
            "them and the 12 months before is not a finding.") in said[0]
    assert "beyond chance" not in " ".join(said)


def test_too_few_plans_since_is_too_early_too():
    rows = [plan(f"B{m:%y%m}{d}", f"{m:%Y-%m}-{d:02d}", year=2016)
            for m in months("2017-03-01", "2018-02-01") for d in range(1, 6)]
    rows += [plan(f"S{m:%y%m}", f"{m:%Y-%m}-01", year=2016)
             for m in months("2018-03-01", "2018-08-01")]  # 6 plans in 6 months
    t = bs.table(history(*rows), "2018-08-31", CHANGE).set_index("measure")
    assert t.loc["Plans started a month", "reading"].startswith("too early to judge: too few")
    assert t.loc["Plans started that were re-plans", "reading"].startswith("too early")
    assert not t.loc["Children on a plan (mean of the month ends)", "reading"].startswith("too")


def test_windows_stop_at_the_data_and_the_next_change(tables):
    changes = bs.changes([{"date": "2018-06-01", "label": "B"}, {"date": "2018-03-01",
                                                                  "label": "A"}])
    assert [c.name for c in changes] == ["A (1 March 2018)", "B (1 June 2018)"]
    before, since = bs.windows(changes[0], "2018-08-31", following=changes[1])
    assert (before.start, since.end) == (pd.Timestamp("2017-03-01"), pd.Timestamp("2018-05-31"))
    before, since = bs.windows(changes[1], "2018-08-31", previous=changes[0])
    assert before.start == pd.Timestamp("2018-03-01") and before.months == 3
    before, since = bs.windows(changes[0], "2018-08-31", first=pd.Timestamp("2017-09-01"))
    assert before.months == 6
    assert bs.months_between(pd.Timestamp("2018-09-15"), pd.Timestamp("2018-10-14")) == 1
    assert bs.months_between(pd.Timestamp("2018-09-01"), pd.Timestamp("2018-10-15")) \
        == pytest.approx(1 + 15 / 31)


def test_no_change_and_a_change_after_the_reporting_date(tables):
    none = bs.table(tables, "2018-08-31", [])
    assert none.empty and list(none.columns) == list(bs.COLUMNS)
    assert bs.statement(none) == [bs.NONE_GIVEN]
    later = bs.table(tables, "2018-08-31", [{"date": "2018-10-01", "label": "Family group"}])
    assert set(later["reading"]) == {bs.NOT_YET} and later["since"].isna().all()
    assert bs.statement(later) == ["Family group begins on 1 October 2018, after the reporting "
                                   "date (31 August 2018): there is nothing since it to compare "
                                   "yet."]


def test_a_small_count_hides_its_figures_and_the_difference(tables):
    t = bs.table(tables, "2018-03-31", CHANGE)  # one month since: 6 plans, 3 re-plans
    safe = suppress_table(t, 5, depends=bs.DEPENDS).set_index("measure")
    r = safe.loc["Plans started that were re-plans"]
    assert (r["since_n"], r["since_value"], r["since_low"], r["reading"]) == (
        "<5", "[c]", "[c]", "[c]")
    assert r["before_n"] == 12 and r["before_value"] == pytest.approx(20.0)


def test_byar_and_mover_against_published_figures():
    # exact Poisson interval of 10 events: 4.795 to 18.390 (Byar within a hundredth)
    assert byar_interval(10) == pytest.approx((4.795, 18.390), abs=0.01)
    assert byar_interval(0)[0] == 0
    # Newcombe (1998), Statistics in Medicine 17: 873-890, Table II: 56/70 - 48/80,
    # method 10: 0.0524 to 0.3339
    lo, hi = wilson_interval(56, 70), wilson_interval(48, 80)
    d, low, high = mover_difference(48 / 80, hi, 56 / 70, lo)
    assert (d, low, high) == pytest.approx((0.2, 0.0524, 0.3339), abs=0.00005)
