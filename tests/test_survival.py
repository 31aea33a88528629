"""Time to return and time on plan (Kaplan-Meier, censored at D), counted by hand."""

import math

import pandas as pd
import pytest
from cpmetrics import survival as sv
from cpmetrics.disclosure import HIDDEN, suppress_table
from cpmetrics.durations import BANDS, TWO_YEARS
from cpmetrics.paths import data_path
from cpmetrics.replans import GAP_BANDS
from cpmetrics.sources import load
from cpmetrics.stats import Z95
from helpers import assessment, history, plan

D = "2018-03-31"


def loglog(s: float, greenwood: float) -> tuple[float, float]:
    """The log-log 95% interval for S worked out from Greenwood's sum of d / (n (n - d))."""
    sd = math.sqrt(greenwood) / abs(math.log(s))
    return s ** math.exp(Z95 * sd), s ** math.exp(-Z95 * sd)


def row(table: pd.DataFrame, **where) -> pd.Series:
    hit = table
    for k, v in where.items():
        hit = hit[hit[k] == v]
    assert len(hit) == 1, where
    return hit.iloc[0]


# ---- months -------------------------------------------------------------------------------------

def test_a_month_is_365_12_days_so_horizons_fall_on_dfe_band_edges():
    assert sv.month_days(3) == 91.25
    # back within m months: at most 91, 182, 365, 730 days after the end, the gap bands' edges
    assert [sv.within_days(m) for m in (3, 6, 12, 24)] == [b for _, b in GAP_BANDS[:-1]]
    # still on the plan at m months: days on plan reach DfE's "more than 3 months" (92), "more
    # than 6 months" (183), "1 year" (365) and "2 years or more" (730)
    assert [sv.reach_days(m) for m in (3, 6, 12, 24)] == [b[1] for b in BANDS[1:]]
    assert sv.reach_days(24) == TWO_YEARS
    assert sv.reach_days(18) == 548  # 547.5 days, a year and a half of 365


def test_back_after_exactly_three_calendar_months_is_not_within_3_months():
    """1 August to 1 November is 3 calendar months but 92 days: not within 3 months (91 days);
    1 August to 31 October (91 days) is."""
    t = history(plan("A", "2017-01-02", end="2017-08-01"), plan("A", "2017-11-01"),
                plan("B", "2017-01-02", end="2017-08-01"), plan("B", "2017-10-31"))
    r = sv.return_times(t, D).set_index("child_id")
    assert list(r.loc[["A", "B"], "days"]) == [92, 91]
    table = sv.returns_table(t, D, months=(3, 6))
    three = row(table, group=sv.ALL, within="3 months")
    assert (three["returned"], three["pct"]) == (1, 50.0)  # B only
    assert row(table, group=sv.ALL, within="6 months")["pct"] == 100.0


# ---- returns on the hand-made sample ------------------------------------------------------------

@pytest.fixture(scope="module")
def sample():
    return load(data_path("data/sample"))


