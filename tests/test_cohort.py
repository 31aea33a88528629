"""Children on a plan month by month against a reference band, worked out by hand."""

from cpmetrics.cohort import ReferenceBand, band_summary, cohort_trend
from cpmetrics.coverage import first_date
from cpmetrics.periods import as_date
from helpers import history, plan


def small():
    # A open from Jan 2017; B Feb 2017 to 31 Mar 2017 (not open on its end date); C from Jan 2018
    return history(plan("A", "2017-01-15"), plan("B", "2017-02-01", end="2017-03-31"),
                   plan("C", "2018-01-10"))


def test_band_edges_are_within():
    band = ReferenceBand(250, 4)
    assert (band.lower, band.upper) == (240, 260)
    assert [band.position(v) for v in (239, 240, 260, 261)] == ["below", "within", "within",
                                                                 "above"]
    assert band.label() == "250 ± 4% (240 to 260)"


def test_month_ends_same_month_last_year_starts_and_ends():
    t = cohort_trend(small(), "2018-03-31", reference_level=2, tolerance_pct=0, months=3)
    assert list(t.index.strftime("%Y-%m-%d")) == ["2018-01-31", "2018-02-28", "2018-03-31"]
    assert list(t["on_plan"]) == [2, 2, 2]
    assert list(t["same_month_last_year"]) == [1, 2, 1]  # Jan 17: A; Feb: A, B; Mar: B ended
    assert list(t["starts"]) == [1, 0, 0]
    assert list(t["ended"]) == [0, 0, 0]
    assert not t["outside"].any()


def test_months_outside_the_band_are_flagged():
    t = cohort_trend(small(), "2018-03-31", reference_level=1.5, tolerance_pct=10, months=3)
    assert list(t["position"]) == ["above"] * 3
    assert t["outside"].all()
    s = band_summary(t)
    assert (s["months"], s["months_outside"], s["latest"], s["year_ago"]) == (3, 3, 2, 1)


def test_a_reporting_date_mid_month_ends_at_the_month_before():
    t = cohort_trend(small(), "2018-03-15", months=2)
    assert t.index[-1] == as_date("2018-02-28")


def test_months_before_the_data_begin_are_left_out():
    t = history(plan("A", "2017-06-01", year=2018))  # nothing ended: the 2017-18 return only
    assert first_date(t) == as_date("2017-04-01")
    trend = cohort_trend(t, "2018-03-31", months=24)
    assert trend.index[0] == as_date("2017-04-30")
    assert len(trend) == 12
