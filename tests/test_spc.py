"""XmR charts (metrics.md, "Monitoring over time"): limits and signals worked out by hand,
and NHSRplotthedots' own published cases.

NHSRplotthedots (NHS-R Community, MIT licence, version 0.2.2, commit 050b07d7eacc of
github.com/nhs-r-community/NHSRplotthedots) is the reference implementation. Its
cases below are copied as data (inputs and expected outputs only) from the files
named at each one. Its rules use 7 points for a trend where metrics.md says 6, so
its cases run with `PTD` (trend_points=7).
"""

import math
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from cpmetrics import spc
from cpmetrics.cohort import ReferenceBand
from cpmetrics.series import monthly_series
from cpmetrics.spc import (
    COMMON_CAUSE,
    PACK_COLUMNS,
    POLARITY,
    _run,
    _trend,
    _two_of_three,
    band_disagreements,
    band_vs_limits,
    describe,
    measure_spc,
    monthly_values,
    phase_summary,
    xmr,
)
from helpers import history, plan

PTD = {"trend_points": 7}  # NHSRplotthedots' rule lengths: 7-point trend, 7-point run


def monthly(values, start="2017-10-31"):
    return pd.Series(values, index=pd.date_range(start, periods=len(values), freq="ME"),
                     dtype="float64")


def rules(spc):
    return list(spc["rule"])


# --- limits worked out by hand --------------------------------------------------------------

def test_ten_points_centre_limits_and_two_thirds_zone_by_hand():
    # mean 120/10 = 12; moving ranges 2,1,2,1,2,3,1,1,1 sum 14, mean 14/9 (none above 3.267x)
    spc = xmr(monthly([10, 12, 11, 13, 12, 14, 11, 12, 13, 12]))
    assert list(spc.columns[:6]) == list(PACK_COLUMNS)
    row = spc.iloc[0]
    assert row["centre"] == pytest.approx(12)
    assert row["upper"] == pytest.approx(12 + 2.66 * 14 / 9)  # 16.138
    assert row["lower"] == pytest.approx(12 - 2.66 * 14 / 9)  # 7.862
    assert row["near_upper"] == pytest.approx(12 + 2 / 3 * 2.66 * 14 / 9)  # 14.759
    assert row["near_lower"] == pytest.approx(12 - 2 / 3 * 2.66 * 14 / 9)
    assert list(spc["signal"]) == [""] * 10
    assert list(spc["month_end"].dt.strftime("%Y-%m-%d"))[:2] == ["2017-10-31", "2017-11-30"]
    assert set(spc["phase"]) == {1} and set(spc["baseline_points"]) == {10}
    assert describe(spc.iloc[0]) == COMMON_CAUSE == "common cause variation"


def test_a_large_moving_range_is_screened_out_before_the_limits():
    # 5,6,5,6,5,20,5,6,5,6: mean 69/10 = 6.9; moving ranges 1,1,1,1,15,15,1,1,1, mean 37/9 =
    # 4.11; 15 > 3.267 x 4.11 = 13.4, so both 15s go: mean moving range 7/7 = 1
    values = [5, 6, 5, 6, 5, 20, 5, 6, 5, 6]
    spc = xmr(monthly(values), "lower is better")
    assert (spc["centre"][0], spc["lower"][0], spc["upper"][0]) == pytest.approx(
        (6.9, 6.9 - 2.66, 6.9 + 2.66))
    # 20 is above 9.56; each 5 is below 6.9 - 2/3 x 2.66 = 5.127 (close to the lower limit),
    # and every 5 and 6 is below the mean, so 5,_,5 in any three in a row is two of three
    assert rules(spc) == ["two_of_three", "", "two_of_three", "", "two_of_three",
                          "outside_limits", "two_of_three", "", "two_of_three", ""]
    assert spc["signal"][5] == "special cause, concerning"  # lower is better, 20 is high
    assert spc["signal"][0] == "special cause, improving"
    assert spc["reason"][0] == "two of three months close to the lower limit"
    assert describe(spc.iloc[5]) == ("special cause, concerning: a month above the process "
                                     "limits")
    # unscreened the limits are 6.9 +/- 2.66 x 37/9 = -4.04 to 17.84: only 20 signals
    wide = xmr(monthly(values), "lower is better", screen_outliers=False)
    assert wide["upper"][0] == pytest.approx(6.9 + 2.66 * 37 / 9)
    assert rules(wide) == [""] * 5 + ["outside_limits"] + [""] * 4


