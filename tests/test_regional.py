"""A region: councils pooled, side by side, on a funnel, month by month, against published figures,
and "the region now" in a council's pack. Every figure is worked out by hand or read from DfE's
published tables.

The two hand-made councils, at 30 September 2018 (year to date from 1 April 2018):

Trafford (358): child A on a plan since 1 January 2017 (638 days); B since 1 May 2018, a re-plan,
linked to an assessment recording 3A; C from 1 January 2016 to 30 June 2018 (912 days: ended after
2 years or more). Enquiries started Monday 4 June 2018: conferences on 8 June (4 working days) and
2 July (20). A reviewed 20 March 2017, 10 September 2017, 1 March 2018 and 25 August 2018, each
before its due date; B's first review (due 1 August 2018) not held.
On a plan 2; started 1 (1 re-plan); ended 1 (1 after 2 years); conferences 1 of 2 in time;
reviews 1 of 2 in time; domestic abuse 1 of 1; on a plan 2 years or more 0 of 2.

Stockport (356): child A (the same id as Trafford's A: another child) on a plan since 10 April
2018, an assessment recording 2B; D from 1 July to 31 August 2018, a re-plan (2 previous), with
3C; E since 1 June 2016 (852 days). Enquiry 4 June 2018, conference 22 June (14 working days). A
reviewed 1 July 2018 (due 10 July); E never reviewed.
On a plan 2; started 2 (1 re-plan); ended 1 (none after 2 years); conferences 1 of 1; reviews
1 of 2; domestic abuse 1 of 2; on a plan 2 years or more 1 of 2.

The region pooled: on a plan 4 (not 3: the two A's are two children); started 3 (2 re-plans);
ended 2 (1 after 2 years); conferences 2 of 3; reviews 2 of 4; domestic abuse 2 of 3; on a plan
2 years or more 1 of 4. ONS children aged 0-17, mid-2017 (the denominator for 2018-19): Trafford
54,942, Stockport 61,859; rates 2 / 54,942 x 10,000 = 0.364 -> 0.4, 2 / 61,859 x 10,000 = 0.323
-> 0.3, region 4 / 116,801 x 10,000 = 0.342 -> 0.3.
"""

from __future__ import annotations

import ast
import json
import re
import shutil
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from cpmetrics import charts, pooling, region_now, regional, spc
from cpmetrics.artefacts import show_table
from cpmetrics.disclosure import HIDDEN, small_counts, suppress_metrics
from cpmetrics.measures import headline, on_plan
from cpmetrics.periods import Period
from cpmetrics.proportion import Proportion
from cpmetrics.region import write_region
from cpmetrics.summary import headline_table
from helpers import assessment, census, enquiry, plan, review

ROOT = Path(__file__).resolve().parents[1]
D = "2018-09-30"
PERIOD = Period.ending(D)


@pytest.fixture(scope="module")
def councils() -> dict:
    trafford = census(
        plan("A", "2017-01-01"),
        plan("B", "2018-05-01", previous=1),
        plan("C", "2016-01-01", end="2018-06-30"),
        assessments=[assessment("B", "2018-04-20", "3A")],
        section47=[enquiry("A", "2018-06-04", icpc="2018-06-08"),
                   enquiry("B", "2018-06-04", icpc="2018-07-02")],
        reviews=[review("A", "2017-01-01", d) for d in
                 ("2017-03-20", "2017-09-10", "2018-03-01", "2018-08-25")],
    )
    stockport = census(
        plan("A", "2018-04-10"),
        plan("D", "2018-07-01", end="2018-08-31", previous=2),
        plan("E", "2016-06-01"),
        assessments=[assessment("A", "2018-04-01", "2B"), assessment("D", "2018-06-15", "3C")],
        section47=[enquiry("A", "2018-06-04", icpc="2018-06-22")],
        reviews=[review("A", "2018-04-10", "2018-07-01")],
    )
    return {"358": trafford, "356": stockport}


@pytest.fixture(scope="module")
def units(councils) -> list:
    return regional.figures(councils, PERIOD, {"358": "Trafford", "356": "Stockport"},
                            "North West", region_code="E12000002")


# ---- pooling ------------------------------------------------------------------------------------