def test_returns_on_the_sample_match_a_hand_count(sample):
    """At 31 March 2018 five plans have ended (data/sample/README.md):

    plan ended            next plan    days                                   status
    SAMPLE01 2017-06-30   none         31 Mar 2018 - 30 Jun 2017 = 274        censored
    SAMPLE03 2018-02-15   none         13 + 31 = 44                           censored
    SAMPLE04 2018-02-15   none         44                                     censored
    SAMPLE05 2018-01-02   none         29 + 28 + 31 = 88                      censored
    SAMPLE06 2017-08-01   2017-11-01   31 + 30 + 31 = 92                      back on a plan

    Kaplan-Meier: the only return is at day 92, when 2 plans are still followed (92, 274), so
    S falls from 1 to 1 - 1/2 = 0.5. Back within 3 months (91 days): 0%, 2 still followed
    after it (92, 274); within 6 months (182 days): 50%, 1 event, 1 still followed (274);
    within 12 and 24 months: nobody followed 365 days (the longest is 274), so no figure.
    Interval at 6 months: Greenwood's sum 1 / (2 x 1) = 0.5.
    """
    r = sv.return_times(sample, D).set_index("child_id")
    assert r["days"].to_dict() == {"SAMPLE01": 274, "SAMPLE03": 44, "SAMPLE04": 44,
                                   "SAMPLE05": 88, "SAMPLE06": 92}
    assert r["returned"].to_dict() == {"SAMPLE01": False, "SAMPLE03": False, "SAMPLE04": False,
                                       "SAMPLE05": False, "SAMPLE06": True}
    table = sv.returns_table(sample, D)
    all_ = table[table["group"] == sv.ALL].set_index("within")
    assert list(all_["plans"]) == [5, 5, 5, 5]
    assert list(all_["returned"]) == [0, 1, 1, 1]
    assert list(all_["at_risk"]) == [2, 1, 0, 0]
    assert all_.loc["3 months", "pct"] == 0.0 and pd.isna(all_.loc["3 months", "ci_low"])
    assert all_.loc["6 months", "pct"] == 50.0
    lo, hi = loglog(0.5, 0.5)  # S between 0.0060 and 0.9104: back 9.0% to 99.4%
    assert all_.loc["6 months", "ci_low"] == pytest.approx(100 * (1 - hi))
    assert all_.loc["6 months", "ci_high"] == pytest.approx(100 * (1 - lo))
    assert round(all_.loc["6 months", "ci_low"], 1) == 9.0
    assert round(all_.loc["6 months", "ci_high"], 1) == 99.4
    assert all_.loc[["12 months", "24 months"], "pct"].isna().all()


def test_returns_on_the_sample_by_group(sample):
    """Domestic abuse: SAMPLE01's plan is linked to its 3A assessment (authorised 1 May 2016,
    before the plan started 10 May); SAMPLE03/04's 3C was authorised after their plans started,
    SAMPLE05 has no assessment, SAMPLE06's is 2A: not linked. Linked: 274 censored, 0% back
    within 6 months. Not linked: 44, 44, 88 censored, 92 back: at day 92 one plan is followed
    and it returns, so S = 0 and 100% are back within 6 months (and 12: the curve is at 0).
    Every ended plan lasted more than 3 months (SAMPLE06's shortest: 93 days)."""
    table = sv.returns_table(sample, D)
    linked = row(table, group=sv.DV_YES, within="6 months")
    assert (linked["plans"], linked["returned"], linked["pct"]) == (1, 0, 0.0)
    other = table[table["group"] == sv.DV_NO].set_index("within")
    assert list(other["plans"]) == [4] * 4
    assert list(other["pct"]) == [0.0, 100.0, 100.0, 100.0]
    assert row(table, group="Multiple", within="6 months")["pct"] == 100.0  # SAMPLE06
    assert row(table, group="Neglect", within="6 months")["pct"] == 0.0  # SAMPLE01, SAMPLE05
    assert pd.isna(row(table, group="Physical abuse", within="3 months")["pct"])  # 44 days only
    assert row(table, group=sv.SHORT, within="3 months")["plans"] == 0
    assert row(table, group=sv.LONGER, within="6 months")["pct"] == 50.0


def test_time_on_plan_on_the_sample_matches_a_hand_count(sample):
    """At 31 March 2018. The earliest end is 30 June 2017, so the data are taken to begin
    1 April 2017 and SAMPLE01, SAMPLE05, SAMPLE08 (started earlier) are left out. Days on plan
    (data/sample/README.md): SAMPLE02 363 open, SAMPLE03 168, SAMPLE04 168, SAMPLE06 93 and
    151 open, SAMPLE07 59 open.

    Sorted: 59+, 93, 151+, 168, 168, 363+. At 93 days 5 plans are at risk, 1 ends: S = 4/5;
    at 168, 3 at risk, 2 end: S = 4/5 x 1/3 = 0.2667. Still on the plan at 6 months (183 days
    or more): 26.7%, 3 ended before, 1 seen to reach it (363). At 12 months (365 days): nobody
    followed that long. Median: the first day S is below a half, 168.
    Greenwood's sum at 168: 1 / (5 x 4) + 2 / (3 x 1) = 0.7167.
    """
    t = sv.time_on_plan_table(sample.plans, D)
    assert t.attrs["since"] == pd.Timestamp("2017-04-01") and t.attrs["before_since"] == 3
    six = row(t, on_plan_at="6 months")
    assert (six["plans"], six["ended"], six["at_risk"]) == (6, 3, 1)
    assert six["pct"] == pytest.approx(100 * 4 / 5 * 1 / 3)
    lo, hi = loglog(4 / 15, 1 / 20 + 2 / 3)
    assert (six["ci_low"], six["ci_high"]) == (pytest.approx(100 * lo), pytest.approx(100 * hi))
    assert pd.isna(row(t, on_plan_at="12 months")["pct"])
    s = sv.time_on_plan_summary(sample.plans, D).iloc[0]
    assert (s["plans"], s["ended"], s["still_open"], s["median_days"]) == (6, 3, 3, 168)
    assert s["started"] == "1 April 2017 to 31 March 2018"