# --- each rule, breaking and not --------------------------------------------------------

def test_a_point_outside_the_limits_and_one_just_inside():
    # 10,12 x 4, 10, then 19: mean 117/10 = 11.7; moving ranges eight 2s and 9, mean 25/9;
    # 9 < 3.267 x 25/9 = 9.075 stays; upper 11.7 + 2.66 x 25/9 = 19.09: 19 is inside
    inside = xmr(monthly([10, 12] * 4 + [10, 19]), "higher is better")
    assert inside["upper"][0] == pytest.approx(11.7 + 2.66 * 25 / 9)
    assert list(inside["signal"]) == [""] * 10
    # ... then 20: mean 11.8; moving range 10 > 3.267 x 26/9 = 9.44 is screened: mean 16/8 = 2,
    # upper 11.8 + 5.32 = 17.12, and 20 is above it
    above = xmr(monthly([10, 12] * 4 + [10, 20]), "higher is better")
    assert above["upper"][0] == pytest.approx(11.8 + 2.66 * 2)
    assert rules(above) == [""] * 9 + ["outside_limits"]
    assert above["signal"][9] == "special cause, improving"
    assert above["direction"][9] == "higher"


def test_seven_in_a_row_on_one_side_of_the_mean_but_not_six():
    # 4,5 x 3, 4 then 6,7 x 3, 6: mean 76/14 = 5.43; moving ranges 1 (x12) and 2, mean 14/13;
    # limits 5.43 +/- 2.86, nothing close to them; 7 below then 7 above
    seven = xmr(monthly([4, 5] * 3 + [4] + [6, 7] * 3 + [6]), "lower is better")
    assert seven["centre"][0] == pytest.approx(76 / 14)
    assert seven["upper"][0] == pytest.approx(76 / 14 + 2.66 * 14 / 13)
    assert rules(seven) == ["run"] * 14
    assert list(seven["signal"]) == ["special cause, improving"] * 7 + [
        "special cause, concerning"] * 7
    assert seven["reason"][0] == "7 or more months in a row below the average"
    six = xmr(monthly([4, 5] * 3 + [6, 7] * 3), "lower is better")  # mean 5.5, 6 each side
    assert list(six["signal"]) == [""] * 12


def test_six_points_rising_is_a_trend_as_metrics_md_has_it_but_not_under_seven():
    # 10,14,10,14 then 10..15 rising, 10,14: mean 147/12 = 12.25, mean moving range 30/11,
    # limits 12.25 +/- 7.25 and the close zone beyond +/- 4.84: no value reaches it
    values = [10, 14, 10, 14, 10, 11, 12, 13, 14, 15, 10, 14]
    spc = xmr(monthly(values), "higher is better")
    assert spc["upper"][0] == pytest.approx(12.25 + 2.66 * 30 / 11)
    assert rules(spc) == [""] * 4 + ["trend"] * 6 + [""] * 2
    assert set(spc["signal"][4:10]) == {"special cause, improving"}
    assert spc["reason"][4] == "6 or more months in a row rising"
    assert list(xmr(monthly(values), "higher is better", **PTD)["signal"]) == [""] * 12
    falling = xmr(monthly(values[::-1]), "higher is better")
    assert rules(falling) == [""] * 2 + ["trend"] * 6 + [""] * 4
    assert set(falling["signal"][2:8]) == {"special cause, concerning"}
    assert falling["direction"][2] == "lower"


def test_two_of_three_close_to_a_limit_on_one_side():
    # 1,-1 alternating, 16 points, with the 14th and 15th set to 5.5: mean 11/16 = 0.6875;
    # moving ranges twelve 2s, 4.5, 0, 6.5: mean 35/15; upper 0.6875 + 2.66 x 35/15 = 6.894,
    # close beyond 0.6875 + 2/3 x 2.66 x 35/15 = 4.825; (1, 5.5, 5.5) all above the mean
    values = [1, -1] * 8
    values[13] = values[14] = 5.5
    spc = xmr(monthly(values), "neither")
    assert spc["near_upper"][0] == pytest.approx(11 / 16 + 2 / 3 * 2.66 * 35 / 15)
    assert rules(spc) == [""] * 13 + ["two_of_three"] * 2 + [""]
    assert spc["signal"][13] == "special cause, neither"
    assert spc["direction"][13] == "higher"
    # one close point alone is common cause
    values[14] = 1
    assert list(xmr(monthly(values))["signal"]) == [""] * 16


