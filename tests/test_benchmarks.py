"""Benchmarks reproduce the published check figures in metrics.md from the shipped files."""

import json

import pandas as pd
import pytest
from cpmetrics.benchmarks import (
    ENGLAND,
    benchmark_json,
    benchmark_table,
    format_benchmark,
    funnel_data,
    grouping_for_year,
    lookup_la,
    neighbour_values,
    neighbours_mean,
    pathway_benchmarks,
    published_path,
    published_series,
    published_values,
    read_ees,
    read_lait,
    split_markers,
    statistical_neighbours,
)
from cpmetrics.errors import InputError

TRAFFORD_2021 = ["919", "305", "334", "356", "867", "823", "816", "895", "850", "825"]
TRAFFORD_2025 = ["919", "356", "825", "931", "936", "305", "895", "873", "916", "334"]


def row(table: pd.DataFrame, measure: str) -> dict:
    return table.set_index("measure").loc[measure].to_dict()


@pytest.fixture(scope="module")
def t2017():
    return benchmark_table("358", 2017)


@pytest.fixture(scope="module")
def t2018():
    return benchmark_table("E08000009", 2018)


# --------------------------------------------------------------- check figures (metrics.md)


def test_trafford_2016_17_second_or_subsequent(t2017):
    d3 = read_ees("d3")
    mine = d3[(d3["area"] == "358") & (d3["time_period"] == 2017)].set_index("column")["value"]
    assert mine["CPP_start"] == 264
    assert mine["CPP_subsequent"] == 51
    r = row(t2017, "starts")
    assert r["la_value"] == 264
    r = row(t2017, "starts_second_or_subsequent_pct")
    assert r["la_value"] == 19.3
    assert r["england_value"] == 18.7
    assert r["neighbours_mean"] == 19.8
    assert (r["neighbours_n"], r["neighbours_of"]) == (10, 10)
    assert r["grouping"] == "DfE statistical neighbours, April 2021 (LGR version)"


def test_trafford_2017_18_second_or_subsequent(t2018):
    d3 = read_ees("d3")
    mine = d3[(d3["area"] == "358") & (d3["time_period"] == 2018)].set_index("column")["value"]
    assert (mine["CPP_subsequent"], mine["CPP_start"]) == (76, 261)
    r = row(t2018, "starts_second_or_subsequent_pct")
    assert r["la_value"] == 29.1
    assert r["england_value"] == 20.2
    assert r["neighbours_mean"] == 21.1  # PROVENANCE.md: April 2021 list, 2017-18


def test_trafford_2016_17_ceased_plans_lasting_two_years(t2017):
    r = row(t2017, "ended_2y_plus_pct")
    assert r["la_value"] == 10.9
    assert r["england_value"] == 3.4
    # (6.0 + 5.1 + 3.4 + 2.3 + 8.9 + 4.9 + 2.4) / 7 = 33.0 / 7 = 4.71
    assert r["neighbours_mean"] == 4.7
    assert (r["neighbours_n"], r["neighbours_of"]) == (7, 10)
    assert r["neighbours_missing"] == "Central Bedfordshire (-); York (-); Cheshire East (-)"


def test_trafford_on_plan_at_31_march_2017(t2017):
    r = row(t2017, "on_plan")
    assert (r["la_value"], r["england_value"]) == (258, 51080)
    r = row(t2017, "on_plan_rate_per_10k")
    assert (r["la_value"], r["england_value"]) == (47.7, 43.8)
    assert r["neighbours_mean"] == 41.2  # PROVENANCE.md: mean of the ten neighbours' LAIT rates


def test_trafford_2017_18_rate_and_ceased_two_years(t2018):
    assert row(t2018, "on_plan")["la_value"] == 259
    assert row(t2018, "on_plan_rate_per_10k")["la_value"] == 47.5
    assert row(t2018, "on_plan_rate_per_10k")["neighbours_mean"] == 40.7
    r = row(t2018, "ended_2y_plus_pct")
    assert (r["la_value"], r["england_value"], r["neighbours_mean"]) == (10.1, 3.4, 3.4)
    assert r["neighbours_n"] == 8