def test_time_on_plan_on_the_whole_sample(sample):
    """With every plan (since 2015): add SAMPLE01 417 days, SAMPLE05 730 (exactly two years),
    SAMPLE08 open since 1 June 2015: 1,035 days at 31 March 2018.

    Sorted: 59+, 93, 151+, 168, 168, 363+, 417, 730, 1035+. S: at 93, 8 at risk, 1 ends, 7/8;
    at 168, 6 at risk, 2 end, 7/8 x 4/6 = 0.5833; at 417, 3 at risk, 1 ends, x 2/3 = 0.3889;
    at 730, 2 at risk, 1 ends, x 1/2 = 0.1944. Still on the plan at 6 and 12 months: 58.3%;
    at 18 months (548 days) and 24 months (730 days, reached by SAMPLE05 on its last day):
    38.9%, with 2 seen to reach two years (730, 1035). Median 417.
    """
    t = sv.time_on_plan_table(sample.plans, D, since="2015-01-01").set_index("on_plan_at")
    assert list(t["plans"]) == [9] * 4
    assert list(t["ended"]) == [3, 3, 4, 4]
    assert list(t["at_risk"]) == [4, 3, 2, 2]
    assert list(t["pct"].round(4)) == [58.3333, 58.3333, 38.8889, 38.8889]
    assert sv.time_on_plan_summary(sample.plans, D, since="2015-01-01")["median_days"][0] == 417


# ---- hand-built histories -----------------------------------------------------------------------

def test_censoring_with_a_small_history():
    """Back on a plan 10, 30 and 40 days after the end; followed 48 and 20 days without a
    return (plans ended 11 February and 11 March 2018, D 31 March).

    Sorted 10, 20+, 30, 40, 48+. At 10: 5 at risk, 1 back: S = 4/5. At 30: 3 at risk (30,
    40, 48), 1 back: 4/5 x 2/3 = 8/15. At 40: 2 at risk, 1 back: x 1/2 = 4/15. Back within
    1 month (30 days): 1 - 8/15 = 46.7%; within 3 months: nobody followed 91 days, no figure."""
    t = history(
        plan("A", "2017-06-01", end="2017-12-01"), plan("A", "2017-12-11"),  # 10 days
        plan("B", "2017-06-01", end="2018-02-11"),  # followed 48 days
        plan("C", "2017-06-01", end="2017-11-01"), plan("C", "2017-12-01"),  # 30 days
        plan("E", "2017-06-01", end="2017-11-01"), plan("E", "2017-12-11"),  # 40 days
        plan("F", "2017-06-01", end="2018-03-11"),  # followed 20 days
    )
    r = sv.return_times(t, D).set_index("child_id")
    assert r["days"].to_dict() == {"A": 10, "B": 48, "C": 30, "E": 40, "F": 20}
    curve = sv.Curve(r["days"], r["returned"])
    assert curve.surviving(9) == 1.0
    assert curve.surviving(10) == pytest.approx(4 / 5)
    assert curve.surviving(35) == pytest.approx(8 / 15)
    assert curve.surviving(48) == pytest.approx(4 / 15)
    assert curve.surviving(49) is None  # beyond the longest follow-up (48 days)
    assert (curve.events_by(30), curve.at_risk_after(30)) == (2, 2)
    one = sv.returns_table(t, D, months=(1, 3))
    assert row(one, group=sv.ALL, within="1 month")["pct"] == pytest.approx(100 * 7 / 15)
    assert pd.isna(row(one, group=sv.ALL, within="3 months")["pct"])