def test_rule_helpers_on_nhsrplotthedots_unit_cases():
    # tests/testthat/test-ptd_calculate_point_type.R: the flags its helpers give, combined
    # with ptd_part_of_seven_trend / ptd_part_of_two_in_three as ptd_special_cause_type does
    assert not _run(np.array([1] * 6), 7).any()
    assert not _run(np.array([1] * 6 + [-1]), 7).any()
    assert list(_run(np.array([1] * 8 + [-1]), 7)) == [True] * 8 + [False]
    assert list(_run(np.array([-1] * 8 + [1]), 7)) == [True] * 8 + [False]
    assert list(_trend(np.arange(1.0, 7), 7)) == [0] * 6
    assert list(_trend(np.array([1, 2, 3, 3, 4, 5, 6.0]), 7)) == [0] * 7  # a repeat breaks it
    assert list(_trend(np.arange(1.0, 8), 7)) == [1] * 7
    assert list(_trend(np.array([2, 1, 2, 3, 4, 5, 6, 7, 3.0]), 7)) == [0] + [1] * 7 + [0]
    assert list(_trend(np.arange(7.0, 0, -1), 7)) == [-1] * 7
    assert list(_trend(np.array([2, 7, 6, 5, 4, 3, 2, 1, 3.0]), 7)) == [0] + [-1] * 7 + [0]
    same = np.ones(7, dtype="int64")
    for close, flagged in (([1, 0, 1], [1, 0, 1]), ([0, 1, 1], [0, 1, 1]),
                           ([1, 1, 0], [1, 1, 0]), ([0, 0, 1, 0, 1, 0, 0], [0, 0, 1, 0, 1, 0, 0]),
                           ([0, 0, 1, 1, 0, 0, 0], [0, 0, 1, 1, 0, 0, 0]),
                           ([1, 0, 0, 1], [0, 0, 0, 0]), ([1, 0, 0, 1, 1], [0, 0, 0, 1, 1])):
        c = np.array(close, dtype=bool)
        assert list(_two_of_three(c, same[:len(c)])) == [bool(f) for f in flagged]
    # "...when points are on opposite sides of the mean": never
    for close, rel in (([1, 0, 1], [1, -1, 1]), ([0, 1, 1], [1, -1, 1]),
                       ([1, 1, 0], [1, -1, 1]),
                       ([0, 0, 1, 0, 1, 0, 0], [1, -1, 1, -1, 1, -1, 1]),
                       ([0, 0, 1, 1, 0, 0, 0], [-1, 1, -1, 1, -1, 1, -1])):
        assert not _two_of_three(np.array(close, dtype=bool), np.array(rel)).any()


def test_a_point_on_the_mean_or_missing_breaks_a_run():
    assert not _run(np.array([1, 1, 1, 0, 1, 1, 1]), 7).any()
    spc = xmr(monthly([4, 5, 4, 5, 4, 5, 4, None, 6, 7, 6, 7, 6, 7, 6]))
    assert spc["value"].isna().sum() == 1
    assert spc["baseline_points"][0] == 14  # the missing month is not in the mean
    assert rules(spc) == ["run"] * 7 + [""] + ["run"] * 7
    assert describe(spc.iloc[7]) == "no value this month"


def test_rules_take_precedence_outside_then_trend_then_two_of_three_then_run():
    # NHSRplotthedots issue #167: 0..7 rising, every point special cause. Mean 3.5, limits
    # 3.5 +/- 2.66: 0 and 7 are outside (and in the trend); outside wins
    spc = xmr(monthly(range(8)), "higher is better", **PTD)
    assert rules(spc) == ["outside_limits"] + ["trend"] * 6 + ["outside_limits"]
    assert spc["signal"][0] == "special cause, concerning"  # below the lower limit
    assert set(spc["signal"][1:]) == {"special cause, improving"}
    down = xmr(monthly([-v for v in range(8)]), "higher is better", **PTD)
    assert rules(down) == ["outside_limits"] + ["trend"] * 6 + ["outside_limits"]
    assert set(down["signal"][1:7]) == {"special cause, concerning"}