def test_open_plans_two_years_or_more_and_region(t2017):
    r = row(t2017, "on_plan_2y_plus_pct")
    assert (r["la_value"], r["england_value"]) == (5.4, 2.1)
    # Hertfordshire 3.0, Bromley 2.6, Solihull 0.0, Stockport 4.2, Bracknell Forest 0.0,
    # Hampshire 2.1 published; four are "c": 11.9 / 6 = 1.98
    assert (r["neighbours_mean"], r["neighbours_n"]) == (2.0, 6)
    assert t2017.attrs["region"] == {"code": "E12000002", "name": "North West"}


def test_domestic_abuse_factors_are_shares_of_assessments_with_factors(t2018, t2017):
    # Trafford 2017-18, C3: 843 episodes with a factor; 3A 176, 3B 329, 3C 82
    assert row(t2018, "assessments_da_3a_pct")["la_value"] == 20.9  # 176/843 = 20.88%
    assert row(t2018, "assessments_da_3b_pct")["la_value"] == 39.0  # 329/843 = 39.03%
    assert row(t2018, "assessments_da_3c_pct")["la_value"] == 9.7  # 82/843 = 9.73%
    # C3 starts in 2017-18: 2016-17 is missing with a reason, not zero
    r = row(t2017, "assessments_da_3a_pct")
    assert pd.isna(r["la_value"]) and r["la_marker"] == "absent"
    assert pd.isna(r["neighbours_mean"]) and r["neighbours_n"] == 0


def test_computed_rates_match_the_rates_lait_publishes():
    """Every rate computed here from EES counts and ONS population equals DfE's own LAIT rate."""
    with published_path("lait").open("rb") as fh:
        lait = pd.read_parquet(fh)
    ours = published_values()
    pairs = {
        "on_plan_rate_per_10k": "CPP_rate",
        "starts_rate_per_10k": "CPP_Abuse_Rate",
        "section47_rate_per_10k": "Section_47",
        "icpc_rate_per_10k": "ISCP_Conf",
    }
    for measure, code in pairs.items():
        theirs = lait[(lait["Short Desc"] == code) & (lait["LA Number"] < 980)]
        theirs = pd.DataFrame(
            {
                "time_period": theirs["Years"].astype(int),
                "area": [ENGLAND if n == 970 else str(int(n)) for n in theirs["LA Number"]],
                "lait": split_markers(theirs["Values"])[0].round(1),
            }
        )
        mine = ours[ours["measure"] == measure][["time_period", "area", "value"]]
        both = mine.merge(theirs, on=["time_period", "area"]).dropna()
        assert len(both) > 1400, measure
        assert (both["value"] - both["lait"]).abs().max() < 0.05, measure


# --------------------------------------------------------------- the pathway (metrics.md)


def test_trafford_conferences_within_15_working_days(t2017, t2018):
    assert row(t2017, "icpc_within_15_days_pct")["la_value"] == 84.4
    r = row(t2018, "icpc_within_15_days_pct")
    assert (r["la_value"], r["england_value"]) == (83.3, 76.9)
    # C4 2017-18, Trafford: bands 56, 189, 18, 31 of 294 conferences; 56 + 189 = 245
    assert (row(t2018, "icpcs_within_15_days")["la_value"], row(t2018, "icpcs")["la_value"]) == (
        245, 294,
    )  # fmt: skip
    # 245 / 294 = 83.33%; England 12,130 + 49,020 = 61,150 of 79,470 = 76.95% -> LAIT 76.9
    assert (row(t2018, "icpcs_within_15_days")["england_value"],
            row(t2018, "icpcs")["england_value"]) == (61150, 79470)  # fmt: skip
    # the ten neighbours' LAIT values, 80.3 + 80.3 + 92.4 + 85.0 + 82.6 + 98.0 + 95.8 + 82.5
    # + 77.1 + 73.2 = 847.2, / 10 = 84.72
    assert (r["neighbours_mean"], r["neighbours_n"], r["neighbours_of"]) == (84.7, 10, 10)
    assert row(t2018, "icpc_within_15_days_pct")["region_value"] == 77.9  # North West
    assert row(t2017, "icpc_within_15_days_pct")["neighbours_mean"] == 80.5  # 805.3 / 10