def test_a_return_the_day_the_plan_ended_is_at_day_0():
    t = history(plan("A", "2017-01-02", end="2017-06-30"), plan("A", "2017-06-30"),
                plan("B", "2017-01-02", end="2017-06-30"))
    r = sv.return_times(t, D).set_index("child_id")
    assert (r.loc["A", "days"], r.loc["A", "returned"]) == (0, True)
    assert r.attrs["same_day"] == 1
    table = sv.returns_table(t, D, months=(0, 3))
    assert row(table, group=sv.ALL, within="0 months")["pct"] == 50.0


def test_a_plan_ending_while_the_child_is_on_another_is_left_out():
    """A's plans overlap: the first ends 31 Dec 2017 while the second (from 1 June) is open, so
    A did not come off a plan; the second ends 28 Feb 2018 and A is followed to D (31 days).
    C's two plans end the same day: one counts."""
    t = history(plan("A", "2017-01-02", end="2017-12-31"),
                plan("A", "2017-06-01", end="2018-02-28"),
                plan("C", "2017-01-02", end="2017-12-31"),
                plan("C", "2017-03-01", end="2017-12-31"), plan("C", "2018-01-10"))
    r = sv.return_times(t, D)
    assert r.attrs["overlapping"] == 2
    got = dict(zip(r["plan_id"], zip(r["days"], r["returned"], strict=True), strict=True))
    assert got == {"A|2017-06-01": (31, False), "C|2017-03-01": (10, True)}


def test_what_is_after_the_reporting_date_is_not_known():
    """At 31 March 2018 A's return on 1 May 2018 has not happened (censored at 274 days) and
    B's plan, ending 30 April 2018, is open; at 30 June both are known."""
    t = history(plan("A", "2017-01-02", end="2017-06-30"), plan("A", "2018-05-01"),
                plan("B", "2017-06-01", end="2018-04-30"))
    early = sv.return_times(t, D)
    assert early[["child_id", "days", "returned"]].values.tolist() == [["A", 274, False]]
    late = sv.return_times(t, "2018-06-30").set_index("child_id")
    assert (late.loc["A", "days"], late.loc["A", "returned"]) == (305, True)
    assert (late.loc["B", "days"], late.loc["B", "returned"]) == (61, False)
    on = sv.plan_times(t.plans, D, since="2017-01-01").set_index("plan_id")
    assert (on.loc["B|2017-06-01", "days"], on.loc["B|2017-06-01", "ended"]) == (304, False)


def test_a_plan_of_730_days_reached_two_years_and_729_did_not():
    t = history(plan("A", "2015-04-01", end="2017-03-30"),  # 730 days on plan
                plan("B", "2015-04-01", end="2017-03-29"))  # 729
    tp = sv.time_on_plan_table(t.plans, D, since="2015-04-01", months=(24,))
    assert (tp["ended"][0], tp["at_risk"][0], tp["pct"][0]) == (1, 1, 50.0)


def test_domestic_abuse_split_needs_assessments():
    with_a = history(plan("A", "2017-01-02", end="2017-06-30"), plan("B", "2017-01-02",
                     end="2017-06-30"), assessments=[assessment("A", "2016-12-20", "3B")])
    t = sv.returns_table(with_a, D)
    assert row(t, group=sv.DV_YES, within="3 months")["plans"] == 1
    none = history(plan("A", "2017-01-02", end="2017-06-30"))  # no assessments in the source
    t = sv.returns_table(none, D)
    assert sv.BY_DV not in set(t["breakdown"])
    assert "no assessments" in t.attrs["note"]