def test_a_trend_point_takes_its_own_trend_direction():
    # 1..7 rising, then 0..6 rising: 7 ends the first trend and the step down to 0 is in
    # no trend, so 7 is rising. (NHSRplotthedots labels it from the step after it, which
    # is down: "7 Point Trend (Decreasing)"; we do not follow it there.)
    assert list(_trend(np.array(list(range(1, 8)) + list(range(7)), dtype=float), 7)) == \
        [1] * 14
    # a peak shared by a rising and a falling trend takes the later one, as NHSRplotthedots
    assert list(_trend(np.array([1, 2, 3, 4, 5, 6, 7, 6, 5, 4, 3, 2, 1.0]), 7)) == \
        [1] * 6 + [-1] * 7


# --- rebasing at practice changes -------------------------------------------------------

CHANGE = {"date": "2018-06-01", "label": "Restorative conferences"}
PHASED = [6, 10, 6, 10, 12, 14, 12, 14, 24, 22, 24, 16, 18, 16, 18, 16]


def test_a_practice_change_rebases_each_phase_by_hand():
    spc = xmr(monthly(PHASED), "lower is better", practice_changes=[CHANGE])
    first, second = spc[spc["phase"] == 1], spc[spc["phase"] == 2]
    assert list(first["month_end"].dt.strftime("%Y-%m"))[-1] == "2018-05"
    assert second["month_end"].iloc[0] == pd.Timestamp("2018-06-30")
    # before: mean 84/8 = 10.5, moving ranges 4,4,4,2,2,2,2 mean 20/7
    assert (first["centre"].iloc[0], first["upper"].iloc[0]) == pytest.approx(
        (10.5, 10.5 + 2.66 * 20 / 7))
    # since: mean 154/8 = 19.25, moving ranges 2,2,8,2,2,2,2 mean 20/7 (8 < 3.267 x 20/7)
    assert (second["centre"].iloc[0], second["lower"].iloc[0]) == pytest.approx(
        (19.25, 19.25 - 2.66 * 20 / 7))
    assert list(second["change"].unique()) == ["Restorative conferences (1 June 2018)"]
    assert first["change"].iloc[0] == ""
    # against each phase's own mean the last 4 before and the first 3 since are above: 7 in a
    # row if a run crossed the boundary; it does not, and nothing signals
    assert list(spc["signal"]) == [""] * 16
    # one chart over both phases: mean 238/16 = 14.875 and signals everywhere
    assert xmr(monthly(PHASED))["centre"][0] == pytest.approx(14.875)
    assert (xmr(monthly(PHASED))["signal"] != "").all()


def test_a_change_in_the_last_month_is_too_early_to_set_limits():
    spc = xmr(monthly([10, 12, 11, 13, 12, 14, 11, 12, 13, 12]),
              practice_changes=[{"date": "2018-07-01", "label": "Restorative conferences"}])
    last = spc.iloc[-1]
    assert (last["phase"], last["value"], last["centre"]) == (2, 12, 12)
    assert math.isnan(last["upper"]) and last["signal"] == ""
    summary = phase_summary(spc)
    assert list(summary["months"]) == [9, 1]
    assert summary["note"][1] == ("1 month since Restorative conferences (1 July 2018): too few "
                                  "to set process limits; the page cannot yet say whether "
                                  "anything has changed")
    assert summary["note"][0] == "trial limits: they rest on 9 months and will move as months " \
        "are added"
    assert band_vs_limits(spc, ReferenceBand(12, 10)).startswith("1 month since Restorative")
    # every month is below 18 to 22, but the last, without limits, is not judged
    assert len(band_disagreements(spc, ReferenceBand(20, 10))) == 9


def test_months_that_do_not_vary_have_no_limits_as_in_nhsrplotthedots():
    # every moving range 0: none is below 3.267 x 0, all are screened out, no limits
    spc = xmr(monthly([5, 5, 5, 5, 5, 6]), fix_after_n_points=5)
    assert math.isnan(spc["upper"][0]) and list(spc["signal"]) == [""] * 6
    assert phase_summary(spc)["note"][0] == ("the 5 baseline months do not vary: no process "
                                             "limits can be set")
    # unscreened the limits close on the mean, and 6 is outside them
    flat = xmr(monthly([5, 5, 5, 5, 5, 6]), fix_after_n_points=5, screen_outliers=False)
    assert (flat["lower"][0], flat["upper"][0]) == (5, 5)
    assert rules(flat) == [""] * 5 + ["outside_limits"]


def test_changes_before_or_after_the_chart_open_no_phase():
    spc = xmr(monthly([10, 12, 11, 13]), practice_changes=["2017-01-01", "2020-01-01"])
    assert set(spc["phase"]) == {1}
    assert spc["change"][0] == "practice change, 1 January 2017"