def test_cheshire_east_2017_18_pathway():
    t = benchmark_table("Cheshire East", 2018)
    assert row(t, "icpc_within_15_days_pct")["la_value"] == 82.5
    r = row(t, "reviews_in_time_pct")
    assert (r["la_value"], r["england_value"]) == (94.7, 90.5)
    assert (row(t, "reviewed_in_time")["la_value"], row(t, "on_plan_3m_plus")["la_value"]) == (
        215, 227,
    )  # fmt: skip


def test_trafford_children_reviewed_in_time(t2017, t2018):
    r17, r18 = row(t2017, "reviews_in_time_pct"), row(t2018, "reviews_in_time_pct")
    assert r17["la_value"] == 97.2  # 207 / 213 = 97.18%
    assert (row(t2017, "reviewed_in_time")["la_value"],
            row(t2017, "on_plan_3m_plus")["la_value"]) == (207, 213)  # fmt: skip
    assert r18["la_value"] == 84.6  # 154 / 182 = 84.62%
    assert (row(t2018, "reviewed_in_time")["la_value"],
            row(t2018, "on_plan_3m_plus")["la_value"]) == (154, 182)  # fmt: skip
    assert r18["england_value"] == 90.5  # 33,980 / 37,540 = 90.52%
    assert (row(t2018, "reviewed_in_time")["england_value"],
            row(t2018, "on_plan_3m_plus")["england_value"]) == (33980, 37540)  # fmt: skip
    # 97.2 + 96.6 + 98.0 + 96.0 + 98.5 + 100.0 + 93.1 + 94.7 + 80.0 + 87.9 = 942.0
    assert (r18["neighbours_mean"], r18["neighbours_n"]) == (94.2, 10)
    assert (r17["neighbours_mean"], r17["neighbours_n"]) == (93.7, 10)  # 937.4 / 10


def test_conference_bands_are_shares_of_c4s_conferences(t2018):
    # 56, 189, 18, 31 of 294: 19.05%, 64.29%, 6.12%, 10.54%
    got = [row(t2018, f"icpc_{b}_days_pct")["la_value"] for b in ("0_10", "11_15", "16_20",
                                                                 "21_plus")]  # fmt: skip
    assert got == [19.0, 64.3, 6.1, 10.5]
    assert row(t2018, "icpc_median_working_days")["la_value"] == 13
    # Central Bedfordshire and York publish "c" for 16-20 days: the mean rests on the other 8,
    # 7.6 + 8.4 + 3.8 + 5.8 + 6.4 + 10.8 + 13.4 + 9.2 = 65.4, / 8 = 8.175
    r = row(t2018, "icpc_16_20_days_pct")
    assert (r["neighbours_mean"], r["neighbours_n"], r["neighbours_of"]) == (8.2, 8, 10)
    assert r["neighbours_missing"] == "Central Bedfordshire (c); York (c)"


def test_pathway_before_lait_starts():
    t = benchmark_table("358", 2015)
    # LAIT starts in 2015-16: C4's counts give 2014-15, 269 of 313 = 85.94%
    assert row(t, "icpc_within_15_days_pct")["la_value"] == 85.9
    assert (row(t, "icpcs_within_15_days")["la_value"], row(t, "icpcs")["la_value"]) == (269, 313)
    # D6 is LAIT's only: missing with its reason, never zero
    r = row(t, "reviews_in_time_pct")
    assert pd.isna(r["la_value"]) and r["la_marker"] == "absent" and r["neighbours_n"] == 0


def test_a_missing_neighbour_is_left_out_of_the_pathway_mean():
    # North Northamptonshire 2023-24: LAIT keeps a row "-" for Cumbria, gone by then
    nv = neighbour_values("940", 2024, "reviews_in_time_pct")
    cumbria = nv[nv["la"] == "909"].iloc[0]
    assert not cumbria["used"] and cumbria["marker"] == "-"
    assert nv["used"].sum() == 9


