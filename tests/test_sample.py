"""The committed sample (data/sample) against the figures worked out by hand in its README."""

import json
import subprocess
import sys
from pathlib import Path

from cpmetrics.measures import headline
from cpmetrics.periods import Period
from cpmetrics.series import monthly_series
from cpmetrics.sources import load

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample"

EXPECTED_2018 = {
    "on_plan": 4,
    "on_plan_second_or_subsequent": {"n": 3, "of": 4, "pct": 75.0},
    "on_plan_2y_plus": {"n": 1, "of": 4, "pct": 25.0},
    "starts": 6,
    "starts_second_or_subsequent": {"n": 2, "of": 6, "pct": 100 * 2 / 6},
    "ended": 5,
    "ended_2y_plus": {"n": 1, "of": 5, "pct": 20.0},
    "starts_dv": {"n": 2, "of": 6, "pct": 100 * 2 / 6},
    "starts_by_initial_category": {"NEG": 1, "EMO": 1, "PHY": 2, "SAB": 0, "MUL": 2},
    "on_plan_by_duration": {
        "3 months or less": 1,  # SAMPLE07, 59 days
        "more than 3 months, up to 6 months": 1,  # SAMPLE06, 151 days
        "more than 6 months, less than 1 year": 1,  # SAMPLE02, 363 days
        "1 year, less than 2 years": 0,
        "2 years or more": 1,  # SAMPLE08
    },
    "ended_by_duration": {
        "3 months or less": 0,
        "more than 3 months, up to 6 months": 3,  # SAMPLE03/04 168 days, SAMPLE06 93 days
        "more than 6 months, less than 1 year": 0,
        "1 year, less than 2 years": 1,  # SAMPLE01, 417 days
        "2 years or more": 1,  # SAMPLE05, 730 days
    },
}


def test_sample_measures_at_31_march_2018():
    got = headline(load(SAMPLE), Period.ending("2018-03-31"))
    for key, value in EXPECTED_2018.items():
        assert got[key] == value, key
    # the sample records no conferences, disabilities or UPNs: DfE's rules 2883 (once a year),
    # 2885 (each of the 7 plans started in 2016-17 or 2017-18), 8540 and 8770Q (each child
    # but the unborn SAMPLE07) say so; L07 is the disagreement SAMPLE06 is here for
    assert got["quality"] == {"read": 12, "loaded": 12, "rejected": 0, "merged": 3, "plans": 9,
                              "findings": {"2883": 2, "2885": 7, "8540": 7, "8770Q": 7, "L07": 1}}


def test_sample_at_31_march_2017():
    got = headline(load(SAMPLE), Period.ending("2017-03-31"))
    assert got["on_plan"] == 3  # SAMPLE01, 05, 08
    assert got["starts"] == 1  # SAMPLE01
    # SAMPLE08 from 2015-06-01 to 2017-03-31 is 670 days, SAMPLE05 from 2016-01-04 is 453 days
    assert got["on_plan_2y_plus"] == {"n": 0, "of": 3, "pct": 0.0}


def test_cli_metrics_prints_the_same_json():
    out = subprocess.run(
        [sys.executable, "-m", "cpmetrics", "metrics", "--data", str(SAMPLE),
         "--period-end", "2018-03-31"],
        capture_output=True, text=True, check=True,
    )
    got = json.loads(out.stdout)
    assert got["starts_second_or_subsequent"] == EXPECTED_2018["starts_second_or_subsequent"]
    assert got["period_start"] == "2017-04-01" and got["period_end"] == "2018-03-31"
    assert out.stderr == ""


def test_series_equals_point_measures_every_month():
    t = load(SAMPLE)
    s = monthly_series(t.plans, "2015-04-30", "2018-09-30")
    for month, row in s.iterrows():
        month_period = Period.ending(month, month.replace(day=1))
        h = headline(t, month_period)
        assert row["on_plan"] == h["on_plan"], month
        assert row["on_plan_second_or_subsequent"] == h["on_plan_second_or_subsequent"]["n"], month
        assert row["on_plan_2y_plus"] == h["on_plan_2y_plus"]["n"], month
        assert row["starts"] == h["starts"], month
        assert row["starts_second_or_subsequent"] == h["starts_second_or_subsequent"]["n"], month
        assert row["ended"] == h["ended"], month
        assert row["ended_2y_plus"] == h["ended_2y_plus"]["n"], month


def test_series_equals_point_measures_for_children_with_overlapping_plans():
    # A's two plans overlap (both open from 2017-09-01 to 2017-12-31); B's plans do not.
    # Each child counts once, on the later-started open plan (measures.current_plans).
    from helpers import history, plan

    t = history(plan("A", "2015-06-01", end="2017-12-31"), plan("A", "2017-09-01", previous=1),
                plan("B", "2016-01-01", end="2016-06-30"), plan("B", "2017-10-15"))
    assert t.plans["child_overlaps"].tolist() == [True, True, False, False]
    s = monthly_series(t.plans, "2017-06-30", "2018-03-31")
    for month, row in s.iterrows():
        h = headline(t, Period.ending(month, month.replace(day=1)))
        assert row["on_plan"] == h["on_plan"], month
        assert row["on_plan_second_or_subsequent"] == h["on_plan_second_or_subsequent"]["n"], month
        assert row["on_plan_2y_plus"] == h["on_plan_2y_plus"]["n"], month
    # at 30 Nov 2017 A is on its 2017 plan (a re-plan, 91 days) and B on its second plan
    assert s.loc["2017-11-30", ["on_plan", "on_plan_second_or_subsequent",
                                "on_plan_2y_plus"]].tolist() == [2, 2, 0]
    # at 31 Aug 2017 only A's first plan is open: 823 days on plan
    assert s.loc["2017-08-31", ["on_plan", "on_plan_2y_plus"]].tolist() == [1, 1]