def test_fix_after_n_points_takes_the_baseline_from_the_first_months():
    # the first 6 of 10: mean 72/6 = 12, moving ranges 2,1,2,1,2 mean 8/5
    spc = xmr(monthly([10, 12, 11, 13, 12, 14, 20, 21, 22, 23]), fix_after_n_points=6)
    assert (spc["centre"][0], spc["upper"][0]) == pytest.approx((12, 12 + 2.66 * 8 / 5))
    assert list(spc["in_baseline"]) == [True] * 6 + [False] * 4
    assert rules(spc)[6:] == ["outside_limits"] * 4  # 20+ above 16.256


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match="polarity 'up'"):
        xmr(monthly([1, 2]), "up")
    with pytest.raises(ValueError, match="ascending"):
        xmr(monthly([1, 2]).iloc[::-1])
    with pytest.raises(ValueError, match="trend_points"):
        xmr(monthly([1, 2]), trend_points=1)
    with pytest.raises(ValueError, match="has no date"):
        xmr(monthly([1, 2]), practice_changes=[{"label": "Restorative conferences"}])
    with pytest.raises(ValueError, match="month end"):
        xmr(pd.Series([1.0, 2.0]))


# --- NHSRplotthedots' published cases --------------------------------------------------

# R: set.seed(123); rnorm(20). The values R prints; that they are R's is checked by the
# snapshot below, which they reproduce to its 7 significant figures.
RNORM_123 = [-0.56047565, -0.23017749, 1.55870831, 0.07050839, 0.12928774, 1.71506499,
             0.46091621, -1.26506123, -0.68685285, -0.44566197, 1.22408180, 0.35981383,
             0.40077145, 0.11068272, -0.55584113, 1.78691314, 0.49785048, -1.96661716,
             0.70135590, -0.47279141]


def daily(values):
    return pd.Series(values, index=pd.date_range("2020-01-02", periods=len(values)),
                     dtype="float64")


def test_ptd_spc_standard_snapshots():
    # tests/testthat/_snaps/ptd_spc_standard.md, "it returns expected values": r1 as is
    r1 = xmr(daily(RNORM_123), "higher is better", **PTD)
    assert (r1["centre"][0], r1["lower"][0], r1["upper"][0]) == pytest.approx(
        (0.1416238, -3.01138, 3.294627), abs=5e-7)
    rel = [-1, -1, 1, -1, -1, 1, 1, -1, -1, -1, 1, 1, 1, -1, -1]  # as far as the snapshot shows
    assert list(np.sign(r1["value"] - r1["centre"])[:15]) == rel
    # r2: y[15] <- 10, outliers screened; r3: not screened
    y = list(RNORM_123)
    y[14] = 10
    r2 = xmr(daily(y), "higher is better", **PTD)
    assert (r2["centre"][0], r2["lower"][0], r2["upper"][0]) == pytest.approx(
        (0.6694159, -2.383666, 3.722497), abs=5e-7)
    assert list(np.sign(r2["value"] - r2["centre"])[:14]) == [
        -1, -1, 1, -1, -1, 1, -1, -1, -1, -1, 1, -1, -1, -1]
    r3 = xmr(daily(y), "higher is better", screen_outliers=False, **PTD)
    assert (r3["lower"][0], r3["upper"][0]) == pytest.approx((-4.596625, 5.935457), abs=5e-7)


def test_ptd_spc_summary_snapshots():
    # tests/testthat/_snaps/ptd_spc.md, "it outputs expected content": the 20 points, all
    # common cause; then faceted into the first and last 10 (two groups computed apart, as
    # a rebase at the 11th point does)
    whole = phase_summary(xmr(daily(RNORM_123), "higher is better", **PTD))
    assert list(whole[["months", "common_cause", "improving", "concerning"]].iloc[0]) == [
        20, 20, 0, 0]
    assert (round(whole["centre"][0], 3), round(whole["lower"][0], 2),
            round(whole["upper"][0], 2)) == (0.142, -3.01, 3.29)
    split = phase_summary(xmr(daily(RNORM_123), "higher is better",
                              practice_changes=["2020-01-12"], **PTD))
    assert list(split["months"]) == [10, 10] and list(split["common_cause"]) == [10, 10]
    assert [round(v, 4) for v in split["centre"]] == [0.0746, 0.2086]  # printed 0.0746, 0.209
    assert [round(v, 2) for v in split["lower"]] == [-2.60, -3.28]
    assert [round(v, 2) for v in split["upper"]] == [2.75, 3.70]
    # metrics.md's 6-point trend finds nothing more in these 20 points
    assert (xmr(daily(RNORM_123))["signal"] == "").all()