def test_pathway_benchmarks_give_the_counts_behind_each_figure():
    t = pathway_benchmarks("Trafford", 2018).set_index("measure")
    assert list(t.index) == [
        "icpc_within_15_days_pct", "icpc_0_10_days_pct", "icpc_11_15_days_pct",
        "icpc_16_20_days_pct", "icpc_21_plus_days_pct", "icpc_median_working_days",
        "reviews_in_time_pct",
    ]  # fmt: skip
    r = t.loc["icpc_within_15_days_pct"]
    assert (r["la_value"], r["la_n"], r["la_of"], r["table"]) == (83.3, 245, 294, "C4")
    assert (r["england_value"], r["england_n"], r["england_of"]) == (76.9, 61150, 79470)
    assert (r["neighbours_mean"], r["neighbours_n"]) == (84.7, 10)
    r = t.loc["reviews_in_time_pct"]
    assert (r["la_value"], r["la_n"], r["la_of"], r["table"]) == (84.6, 154, 182, "D6")
    assert (r["england_n"], r["england_of"]) == (33980, 37540)
    assert (r["region_n"], r["region_of"]) == (5240, 5770)  # North West
    assert pd.isna(t.loc["icpc_median_working_days", "la_n"])
    r = t.loc["icpc_16_20_days_pct"]
    assert (r["la_n"], r["la_of"], r["neighbours_n"]) == (18, 294, 8)
    assert t.attrs["grouping"] == "DfE statistical neighbours, April 2021 (LGR version)"
    assert pathway_benchmarks("358", 2017).set_index("measure").loc[
        "reviews_in_time_pct", ["la_n", "la_of"]].tolist() == [207, 213]  # fmt: skip
    # a suppressed count stays missing, never zero: Central Bedfordshire's 16-20 band is "c"
    cb = pathway_benchmarks("823", 2018).set_index("measure").loc["icpc_16_20_days_pct"]
    assert pd.isna(cb["la_n"]) and pd.isna(cb["la_value"]) and cb["la_marker"] == "c"


def test_pathway_figures_use_the_grouping_asked_for():
    auto = pathway_benchmarks("358", 2018)
    assert auto.attrs["neighbours"][0]["la"] == "919"
    t = pathway_benchmarks("358", 2018, sn_grouping="may_2025")
    assert [n["la"] for n in t.attrs["neighbours"]] == TRAFFORD_2025
    assert t.attrs["grouping"] == "DfE statistical neighbours, May 2025"
    with pytest.raises(InputError, match="unknown sn_grouping 'june_2030'"):
        pathway_benchmarks("358", 2018, sn_grouping="june_2030")


def test_lait_pathway_figures_agree_with_c4_and_their_own_counts():
    """C4's bands are LAIT's 10_ICPC..21_ICPC, and LAIT's RevCP is its two D6 counts' ratio,
    at every council and year both publish; so bands from C4 and %s from LAIT are one source."""
    from cpmetrics.rounding import round1

    with published_path("lait").open("rb") as fh:
        lait = pd.read_parquet(fh)
    codes = ["10_ICPC", "15_ICPC", "20_ICPC", "21_ICPC", "RevCP", "CPP_Reviewed_InReqTimeScl",
             "CPP_31March_3MnthorMore"]  # fmt: skip
    lait = lait[(lait["LA Number"] < 970) & lait["Short Desc"].isin(codes)]
    lait = lait.assign(time_period=lait["Years"].astype(int),
                       area=lait["LA Number"].astype(int).astype(str))  # fmt: skip
    c4 = read_ees("c4")
    for code, col in (
        ("10_ICPC", "Duration_0-10_days"),
        ("15_ICPC", "Duration_11-15_days"),
        ("20_ICPC", "Duration_16-20_days"),
        ("21_ICPC", "Duration_21+_days"),
    ):
        theirs = lait[lait["Short Desc"] == code]
        theirs = theirs.assign(lait=split_markers(theirs["Values"])[0])
        ours = c4[c4["column"] == col][["time_period", "area", "value"]]
        both = ours.merge(theirs, on=["time_period", "area"]).dropna(subset=["value", "lait"])
        assert len(both) > 1300, code  # 1,385 to 1,510 council-years, by band
        assert (both["value"] == both["lait"]).all(), code
    wide = lait.assign(v=split_markers(lait["Values"])[0]).pivot_table(
        index=["time_period", "area"], columns="Short Desc", values="v", aggfunc="first"
    )
    got = wide["CPP_Reviewed_InReqTimeScl"] / wide["CPP_31March_3MnthorMore"] * 100
    both = pd.DataFrame({"pct": got.map(round1, na_action="ignore"),
                         "lait": wide["RevCP"].round(1)}).dropna()  # fmt: skip
    assert len(both) > 1400
    assert (both["pct"] == both["lait"]).all()