def test_pooled_counts_are_the_councils_sums_and_two_councils_children_stay_apart(councils):
    pooled = pooling.pool(councils)
    assert on_plan(pooled.plans, PERIOD.end) == 4  # two children called A: two children
    h = headline(pooled, PERIOD)
    assert h["starts"] == 3 and h["ended"] == 2
    assert h["starts_second_or_subsequent"] == {"n": 2, "of": 3, "pct": 200 / 3}
    assert h["ended_2y_plus"] == {"n": 1, "of": 2, "pct": 50.0}
    assert h["on_plan_2y_plus"] == {"n": 1, "of": 4, "pct": 25.0}
    assert h["starts_dv"] == {"n": 2, "of": 3, "pct": 200 / 3}
    assert h["icpc_within_15_days"] == {"n": 2, "of": 3, "pct": 200 / 3}
    assert h["reviews_in_time"] == {"n": 2, "of": 4, "pct": 50.0}
    assert pooled.counts.read == 6 and pooled.counts.plans == 6
    assert set(pooled.plans["child_id"]) == {"358:A", "358:B", "358:C", "356:A", "356:D",
                                             "356:E"}
    assert pooled.la is None and pooled.source == "cin_census"
    # each council's own figures are its own (the pooled tables are new frames)
    assert on_plan(councils["358"].plans, PERIOD.end) == 2


def test_a_plan_of_one_council_is_never_linked_to_another_councils_assessment():
    # both councils have a child A starting 1 May 2018 in episode A|ep; only one recorded 3A
    with_dv = census(plan("A", "2018-05-01"), assessments=[assessment("A", "2018-04-20", "3A")])
    without = census(plan("A", "2018-05-01"), assessments=[assessment("A", "2018-04-20", "2B")])
    pooled = pooling.pool({"358": with_dv, "356": without})
    assert headline(pooled, PERIOD)["starts_dv"] == {"n": 1, "of": 2, "pct": 50.0}


def test_a_table_one_council_lacks_is_not_pooled_from_the_others(councils):
    no_assessments = census(plan("X", "2018-05-01"))
    no_assessments.assessments = None
    pooled = pooling.pool({**councils, "357": no_assessments})
    assert pooled.assessments is None
    assert headline(pooled, PERIOD)["starts_dv"] is None  # not available, never a part-region
    assert pooled.section47 is not None and len(pooled.section47) == 3


def test_councils_from_different_returns_are_flagged(councils):
    assert not pooling.returns_differ(councils)
    later = census(plan("X", "2018-05-01"))
    later.reference_dates = (pd.Timestamp("2018-03-31"),)
    assert pooling.returns_differ({**councils, "357": later})
    assert pooling.council_of(pd.Series(["358:A", "356:B|2018-05-01"])).tolist() == ["358",
                                                                                    "356"]


@pytest.fixture(scope="module")
def sample_region(tmp_path_factory) -> Path:
    """The hand-made sample council twice over, as a region folder (356 and 358)."""
    folder = tmp_path_factory.mktemp("region")
    for la in ("356", "358"):
        shutil.copytree(ROOT / "data" / "sample", folder / la)
    write_region(folder, "North West", [("356", "Stockport"), ("358", "Trafford")],
                 code="E12000002")
    return folder


def _doubled(value):
    if isinstance(value, dict):
        return {k: _doubled(v) if k != "pct" else v for k, v in value.items()}
    return 2 * value if isinstance(value, int) else value


def test_every_headline_measure_of_a_region_of_two_copies_is_twice_the_councils(sample_region):
    region, tables = regional.load_region(sample_region)
    assert [c.la for c in region.councils] == ["356", "358"]
    period = Period.ending("2018-03-31")
    one = headline(tables["358"], period)
    two = headline(pooling.pool(tables), period)
    assert one["on_plan"] > 0 and one["starts"] > 0
    for key in ("on_plan", "starts", "ended", "on_plan_second_or_subsequent",
                "starts_second_or_subsequent", "on_plan_2y_plus", "ended_2y_plus", "starts_dv",
                "starts_by_initial_category", "on_plan_by_duration", "ended_by_duration",
                "icpc_within_15_days", "icpc_working_days_bands", "s47_outcomes",
                "icpc_to_plan", "reviews_in_time"):
        assert two[key] == _doubled(one[key]), key
    assert two["quality"]["read"] == 2 * one["quality"]["read"]
    assert two["quality"]["findings"] == {k: 2 * v for k, v in one["quality"]["findings"].items()}


def test_the_regions_monthly_spc_values_are_the_sums_of_its_councils(sample_region):
    _, tables = regional.load_region(sample_region)
    pooled = pooling.pool(tables)
    one = spc.monthly(tables["358"], "2018-03-31", "on_plan")
    two = regional.region_spc(tables, pooled, "2018-03-31", "on_plan")
    assert len(two) == len(one) and len(one) >= 6
    assert (two["value"] == 2 * one["value"]).all()
    assert two["month_end"].tolist() == one["month_end"].tolist()