def test_ptd_deviations_vignette_screened_and_excel_limits():
    # vignettes/deviations.Rmd, "Treatment of outlying points": UPL 4.6, mean 1.94, LPL -0.72
    # screened (the default); 6.95, 1.94, -3.06 as the Making Data Count Excel tool has it
    data = [1, 2, 1, 2, 10, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1]
    s = pd.Series(data, index=pd.date_range("2021-03-22", periods=18), dtype="float64")
    spc = xmr(s, "higher is better", **PTD)
    assert [round(spc[c][0], 2) for c in ("upper", "centre", "lower")] == [4.6, 1.94, -0.72]
    # "four grey common cause points followed by a single blue special cause improvement
    # point followed by" common cause points (13 of them; the alt text says 12)
    assert list(spc["signal"]) == [""] * 4 + ["special cause, improving"] + [""] * 13
    excel = xmr(s, "higher is better", screen_outliers=False, **PTD)
    assert [round(excel[c][0], 2) for c in ("upper", "centre", "lower")] == [6.95, 1.94, -3.06]
    assert list(excel["signal"]) == [""] * 4 + ["special cause, improving"] + [""] * 13


def test_ptd_two_in_three_only_on_one_side_of_the_mean():
    # tests/testthat/test-ptd_spc_standard.R: 1,-1 x 8 with the 15th 5.5 and the 16th -5.5,
    # both close to a limit but on opposite sides: both common cause
    data = [1, -1] * 8
    data[14], data[15] = 5.5, -5.5
    spc = xmr(daily(data), "higher is better", **PTD)
    assert list(spc["signal"][-2:]) == ["", ""]
    # by hand: mean 0; moving ranges thirteen 2s, 6.5, 11: mean 43.5/15 = 2.9, and 11 > 9.47
    # is screened: 32.5/14; both 5.5s are beyond 2/3 of the way to a limit, inside it
    near, limit = 2 / 3 * 2.66 * 32.5 / 14, 2.66 * 32.5 / 14
    assert spc["upper"][0] == pytest.approx(limit)
    assert near < 5.5 < limit


# --- the band and SPC --------------------------------------------------------------------

def test_where_the_band_and_spc_disagree():
    # 250 +/- 4% is 240 to 260. 6 months: mean 1500/6 = 250, moving ranges 12,15,9,14,25 mean
    # 75/5 = 15, limits 250 +/- 39.9: 238 and 263 are outside the band but common cause
    spc = xmr(monthly([246, 258, 243, 252, 238, 263]), "neither")
    band = ReferenceBand(250, 4)
    d = band_disagreements(spc, band)
    assert list(d["month_end"].dt.strftime("%Y-%m")) == ["2018-02", "2018-03"]
    assert list(d["band"]) == ["below", "above"]
    assert d["finding"][1] == ("above the band (240 to 260) but common cause variation: within "
                               "the process limits (210.1 to 289.9), a month like this comes "
                               "by chance; it is not a sign of change")
    assert band_vs_limits(spc, band) == (
        "The process limits (210.1 to 289.9) reach beyond the band (240 to 260): months will "
        "fall outside the band from time to time by chance alone, so a month outside the band "
        "is not by itself a sign of change.")


def test_a_special_cause_month_inside_the_band():
    # 7 months at 251-259 after 7 at 241-249: a run above the mean, all inside the band
    spc = xmr(monthly([241, 249, 241, 249, 241, 249, 241, 251, 259, 251, 259, 251, 259, 251]))
    d = band_disagreements(spc, ReferenceBand(250, 4))
    assert len(d) == 14 and set(d["band"]) == {"within"}
    assert d["finding"][7] == ("within the band (240 to 260) but special cause, neither (7 or "
                               "more months in a row above the average): the data show a "
                               "change the band does not")


def test_limits_inside_or_outside_the_band():
    tight = xmr(monthly([249, 251] * 6))  # mean 250, limits 250 +/- 5.32
    assert band_vs_limits(tight, ReferenceBand(250, 4)).startswith(
        "The process limits (244.7 to 255.3) lie inside the band (240 to 260)")
    high = xmr(monthly([279, 281] * 6))
    assert "lie wholly above the band" in band_vs_limits(high, ReferenceBand(250, 4))