# --------------------------------------------------------------- markers and the mean


def test_markers_stay_missing_with_their_reason():
    values, markers = split_markers(pd.Series(["12", "c", "x", "z", "u", "k", "low", "-", "0"]))
    assert values.tolist()[0] == 12.0 and values.tolist()[-1] == 0.0
    assert values.iloc[1:8].isna().all()
    assert markers.iloc[1:8].tolist() == ["c", "x", "z", "u", "k", "low", "-"]
    assert markers.iloc[[0, 8]].isna().all()
    d5 = read_ees("d5")
    suppressed = d5[d5["marker"] == "c"]
    assert len(suppressed) > 1000 and suppressed["value"].isna().all()


def test_a_suppressed_neighbour_is_left_out_of_the_mean_and_counted_out():
    # 8.9 and 2.4 published, one suppressed: (8.9 + 2.4) / 2 = 5.65 -> 5.7 on 2, not 3.8 on 3
    assert neighbours_mean([8.9, None, 2.4]) == (5.7, 2)
    assert neighbours_mean([None, None]) == (None, 0)
    nv = neighbour_values("358", 2017, "ended_2y_plus_pct")
    assert nv["la"].tolist() == TRAFFORD_2021
    left_out = nv[~nv["used"]]
    assert left_out["name"].tolist() == ["Central Bedfordshire", "York", "Cheshire East"]
    assert left_out["value"].isna().all() and (left_out["marker"] == "-").all()


def test_a_neighbour_that_did_not_exist_that_year_is_counted_out():
    # North Northamptonshire's 6th April 2021 neighbour is Cumbria, abolished before 2023-24
    nv = neighbour_values("940", 2024, "on_plan_rate_per_10k")
    cumbria = nv[nv["la"] == "909"].iloc[0]
    assert not cumbria["used"] and cumbria["marker"] == "absent"
    assert nv["used"].sum() == 9


# --------------------------------------------------------------- neighbours and groupings


def test_grouping_in_force_by_year():
    assert grouping_for_year(2013).key == "april_2021"
    assert grouping_for_year(2024).key == "april_2021"
    assert grouping_for_year(2025).key == "may_2025"
    assert grouping_for_year(2026).key == "may_2025"


def test_trafford_neighbours_in_rank_order():
    n17 = statistical_neighbours("358", 2017)
    assert n17["la"].tolist() == TRAFFORD_2021
    assert n17["rank"].tolist() == list(range(1, 11))
    assert n17["name"].iloc[0] == "Hertfordshire"
    assert n17.attrs["grouping"] == "DfE statistical neighbours, April 2021 (LGR version)"
    n25 = statistical_neighbours("Trafford", 2025)
    assert n25["la"].tolist() == TRAFFORD_2025
    assert n25.attrs["grouping"] == "DfE statistical neighbours, May 2025"
    t2025 = benchmark_table("358", 2025)
    assert t2025["grouping"].iloc[0] == "DfE statistical neighbours, May 2025"


def test_new_council_missing_from_the_2021_list_falls_back_and_says_so():
    n = statistical_neighbours("Cumberland", 2024)
    assert n["la"].iloc[0] == "943"
    assert n.attrs["grouping"].startswith("DfE statistical neighbours, May 2025")
    assert "April 2021" in n.attrs["grouping"]


# --------------------------------------------------------------- LA lookup