# ---- side by side -----------------------------------------------------------------------------


def test_every_council_side_by_side_with_the_pooled_region_last(units):
    t = regional.side_by_side(units)
    assert list(t.columns) == regional.COLUMNS
    assert t["la"].tolist() == ["356", "358", "E12000002"]
    assert t["council"].tolist() == ["Stockport", "Trafford", "North West (pooled, 2 councils)"]
    assert t["on_plan"].tolist() == [2, 2, 4]
    assert t["rate_per_10k"].tolist() == [0.3, 0.4, 0.3]
    assert t["starts"].tolist() == [2, 1, 3]
    assert t[["replan_n", "replan_of"]].values.tolist() == [[1, 2], [1, 1], [2, 3]]
    assert t[["ended_2y_n", "ended_2y_of"]].values.tolist() == [[0, 1], [1, 1], [1, 2]]
    assert t[["icpc_15_n", "icpc_15_of"]].values.tolist() == [[1, 1], [1, 2], [2, 3]]
    assert t[["reviews_n", "reviews_of"]].values.tolist() == [[1, 2], [1, 2], [2, 4]]
    assert t[["dv_n", "dv_of"]].values.tolist() == [[1, 2], [1, 1], [2, 3]]
    assert t["replan_pct"].round(1).tolist() == [50.0, 100.0, 66.7]
    # the sums: every count of the region's row is the councils' total
    for c in ("on_plan", "starts", *(f"{p}_{s}" for p in regional.SHARES for s in ("n", "of"))):
        assert t[c].iloc[-1] == t[c].iloc[:-1].sum(), c
    assert units[0].population == 61859.0 and units[1].population == 54942.0
    assert units[-1].population == 116801.0


def test_side_by_side_in_a_pack_hides_small_counts_and_what_rests_on_them(units, tmp_path):
    shown = show_table(regional.side_by_side(units).round(1), "00_region_councils", title="x",
                       depends=regional.DEPENDS, pack_dir=tmp_path, threshold=5)
    row = shown.data.iloc[-1]
    assert row["on_plan"] == "<5" and row["rate_per_10k"] == HIDDEN
    assert row["replan_n"] == "<5" and row["replan_pct"] == HIDDEN
    assert row["council"] == "North West (pooled, 2 councils)"
    csv = (tmp_path / "tables" / "00_region_councils.csv").read_text()
    assert "66.7" not in csv and "<5" in csv


def test_a_share_a_councils_data_cannot_give_is_blank_not_zero(councils):
    no_s47 = census(plan("X", "2018-05-01"))
    no_s47.section47 = None
    units = regional.figures({**councils, "357": no_s47}, PERIOD)
    t = regional.side_by_side(units).set_index("la")
    assert pd.isna(t.loc["357", "icpc_15_n"]) and pd.isna(t.loc["357", "icpc_15_pct"])
    assert pd.isna(t.loc["", "icpc_15_n"])  # nor has the region (no code given: la blank)
    assert t.loc["", "council"] == "Region (pooled, 3 councils)"


# ---- funnels ---------------------------------------------------------------------------------


def unit(la, name, n, of, on_plan_=0, population=None):
    return regional.UnitFigures(la, name, on_plan_, population, of, Proportion(n, of),
                                Proportion(0, 0), None, None, None)


#: re-plans 30, 10 and 20 of 100 starts each: the region 60 of 300, 20.0%. The Wilson interval of
#: 20% at 100 (z 1.959964): (40 + 3.8415 -/+ 1.959964 sqrt(3.8415 + 64)) / 207.683 = 13.34% to
#: 28.88%; at 99.8% (z 3.090232): (40 + 9.5496 -/+ 3.090232 sqrt(9.5496 + 64)) / 219.099 = 10.52%
#: to 34.71%. So 30% is above the 95% limit, 10% below the 99.8% limit, 20% within.
FUNNEL_UNITS = [unit("350", "Bolton", 30, 100, 60, 10_000),
                unit("351", "Bury", 10, 100, 50, 10_000),
                unit("352", "Manchester", 20, 100, 40, 10_000),
                unit("E12000002", "North West (pooled, 3 councils)", 60, 300, 150, 30_000)]