# --- the measures ------------------------------------------------------------------------

def test_measures_from_the_monthly_series_with_their_polarity():
    # A: Jan 2018 (first plan); B: Jan 2018 (second: NumberOfPreviousCPP 1); C: Feb 2018 (first);
    # no starts in March
    t = history(plan("A", "2018-01-10"), plan("B", "2018-01-20", previous=1),
                plan("C", "2018-02-05", end="2018-03-15"))
    s = monthly_series(t.plans, "2018-01-31", "2018-03-31")
    assert list(monthly_values(s, "on_plan")) == [2, 3, 2]
    assert list(monthly_values(s, "starts")) == [2, 1, 0]
    share = monthly_values(s, "replan_share")
    assert list(share[:2]) == [50, 0] and math.isnan(share.iloc[2])  # no starts: no share
    assert POLARITY == {"on_plan": "neither", "starts": "neither",
                        "replan_share": "lower is better",
                        "icpc_within_15_days": "higher is better"}
    spc = measure_spc(s, "on_plan")
    assert spc["centre"][0] == pytest.approx(7 / 3)
    with pytest.raises(ValueError, match="no monthly series for 'icpc_within_15_days'"):
        monthly_values(s, "icpc_within_15_days")


# --- a data set's months on a page ---------------------------------------------------------------

def test_a_data_sets_months_split_at_a_practice_change_and_kept_in_a_pack():
    from cpmetrics.disclosure import suppress_table
    from cpmetrics.spc import DISCLOSURE, pack_table
    from cpmetrics.spc import monthly as chart

    # each month Jan-Jun 2018: plans start on the 1st (re-plan), the 2nd, and in Jan-Mar the
    # 3rd to the 8th too. No data before 1 January 2018: collection year 2018 begins 1 April
    # 2017, so the chart runs from April 2017, with no plans until January
    rows = []
    for m in pd.date_range("2018-01-01", "2018-06-01", freq="MS"):
        days = range(1, 9) if m.month <= 3 else range(1, 3)
        rows += [plan(f"{m:%m}{d}", f"{m:%Y-%m}-{d:02d}", previous=1 if d == 1 else 0)
                 for d in days]
    t = history(*rows)
    change = {"date": "2018-04-01", "label": "Restorative conferences"}
    spc = chart(t, "2018-06-30", "replan_share", practice_changes=[change])
    # 24 months to June 2018 would begin in July 2016: the data begin on 1 April 2017
    assert spc["month_end"].iloc[0] == pd.Timestamp("2017-04-30") and len(spc) == 15
    # Jan-Mar: 1 of 8 each (12.5%); Apr-Jun: 1 of 2 (50%); months with no starts, no share
    assert list(spc["of"].iloc[-6:]) == [8, 8, 8, 2, 2, 2]
    assert list(spc["n"].iloc[-6:]) == [1] * 6
    assert list(spc["value"].iloc[-6:]) == [12.5] * 3 + [50.0] * 3
    assert spc["value"].iloc[:9].isna().all()
    assert list(spc["phase"].iloc[-4:]) == [1, 2, 2, 2]
    assert spc["centre"].iloc[-1] == 50.0 and spc["change"].iloc[-1] == (
        "Restorative conferences (1 April 2018)")
    table = pack_table(spc)
    assert list(table.columns) == ["month_end", "n", "of", "value", "centre", "lower", "upper",
                                   "signal"]
    safe = suppress_table(table, 5, **DISCLOSURE["replan_share"])
    assert (safe["n"].iloc[-1], safe["value"].iloc[-1], safe["centre"].iloc[-1],
            safe["upper"].iloc[-1]) == ("<5", "[c]", "[c]", "[c]")

    on_plan = chart(t, "2018-06-30", "on_plan", practice_changes=[change])
    kept = pack_table(on_plan)
    assert tuple(kept.columns) == PACK_COLUMNS  # tables/01_spc.csv's columns, exactly
    assert str(kept["value"].dtype) == "Int64" and list(kept["value"].iloc[-4:]) == [24, 26, 28, 30]
    assert set(kept["signal"]) <= {"", *on_plan["signal"]}
    safe = suppress_table(kept, 5, **DISCLOSURE["on_plan"])
    assert safe["value"].iloc[0] == 0 and safe["value"].iloc[-1] == 30