@pytest.mark.parametrize(
    "query,year,number,ons",
    [
        ("358", None, "358", "E08000009"),
        (358, 2017, "358", "E08000009"),
        ("E08000009", 2017, "358", "E08000009"),
        ("trafford", 2017, "358", "E08000009"),
        ("Bournemouth", 2018, "837", "E06000028"),
        ("Poole", 2019, "836", "E06000029"),
        ("Dorset", 2018, "835", "E10000009"),
        ("Dorset", 2020, "838", "E06000059"),
        ("E10000009", None, "835", "E10000009"),
        ("BCP", 2020, "839", "E06000058"),
        ("Bournemouth, Christchurch & Poole", 2021, "839", "E06000058"),
        ("Buckinghamshire", 2020, "825", "E10000002"),
        ("Buckinghamshire", 2021, "825", "E06000060"),
        ("E06000060", 2018, "825", "E10000002"),
        ("E10000002", 2025, "825", "E06000060"),
        ("Northamptonshire", 2021, "928", "E10000021"),
        ("West Northamptonshire", 2022, "941", "E06000062"),
        ("Cumbria", 2023, "909", "E10000006"),
        ("Westmorland and Furness", 2024, "943", "E06000064"),
        ("North Yorkshire", 2023, "815", "E10000023"),
        ("E10000023", 2024, "815", "E06000065"),
        ("Somerset", 2024, "933", "E06000066"),
        ("E06000066", 2017, "933", "E10000027"),
        ("Bristol", None, "801", "E06000023"),
        ("Durham", None, "840", "E06000047"),
        ("E08000038", None, "370", "E08000016"),  # Barnsley's code from May 2025 (las.csv)
    ],
)
def test_lookup_by_number_code_or_name_across_boundary_changes(query, year, number, ons):
    la = lookup_la(query, year)
    assert (la.dfe_number, la.ons_code) == (number, ons)


def test_lookup_refuses_a_council_in_a_year_it_did_not_exist_and_names_who_did():
    with pytest.raises(InputError, match=r"North Northamptonshire \(940\), West Northamptonshire"):
        lookup_la("Northamptonshire", 2022)
    with pytest.raises(InputError, match=r"covered by Dorset \(835\), Poole \(836\), Bournemouth"):
        lookup_la("839", 2018)
    with pytest.raises(InputError, match=r"Cumberland \(942\), Westmorland and Furness \(943\)"):
        benchmark_table("Cumbria", 2024)
    assert lookup_la("Poole", 2022, follow_successor=True).dfe_number == "839"


def test_unknown_la_and_year_are_input_errors():
    with pytest.raises(InputError) as err:
        benchmark_table("xyz", 2017)
    assert err.value.line() == "unknown local authority 'xyz'"
    with pytest.raises(InputError, match="cover 2013 to 2025"):
        benchmark_table("358", 2030)


# --------------------------------------------------------------- outputs


def test_benchmark_table_has_every_headline_measure(t2017):
    assert t2017["measure"].tolist() == [
        "on_plan", "on_plan_rate_per_10k", "starts", "starts_rate_per_10k",
        "starts_second_or_subsequent_pct", "ended_2y_plus_pct",
        "on_plan_3m_or_less_pct", "on_plan_3m_to_6m_pct", "on_plan_6m_to_1y_pct",
        "on_plan_1y_to_2y_pct", "on_plan_2y_plus_pct",
        "assessments_da_3a_pct", "assessments_da_3b_pct", "assessments_da_3c_pct",
        "section47_rate_per_10k", "icpc_rate_per_10k",
        "icpcs", "icpcs_within_15_days", "icpc_within_15_days_pct",
        "icpc_0_10_days_pct", "icpc_11_15_days_pct", "icpc_16_20_days_pct",
        "icpc_21_plus_days_pct", "icpc_median_working_days",
        "on_plan_3m_plus", "reviewed_in_time", "reviews_in_time_pct",
    ]  # fmt: skip
    for col in ("la_value", "neighbours_mean", "region_value", "england_value"):
        assert t2017[col].dtype == "float64"
    assert row(t2017, "section47_rate_per_10k")["la_value"] == 75.9  # 410 / 54,045 x 10,000
    assert row(t2017, "icpc_rate_per_10k")["england_value"] == 65.9  # LAIT ISCP_Conf