def test_a_funnel_of_councils_around_the_pooled_regions_share():
    f = regional.funnel(FUNNEL_UNITS, "replan")
    assert f.attrs["target"] == pytest.approx(20.0)
    assert f["value"].tolist() == [30.0, 10.0, 20.0]
    assert f["lower_95"].round(2).tolist() == [13.34] * 3
    assert f["upper_95"].round(2).tolist() == [28.88] * 3
    assert f["lower_99_8"].round(2).tolist() == [10.52] * 3
    assert f["upper_99_8"].round(2).tolist() == [34.71] * 3
    assert f["position"].tolist() == ["above 95% limit", "below 99.8% limit", "within 95% limits"]
    assert regional.outside(f) == ["Bolton (above 95% limit)", "Bury (below 99.8% limit)"]
    assert regional.funnel_sentence(f) == (
        "Against the region's 20.0%, 2 of 3 councils lie outside the 95% limits for plans "
        "started that were re-plans: Bolton (above 95% limit); Bury (below 99.8% limit).")


def test_a_funnel_of_rates_per_10000_children():
    # 60, 50 and 40 of 10,000 children: 60.0, 50.0, 40.0 per 10,000; the region 150 of 30,000
    f = regional.funnel(FUNNEL_UNITS, "rate_per_10k")
    assert f["value"].tolist() == [60.0, 50.0, 40.0]
    assert f.attrs["target"] == pytest.approx(50.0) and f["target"].tolist() == [50.0] * 3
    assert f["of"].tolist() == [10_000] * 3
    # 0.5% of 10,000 at 95%: (100 + 3.8415 -/+ 1.959964 sqrt(3.8415 + 199)) / 20,007.68 =
    # 0.3795% to 0.6585%, i.e. 37.9 to 65.9 per 10,000
    assert f["lower_95"].round(1).tolist() == [37.9] * 3
    assert f["upper_95"].round(1).tolist() == [65.9] * 3
    assert f["position"].tolist() == ["within 95% limits"] * 3
    assert "no council is out of the ordinary" in regional.funnel_sentence(f)


def test_a_council_with_small_numbers_is_not_named_on_the_funnel():
    small = [unit("350", "Bolton", 3, 4), *FUNNEL_UNITS[1:3],
             unit("E12000002", "North West", 33, 204)]
    f = regional.funnel(small, "replan")
    # 3 of 4 (75%) against 33 of 204 (16.2%): the 95% limits at 4 reach 63.4%, the 99.8% 79.1%
    assert f["position"].iloc[0] == "above 95% limit"  # placed in the unsuppressed table...
    assert all("Bolton" not in s for s in regional.outside(f, threshold=5))  # ...never named
    assert "Not placed: 1 council" in regional.funnel_sentence(f, threshold=5)


def test_the_funnel_chart_names_the_councils_outside_in_its_title():
    f = regional.funnel(FUNNEL_UNITS, "replan")
    fig, alt = charts.region_funnel_chart(f)
    title = fig.axes[0].get_title(loc="left")
    assert title == ("2 councils are outside the 95% limits: Bolton (above 95% limit), "
                     "Bury (below 99.8% limit)")
    assert fig.axes[0].get_xlabel() and fig.axes[0].get_ylabel()
    assert "Bolton 30.0% of 100 (above 95% limit)" in alt


# ---- published context ------------------------------------------------------------------------


def test_the_pooled_region_beside_the_north_wests_published_2017_18_figures(councils, units):
    # by 31 December 2018 DfE had published 2017-18: North West D3 CPP_subsequent 2,220 of
    # CPP_start 10,740 (20.7%), D5 CPP_At31 8,290 of which 150 2 years or more (1.9%), 53.8 per
    # 10,000; LAIT CPPlans2yrs 3.8, CP_conf_15days 77.9, RevCP 90.8. England: 20.2, 1.8, 45.9,
    # 3.4, 76.9, 90.5.
    period = Period.ending("2018-12-31")
    region = regional.figures(councils, period, region_code="E12000002")[-1]
    t = regional.published_context(region, pooling.pool(councils), period, "E12000002")
    t = t.set_index("measure")
    assert t["published_year"].unique().tolist() == ["2017-18"]
    expected = {
        "Children on a plan per 10,000 children": (53.8, 45.9),
        "Plans started: second or subsequent plan": (20.7, 20.2),
        "Children on a plan: 2 years or more": (1.9, 1.8),
        "Plans ended: lasted 2 years or more": (3.8, 3.4),
        "Initial conferences within 15 working days of the enquiry": (77.9, 76.9),
        "Children on a plan 3 months or more: reviewed in time": (90.8, 90.5),
    }
    assert {m: (r["published_region"], r["england_value"]) for m, r in t.iterrows()} == expected
    # the pooled region's own figures this period beside them
    assert t.loc["Plans started: second or subsequent plan", ["n", "of"]].tolist() == [2, 3]