def test_what_a_page_says_of_an_spc_chart():
    from cpmetrics.spc import reading

    spc = xmr(monthly([10, 12, 11, 13, 12, 14, 11, 12, 13, 12]))
    spc.attrs["measure"] = "starts"
    assert reading(spc) == [
        "From October 2017 to July 2018, the number of plans started in the month averaged 12.0 "
        "plans, with process limits 7.9 to 16.1 plans. Every month is common cause variation: "
        "nothing in these 10 months is a sign that the process changed. These are trial limits: "
        "they rest on 10 months and will move as months are added.",
        "The latest month, July 2018, is common cause variation."]
    late = xmr(monthly([10, 12, 11, 13, 12, 14, 11, 12, 13, 12]), "lower is better",
               practice_changes=[{"date": "2018-07-01", "label": "Restorative conferences"}])
    late.attrs["measure"] = "replan_share"
    said = reading(late)
    assert said[1] == ("Since Restorative conferences (1 July 2018): one month so far (July "
                       "2018), too few to set process limits; the chart cannot yet say whether "
                       "anything has changed.")
    assert said[2] == "The latest month, July 2018, cannot be judged yet: its phase has no " \
        "process limits."
    # 5, 6, 5, 6, 5, 20, ... (screened): one month above, four improving two-of-three months
    shares = xmr(monthly([5, 6, 5, 6, 5, 20, 5, 6, 5, 6] * 2), "lower is better")
    shares.attrs["measure"] = "replan_share"
    first = reading(shares)[0]
    assert "show special cause variation:" in first and "concerning (lower is better)" in first


def test_a_page_says_where_the_band_and_spc_disagree():
    from cpmetrics.spc import band_reading

    # the run above the average inside the band (test_a_special_cause_month_inside_the_band)
    spc = xmr(monthly([241, 249, 241, 249, 241, 249, 241, 251, 259, 251, 259, 251, 259, 251]))
    said = band_reading(spc, ReferenceBand(250, 4))
    assert said[1].startswith("The band and SPC disagree in 14 of the 14 months with process "
                              "limits: 14 months within the band are special cause variation "
                              "(October 2017, November 2017,")
    assert said[1].endswith("the data show a change the band does not.")
    # 238 and 263 outside the band but common cause (test_where_the_band_and_spc_disagree)
    spc = xmr(monthly([246, 258, 243, 252, 238, 263]), "neither")
    said = band_reading(spc, ReferenceBand(250, 4))
    assert said[0].startswith("The process limits (210.1 to 289.9) reach beyond the band")
    assert said[1] == (
        "The band and SPC disagree in two of the 6 months with process limits: two months "
        "outside the band (240 to 260) are common cause variation (February 2018, March 2018): "
        "within the process limits, such months come by chance and are not a sign of change.")
    tight = xmr(monthly([249, 251] * 6))
    assert band_reading(tight, ReferenceBand(250, 4))[1].startswith(
        "The band and SPC agree in every one of the 12 months")


def test_conferences_within_15_working_days_month_by_month_on_an_xmr_chart():
    """Each month's share is its conferences within 15 working days over those held (the
    pathway measure), the centre their mean; a source with no section 47 data says so."""
    from cpmetrics import charts
    from cpmetrics.paths import data_path
    from cpmetrics.pathway import conferences_on_time_by_month
    from cpmetrics.sources import load
    from cpmetrics.unavailable import NotAvailable

    tables = load(data_path("data/synthetic"))
    chart = spc.monthly(tables, "2018-09-30", "icpc_within_15_days")
    by_month = conferences_on_time_by_month(tables, "2018-09-30", months=24)
    assert len(chart) == 24 and list(chart["n"]) == list(by_month["n"])
    shares = 100 * by_month["n"].astype(float) / by_month["of"].astype(float)
    assert np.allclose(chart["value"].to_numpy(), shares.to_numpy())
    assert chart["centre"].iloc[0] == pytest.approx(shares.mean())
    assert list(spc.pack_table(chart).columns) == ["month_end", "n", "of", "value", "centre",
                                                    "lower", "upper", "signal"]
    no_s47 = replace(tables, section47=None)
    missing = spc.monthly(no_s47, "2018-09-30", "icpc_within_15_days")
    assert isinstance(missing, NotAvailable)
    assert spc.pack_table(missing) is missing and spc.reading(missing) is missing
    assert charts.spc_chart(missing, threshold=5) == (missing, missing.sentence())