def test_benchmark_json_is_json_with_nulls_for_markers():
    j = benchmark_json("Trafford", 2017)
    json.dumps(j)
    assert j["la"]["dfe_number"] == "358" and j["year_label"] == "2016-17"
    assert j["grouping"] == "DfE statistical neighbours, April 2021 (LGR version)"
    ceased = j["measures"]["ended_2y_plus_pct"]
    assert ceased["la"] == {"value": 10.9, "marker": None}
    assert ceased["neighbours_mean"]["value"] == 4.7
    assert (ceased["neighbours_mean"]["n"], ceased["neighbours_mean"]["of"]) == (7, 10)
    assert j["measures"]["assessments_da_3a_pct"]["la"] == {"value": None, "marker": "absent"}
    assert [n["la"] for n in j["neighbours"]] == TRAFFORD_2021


def test_format_benchmark_prints_one_decimal_and_the_counts(t2017):
    text = format_benchmark(t2017)
    assert "Trafford (DfE 358, E08000009), year ending 31 March 2017 (2016-17)" in text
    assert "DfE statistical neighbours, April 2021 (LGR version)" in text
    line = next(x for x in text.splitlines() if x.startswith("Plans ended that had lasted"))
    # Trafford, polarity, rank, band, change, last year's rank and band, neighbours, NW, England
    assert line.split()[-13:] == ["10.9", "lower", "120/121", "D", "+3.3", "107/120", "D",
                                  "4.7", "(7", "of", "10)", "3.1", "3.4"]
    line = next(x for x in text.splitlines() if x.startswith("Plans started per 10,000"))
    assert line.split()[4:10] == ["48.8", "lower", "45/147", "B", "-4.9", "74/149"]
    line = next(x for x in text.splitlines() if x.startswith("Section 47 enquiries"))
    assert line.split()[5:10] == ["75.9", "-", "-", "-", "-17.7"]  # neither: no rank or band
    line = next(x for x in text.splitlines() if x.startswith("Children on a plan at 31 March  "))
    assert "258" in line and line.endswith("51,080")
    assert "Open Government Licence v3.0" in text


def test_published_series_for_trafford():
    s = published_series("358")
    wide = s.pivot(index="time_period", columns="measure", values="value")
    # PROVENANCE.md: Trafford 2015-16 26.8% second or subsequent, 315 on a plan, rate 59.0
    assert wide.loc[2016, "starts_second_or_subsequent_pct"] == 26.8
    assert wide.loc[2016, "on_plan"] == 315
    assert wide.loc[2016, "on_plan_rate_per_10k"] == 59.0
    assert wide.loc[2018, "on_plan_2y_plus_pct"] == 6.6
    assert s["time_period"].min() == 2013 and s["time_period"].max() == 2025


def test_london_councils_are_compared_with_inner_or_outer_london():
    t = benchmark_table("Camden", 2017)
    assert t.attrs["region"] == {"code": "E13000001", "name": "Inner London"}
    lait = read_lait()
    inner = lait[(lait["area"] == "E13000001") & (lait["time_period"] == 2017)]
    inner = inner.set_index("column")["value"]
    assert row(t, "ended_2y_plus_pct")["region_value"] == inner["CPPlans2yrs"]


def test_funnel_for_every_la_against_england():
    f18 = funnel_data("starts_second_or_subsequent", 2018)
    traff = f18.set_index("la").loc["358"]
    assert (traff["n"], traff["of"], traff["target_pct"]) == (76, 261, 20.2)
    assert traff["upper_99_8"] == pytest.approx(28.8678, abs=1e-4)  # see test_stats
    assert traff["position"] == "above 99.8% limit"
    f17 = funnel_data("starts_second_or_subsequent", 2017)
    assert f17.set_index("la").loc["358", "position"] == "within 95% limits"
    assert len(f17) == 152


def test_published_measure_is_published_values_for_one_measure():
    from cpmetrics.benchmarks import published_measure, published_values

    v = published_values()
    want = v[v["measure"] == "starts_second_or_subsequent_pct"].reset_index(drop=True)
    got = published_measure("starts_second_or_subsequent_pct").reset_index(drop=True)
    pd.testing.assert_frame_equal(got, want)
    assert len(published_measure("no such measure")) == 0