def test_published_context_at_30_september_2018_is_2016_17_and_none_for_no_dfe_region(units,
                                                                                     councils):
    pooled = pooling.pool(councils)
    t = regional.published_context(units[-1], pooled, PERIOD, "E12000002").set_index("measure")
    assert t["published_year"].unique().tolist() == ["2016-17"]
    # 2016-17: North West 54.1 per 10,000 and 18.4% re-plans; England 43.8 and 18.7%
    assert t.loc["Children on a plan per 10,000 children", "published_region"] == 54.1
    assert t.loc["Plans started: second or subsequent plan", "published_region"] == 18.4
    assert t.loc["Plans started: second or subsequent plan", "england_value"] == 18.7
    hub = regional.published_context(units[-1], pooled, PERIOD, None)
    assert hub["published_region"].isna().all() and hub["england_value"].notna().all()
    assert regional.region_code_of("North West") == "E12000002"
    assert regional.region_code_of("Greater Manchester hub") is None


def test_the_regional_paragraphs_hide_small_counts(units):
    text = regional.paragraphs(units, PERIOD, threshold=5)
    assert text[0] == ("At 30 September 2018, fewer than 5 children were on a child protection "
                       "plan across the 2 councils of North West.")
    assert text[1] == ("From 1 April 2018, fewer than 5 plans started; fewer than 5 of fewer than "
                       "5 were second or subsequent plans.")
    shown = regional.paragraphs(units, PERIOD, threshold=1)
    assert shown[1] == ("From 1 April 2018, 3 plans started; 66.7% (2 of 3) were second or "
                        "subsequent plans, from 50.0% in Stockport to 100.0% in Trafford.")


# ---- the region now ---------------------------------------------------------------------------


def test_the_region_now_is_the_pooled_headline(councils):
    r = region_now.region_now(councils, PERIOD, "North West")
    assert json.loads(json.dumps(r)) == r  # a plain value papermill can pass to a notebook
    assert r["label"] == "North West, 2 councils pooled" and r["region"] == "North West"
    assert r["councils"] == ["356", "358"] and r["period_end"] == D
    f = r["figures"]
    assert f["on_plan"] == 4 and f["rate_per_10k"] == 0.3
    assert f["starts"] == 3 and f["ended"] == 2
    assert f["starts_second_or_subsequent"] == {"n": 2, "of": 3, "pct": 200 / 3}
    assert f["ended_2y_plus"] == {"n": 1, "of": 2, "pct": 50.0}
    assert f["on_plan_2y_plus"] == {"n": 1, "of": 4, "pct": 25.0}
    assert f["on_plan_second_or_subsequent"] == {"n": 1, "of": 4, "pct": 25.0}  # B
    assert f["starts_dv"] == {"n": 2, "of": 3, "pct": 200 / 3}
    assert f["icpc_within_15_days"] == {"n": 2, "of": 3, "pct": 200 / 3}
    assert f["reviews_in_time"] == {"n": 2, "of": 4, "pct": 50.0}


def test_the_region_now_for_metrics_json_keeps_its_labels_and_hides_small_counts(councils):
    r = region_now.region_now(councils, PERIOD, "North West")
    safe = suppress_metrics(r, 5)
    assert {k: safe[k] for k in ("region", "label", "councils", "period_start", "period_end")} \
        == {k: r[k] for k in ("region", "label", "councils", "period_start", "period_end")}
    f = safe["figures"]
    assert f["on_plan"] == "<5" and f["rate_per_10k"] is None
    assert f["starts_second_or_subsequent"] == {"n": "<5", "of": "<5", "pct": None}
    assert small_counts(safe, 5) == []


def test_every_headline_row_has_its_region_now_figure(councils):
    h = headline_table(councils["358"], PERIOD, "358")
    assert set(h["measure"]) == set(region_now.ROWS)