def test_no_ended_plans_gives_empty_rows_not_an_error():
    t = history(plan("A", "2018-01-02"))
    table = sv.returns_table(t, D)
    assert (table["plans"] == 0).all() and table["pct"].isna().all()
    tp = sv.time_on_plan_table(t.plans, D)  # no plan has ended: no start of data, every plan
    assert tp.attrs["since"] is None and list(tp["plans"]) == [1] * 4
    assert sv.time_on_plan_summary(t.plans, D)["median_days"].isna().all()


# ---- disclosure ---------------------------------------------------------------------------------

def test_a_share_resting_on_a_small_count_is_hidden_in_a_pack(sample):
    """The sample's counts are all below 5: every share that rests on one is hidden, the labels
    stay (a share of 0 returns among fewer than 5 plans is hidden too: its plans are few)."""
    table = sv.returns_table(sample, D)
    safe = suppress_table(table, 5, depends=sv.RETURNS_DEPENDS)
    assert list(safe["within"]) == list(table["within"])
    shown = safe["pct"][~safe["pct"].isin([HIDDEN]) & table["pct"].notna()]
    assert shown.empty
    assert (safe.loc[table["plans"].between(1, 4), "plans"] == "<5").all()


def test_a_share_is_shown_when_its_counts_are_not_small():
    plans = []
    for i in range(12):  # 12 ended plans, 6 back 30 days later, 6 followed to D
        c = f"C{i:02d}"
        plans.append(plan(c, "2017-01-02", end="2017-06-30"))
        if i < 6:
            plans.append(plan(c, "2017-07-30"))
    table = sv.returns_table(history(*plans), D, months=(3,))
    safe = suppress_table(table, 5, depends=sv.RETURNS_DEPENDS)
    first = safe.iloc[0]
    assert (first["plans"], first["returned"], first["at_risk"], first["pct"]) == (12, 6, 6, 50.0)


# ---- charts -------------------------------------------------------------------------------------

def test_return_chart_states_the_finding_and_draws_only_what_the_table_shows():
    from cpmetrics.charts import return_curve_chart

    plans = []
    for i in range(20):  # 20 ended plans 30 June 2017; 10 back 30 days later, 2 after 200 days
        c = f"C{i:02d}"
        plans.append(plan(c, "2017-01-02", end="2017-06-30"))
        if i < 10:
            plans.append(plan(c, "2017-07-30"))
        elif i < 12:
            plans.append(plan(c, "2018-01-16"))
    curves = sv.return_curves(history(*plans), D)
    fig, alt = return_curve_chart(curves)
    # 12 of 20 back, but only 274 days are followed: no 12-month figure
    assert fig.axes[0].get_title(loc="left") == "Children back on a plan after it ended"
    assert "within 3 months 50.0%" in alt and "within 12 months not available" in alt
    y = fig.axes[0].lines[0].get_ydata()
    assert y[0] == 0.0 and y[1] == 50.0 and y[7] == 60.0  # months 0, 1 and 7 (213 days)
    fig, alt = return_curve_chart(curves, threshold=5)
    # 10 back by month 1 with 8 followed on, shown; month 7 adds 2: still 12 and 8, shown;
    # month 9 (273 days): 8 still followed, shown; no month rests on fewer than 5
    assert "within 6 months 50.0%" in alt
    fig, alt = return_curve_chart(curves, threshold=10)
    y = fig.axes[0].lines[0].get_ydata()
    assert pd.isna(y[7]) and y[1] == 50.0  # 8 still followed after month 7: hidden at 10
    assert "within 3 months 50.0%" in alt and "within 6 months 50.0%" in alt


def test_time_on_plan_chart_title_gives_18_months_and_two_years(sample):
    from cpmetrics.charts import time_on_plan_chart

    curve = sv.time_on_plan_curve(sample.plans, D, since="2015-01-01")
    fig, alt = time_on_plan_chart(curve)
    assert fig.axes[0].get_title(loc="left") == (
        "38.9% of plans last 18 months and 38.9% two years or more")
    assert "at 24 months 38.9%" in alt and "of 9 plans" in alt
    fig, alt = time_on_plan_chart(curve, threshold=5)
    assert fig.axes[0].get_title(loc="left") == "How long plans last"
    assert "at 24 months suppressed" in alt and "of 9 plans" in alt  # 2 seen to reach it