def test_statistical_neighbours_hands_out_its_own_copy():
    first = statistical_neighbours("358", 2017)
    first.loc[0, "name"] = "changed"
    again = statistical_neighbours("Trafford", 2017)
    assert again.loc[0, "name"] != "changed" and list(again["la"]) == list(first["la"])


def test_benchmark_table_ranks_bands_and_changes(t2017, t2018):
    r = row(t2017, "starts_second_or_subsequent_pct")
    assert (r["polarity"], r["national_rank"], r["national_of"], r["national_band"]) == (
        "lower is better", 91, 152, "C")
    assert (r["la_previous_value"], r["la_change"]) == (26.8, -7.5)
    assert (r["national_previous_rank"], r["national_previous_of"],
            r["national_previous_band"]) == (144, 148, "D")
    r = row(t2018, "ended_2y_plus_pct")
    assert (r["national_rank"], r["national_of"], r["national_band"], r["la_change"]) == (
        122, 125, "D", -0.8)
    r = row(t2018, "icpc_within_15_days_pct")  # higher is better
    assert r["polarity"] == "higher is better" and r["national_band"] in "ABCD"
    r = row(t2017, "on_plan")
    assert r["polarity"] == "neither" and pd.isna(r["national_rank"])
    assert pd.isna(r["national_band"]) and r["la_change"] == -57  # 315 -> 258
    assert t2017["national_rank"].dtype == "Int64" and t2017["la_change"].dtype == "float64"


def test_benchmark_table_with_named_comparators():
    t = benchmark_table("358", 2017, comparators=["CHESHIRE EAST", "356", "895"])
    assert [c["dfe_number"] for c in t.attrs["comparators"]] == ["895", "356"]
    r = row(t, "starts_second_or_subsequent_pct")
    assert (r["comparator_895_value"], r["comparator_895_rank"], r["comparator_895_band"]) == (
        17.4, 68, "B")
    assert r["comparator_356_value"] == 14.0
    r = row(t, "ended_2y_plus_pct")
    assert pd.isna(r["comparator_895_value"]) and r["comparator_895_marker"] == "-"
    text = format_benchmark(t)
    assert "Compared with: Cheshire East (895); Stockport (356)" in text
    head = next(x for x in text.splitlines() if x.startswith("Measure"))
    assert head.split()[-4:] == ["England", "Cheshire", "East", "Stockport"]
    with pytest.raises(InputError, match="unknown local authority 'Nowhere'"):
        benchmark_table("358", 2017, comparators=["Nowhere"])


def test_benchmark_json_carries_rank_band_change_and_comparators():
    j = benchmark_json("358", 2018, comparators=["Cheshire East"])
    m = j["measures"]["starts_second_or_subsequent_pct"]
    assert m["polarity"] == "lower is better"
    assert {k: m["national"][k] for k in ("rank", "of", "band")} == {
        "rank": 145, "of": 148, "band": "D"}
    assert m["national"]["quartiles"] == [8.0, 16.575, 20.0, 23.325, 30.6]
    assert (m["change"]["value"], m["change"]["direction"]) == (9.8, "worse")
    assert m["change"]["previous"] == {"year": 2017, "year_label": "2016-17", "value": 19.3,
                                       "rank": 91, "of": 152, "band": "C"}
    assert m["comparators"] == {"895": {"value": 17.7, "marker": None, "rank": 48,
                                        "band": "B"}}
    assert j["comparators"][0]["name"] == "Cheshire East"
    assert j["measures"]["on_plan"]["national"]["rank"] is None
    assert "LAIT" in j["ranking"]


def test_la_names_from_table_d3():
    """DfE's latest name per number, abolished councils kept under their own."""
    from cpmetrics.benchmarks import la_names

    names = la_names()
    assert names["358"] == "Trafford" and names["352"] == "Manchester"
    assert names["909"] == "Cumbria" and names["942"] == "Cumberland"
    assert "999" not in names