def test_the_region_now_beside_a_councils_headline(councils):
    h = headline_table(councils["358"], PERIOD, "358")
    assert region_now.beside(h, None) is h  # a council's own run: the table as it was
    assert region_now.paragraphs(h, None) == []
    r = region_now.region_now(councils, PERIOD, "North West")
    out = region_now.beside(h, r, threshold=1).set_index("measure")["region_now"]
    cols = list(region_now.beside(h, r).columns)
    assert cols.index("region_now") == cols.index("england_value") + 1
    assert out["Children on a plan"] == 4
    assert out["Children on a plan per 10,000 children"] == 0.3
    assert out["Plans started: second or subsequent plan"] == 66.7
    assert out["Children on a plan 3 months or more: reviewed in time"] == 50.0
    hidden = region_now.beside(h, r, threshold=3).set_index("measure")["region_now"]
    assert hidden["Children on a plan"] == 4 and hidden["Children on a plan per 10,000 children"] \
        == 0.3  # 4 children is not below 3
    assert hidden["Plans started: second or subsequent plan"] == HIDDEN  # 2 of 3
    said = region_now.paragraphs(h, r, threshold=1)[0]
    assert said.startswith("Against the region now (North West, 2 councils pooled, the same "
                           "months' data to 30 September 2018): ")
    assert "plans started: second or subsequent plan, 100.0%, higher than the region's 66.7%" \
        in said
    # with every count small, nothing is compared
    assert "no figure of this council's" in region_now.paragraphs(h, r, threshold=5)[0]


def test_the_region_now_column_leaves_a_pack_as_it_is_shown(councils, tmp_path):
    h = headline_table(councils["358"], PERIOD, "358")
    r = region_now.region_now(councils, PERIOD, "North West")
    shown = show_table(region_now.beside(h, r, 3).round(1), "00_headline", title="x",
                       depends={}, labels=region_now.LABELS, pack_dir=tmp_path, threshold=3)
    col = shown.data.set_index("measure")["region_now"]
    assert col["Children on a plan"] == 4 and col["Plans ended: lasted 2 years or more"] == HIDDEN


# ---- the regional notebook -------------------------------------------------------------------

NOTEBOOK = ROOT / "notebooks" / "region" / "00_region.ipynb"
REGION_DEFAULTS = {"region_dir": "data/region-sample", "period_end": "2018-09-30",
                   "suppression_threshold": 5, "pack_dir": None}


def test_the_regional_notebook_is_thin_and_points_at_the_region_sample():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    params = [c for c in nb.cells if "parameters" in c.get("metadata", {}).get("tags", [])]
    assert len(params) == 1
    values = {n.targets[0].id: ast.literal_eval(n.value) for n in ast.parse(params[0].source).body}
    assert values == REGION_DEFAULTS
    code = [c for c in nb.cells if c.cell_type == "code"]
    for c in code:
        assert not re.search(r"(^|\s)def\s|\blambda\b", c.source), c.source
    assert [c for c in code if c.source.startswith("# NBVAL_CHECK_OUTPUT")]
    assert all(c.get("execution_count") for c in code), "not executed"
    assert not [o for c in code for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert nb.cells[0].source.startswith("# ")  # the page's title


def test_a_region_of_one_council_is_that_council(councils):
    one = headline(councils["358"], PERIOD)
    alone = headline(pooling.pool({"358": councils["358"]}), PERIOD)
    assert alone == one


def test_councils_in_different_formats_pool_and_what_one_lacks_is_blank(tmp_path, sample_region):
    # a tidy CSV council: X on a plan since 1 May 2018 (a re-plan), Y from 1 January 2016 to
    # 1 August 2018 (944 days); no assessments.csv, so no domestic abuse figure
    csv = tmp_path / "357"
    csv.mkdir()
    (csv / "plans.csv").write_text(
        "child_id,start_date,end_date,initial_category,latest_category,previous_plans\n"
        "X,2018-05-01,,NEG,NEG,1\n"
        "Y,2016-01-01,2018-08-01,EMO,EMO,0\n", encoding="utf-8")
    _, census_councils = regional.load_region(sample_region)
    from cpmetrics.sources import load

    tables = {**census_councils, "357": load(csv)}
    period = Period.ending("2018-09-30")
    pooled = pooling.pool(tables)
    assert pooled.source == "mixed" and pooled.assessments is None
    h = {la: headline(t, period) for la, t in tables.items()}
    both = headline(pooled, period)
    assert h["357"]["on_plan"] == 1 and h["357"]["ended_2y_plus"]["n"] == 1
    for key in ("on_plan", "starts", "ended"):
        assert both[key] == sum(x[key] for x in h.values()), key
    assert both["starts_second_or_subsequent"]["n"] == sum(
        x["starts_second_or_subsequent"]["n"] for x in h.values())
    assert both["starts_dv"] is None
