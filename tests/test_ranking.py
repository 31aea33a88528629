"""National rank and quartile band as DfE's LAIT works them out, by hand and on published figures.

LAIT's method, from its own code (dfe-analytical-services/local-authority-interactive-tool,
R/fn_analysis.R): rank(values, ties.method = "min"), 1 = best by polarity; quartiles from R's
quantile() (type 7); band A to D with a value on a quartile going to the band below it in value.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
from cpmetrics import ranking
from cpmetrics.benchmarks import MEASURES, published_path
from cpmetrics.errors import InputError
from cpmetrics.ranking import (
    HIGHER,
    LOWER,
    NEITHER,
    national_ranks,
    place,
    polarity,
    quartiles,
    rank_and_band,
    standing,
)

REPLANS, ENDED_2Y = "starts_second_or_subsequent_pct", "ended_2y_plus_pct"

# --------------------------------------------------------------- by hand

# seven councils and one with no published value; sorted: 4, 8, 8, 10, 13, 15, 20
VALUES = pd.Series([10.0, 8.0, 20.0, None, 4.0, 13.0, 8.0, 15.0],
                   index=list("abcdefgh"))  # fmt: skip


def test_quartiles_by_hand_r_type_7():
    # position (n - 1) p from 0 on 4, 8, 8, 10, 13, 15, 20: 0, 1.5, 3, 4.5, 6
    # Q1 = 8 + 0.5 (8 - 8) = 8; Q2 = 10; Q3 = 13 + 0.5 (15 - 13) = 14
    assert quartiles(VALUES) == (4.0, 8.0, 10.0, 14.0, 20.0)


def test_quartiles_agree_with_numpy_linear_which_is_r_type_7():
    rng = np.random.default_rng(13)
    for n in (1, 2, 3, 4, 5, 7, 150, 152):
        x = np.round(rng.uniform(0, 40, n), 1)
        got = quartiles(pd.Series(x))
        want = np.quantile(x, [0, 0.25, 0.5, 0.75, 1])
        assert got == pytest.approx(tuple(want), abs=1e-12)


def test_lower_is_better_rank_and_band_by_hand():
    t = rank_and_band(VALUES, LOWER)
    # lowest first; the two 8s share rank 2 and rank 3 is skipped
    assert t["rank"].tolist() == [4, 2, 7, pd.NA, 1, 5, 2, 6]
    # A <= Q1 (8), B <= Q2 (10), C <= Q3 (14), D above: a value on a quartile goes to the
    # better band (8 -> A, 10 -> B)
    assert t["band"].tolist() == ["B", "A", "D", pd.NA, "A", "C", "A", "D"]
    assert t.attrs["of"] == 7 and t.attrs["quartiles"][3] == 14.0


def test_higher_is_better_rank_and_band_by_hand():
    t = rank_and_band(VALUES, HIGHER)
    assert t["rank"].tolist() == [4, 5, 1, pd.NA, 7, 3, 5, 2]
    # A above Q3 (14), B above Q2 (10), C above Q1 (8), D at or below Q1: a value on a
    # quartile goes to the worse band (8 -> D, 10 -> C), as LAIT's calculate_quartile_band
    assert t["band"].tolist() == ["C", "D", "A", pd.NA, "D", "B", "D", "A"]


def test_a_measure_that_is_neither_has_no_rank_or_band():
    t = rank_and_band(VALUES, NEITHER)
    assert t["rank"].isna().all() and t["band"].isna().all()
    assert t.attrs["of"] == 7


def test_every_published_measure_has_one_polarity_from_one_place():
    keys = {m.key for m in MEASURES}
    assert set(ranking.LAIT_CODES) | set(ranking.OWN_POLARITY) == keys
    assert not set(ranking.LAIT_CODES) & set(ranking.OWN_POLARITY)
    # LAIT's data dictionary (shipped): Polarity Low, High or "-"
    assert polarity(REPLANS) == LOWER  # PrevRegCPR: Low
    assert polarity(ENDED_2Y) == LOWER  # CPPlans2yrs: Low
    assert polarity("on_plan_2y_plus_pct") == LOWER  # CPPlans2yrsActive: Low
    assert polarity("starts_rate_per_10k") == LOWER  # CPP_Abuse_Rate: Low
    assert polarity("icpc_within_15_days_pct") == HIGHER  # CP_conf_15days: High
    assert polarity("reviews_in_time_pct") == HIGHER  # RevCP: High
    assert polarity("on_plan") == NEITHER  # CPP_Num: -
    assert polarity("on_plan_rate_per_10k") == NEITHER  # CPP_rate: -
    assert polarity("section47_rate_per_10k") == NEITHER  # Section_47: -
    assert ranking.polarity_basis(REPLANS) == "LAIT PrevRegCPR (Low)"
    assert ranking.polarity_basis("icpc_median_working_days").startswith("cpmetrics")
    with pytest.raises(InputError, match="no polarity"):
        polarity("no_such_measure")


def test_a_measure_lait_shows_no_band_for_is_ranked_without_one(monkeypatch):
    # CPP_Good_Develop: Polarity High, No_Quartile N ("data range is too small")
    assert ranking.lait_dictionary()["CPP_Good_Develop"]["No_Quartile"] == "N"
    monkeypatch.setitem(ranking.LAIT_CODES, REPLANS, "CPP_Good_Develop")
    ranking._year.cache_clear()
    try:
        t = national_ranks(REPLANS, 2017)
        assert t["band"].isna().all() and t.attrs["polarity"] == HIGHER
        assert t["rank"].iloc[0] == 1 and t["value"].iloc[0] == t["value"].max()
    finally:
        ranking._year.cache_clear()


# --------------------------------------------------------------- published figures


def test_trafford_replan_share_2016_17_rank_and_band_worked_out_from_d3():
    """Worked out here from the shipped D3 file with pandas alone: every council's published
    % second or subsequent for 2016-17, ranked lowest first with ties at their lowest rank,
    quartiles by linear interpolation (R type 7, pandas' default)."""
    with published_path("d3").open("rb") as fh:
        d3 = pd.read_csv(fh, dtype=str)
    las = d3[(d3["time_period"] == "2017") & (d3["geographic_level"] == "Local authority")]
    pct = pd.to_numeric(las["CPP_subsequent_percent"], errors="coerce")
    pct.index = las["old_la_code"]
    pct = pct.dropna()
    rank = pct.rank(method="min")
    q1, q2, q3 = pct.quantile([0.25, 0.5, 0.75])
    assert (len(pct), int(rank["358"]), pct["358"]) == (152, 91, 19.3)
    assert q2 < pct["358"] <= q3  # band C
    s = standing("358", REPLANS, 2017)
    assert (s.value, s.rank, s.of, s.band) == (19.3, 91, 152, "C")
    assert s.rank_text() == "91st of 152"
    assert s.quartiles[1:4] == pytest.approx((q1, q2, q3))
    assert (q1, q2, q3) == pytest.approx((14.675, 18.35, 22.025))


def test_lait_ranks_one_council_fewer_in_2016_17():
    """LAIT's own PrevRegCPR for 2016-17 has Isles of Scilly as "-" where D3 publishes 0.0%
    (0 re-plans of a suppressed number of starts): on LAIT's values Trafford is 90th of 151,
    on D3's (which the benchmark shows) 91st of 152. Every other council's value is the same."""
    with published_path("lait").open("rb") as fh:
        lait = pq.read_table(fh, filters=[("Short Desc", "=", "PrevRegCPR"),
                                          ("Years", "=", "2017")]).to_pandas()
    lait = lait[lait["LA Number"] < 970]
    lait.index = lait["LA Number"].astype(int).astype(str)
    values = pd.to_numeric(lait["Values"], errors="coerce").round(1).dropna()
    assert (len(values), int(values.rank(method="min")["358"])) == (151, 90)
    ours = national_ranks(REPLANS, 2017).set_index("la")["value"].dropna()
    assert sorted(set(ours.index) - set(values.index)) == ["420"]
    assert (ours.drop("420") == values.reindex(ours.drop("420").index)).all()


def test_trafford_standing_on_replans_and_ended_two_years():
    r17, r18 = standing("358", REPLANS, 2017), standing("Trafford", REPLANS, 2018)
    assert (r18.value, r18.rank, r18.of, r18.band) == (29.1, 145, 148, "D")
    assert (r18.change, r18.direction) == (9.8, "worse")  # 19.3% -> 29.1%
    assert (r18.previous_rank, r18.previous_of, r18.previous_band) == (91, 152, "C")
    assert (r17.change, r17.direction) == (-7.5, "better")  # 26.8% in 2015-16
    assert (r17.previous_rank, r17.previous_of, r17.previous_band) == (144, 148, "D")
    e17, e18 = standing("358", ENDED_2Y, 2017), standing("358", ENDED_2Y, 2018)
    assert (e17.value, e17.rank, e17.of, e17.band) == (10.9, 120, 121, "D")
    assert (e17.change, e17.direction, e17.previous_rank) == (3.3, "worse", 107)  # 7.6% 2015-16
    assert (e18.value, e18.rank, e18.of, e18.band) == (10.1, 122, 125, "D")
    assert (e18.change, e18.direction) == (-0.8, "better")


def test_ties_share_the_lowest_rank_on_published_figures():
    t = national_ranks(REPLANS, 2017)
    top = t.head(3)
    # City of London and Isles of Scilly both 0.0%; Westminster, next, is 3rd
    assert top["la"].tolist() == ["201", "420", "213"]
    assert top["rank"].tolist() == [1, 1, 3] and top["band"].tolist() == ["A", "A", "A"]
    assert t.attrs["of"] == t["rank"].notna().sum() == 152


def test_a_council_with_no_published_value_has_no_rank_and_keeps_its_marker():
    s = standing("Cheshire East", ENDED_2Y, 2017)  # LAIT "-"
    assert (s.value, s.marker, s.rank, s.band, s.of) == (None, "-", None, None, 121)
    assert s.rank_text() == "not ranked" and s.change is None and s.direction is None


def test_neither_measures_change_up_or_down_without_rank():
    s = standing("358", "on_plan", 2017)
    assert (s.polarity, s.rank, s.band, s.rank_text()) == (NEITHER, None, None, "-")
    assert (s.value, s.previous_value, s.change, s.direction) == (258, 315, -57, "down")


def test_a_year_with_no_year_before_has_no_change():
    s = standing("358", ENDED_2Y, 2016)  # LAIT starts in 2015-16
    assert s.value == 7.6 and s.previous_value is None and s.change is None


def test_place_a_local_figure_among_the_published_ones():
    t = national_ranks(REPLANS, 2017)
    others = t[(t["la"] != "358") & t["value"].notna()]
    assert place(29.1, REPLANS, 2017, la="358") == (int((others["value"] < 29.1).sum()) + 1,
                                                     152, "D")
    assert place(19.3, REPLANS, 2017, la="358") == (91, 152, "C")
    assert place(None, REPLANS, 2017)[0] is None
    assert place(250.0, "on_plan", 2017) [0] is None  # neither: no rank


def test_unknown_measure_and_year_are_input_errors():
    with pytest.raises(InputError, match="unknown measure"):
        standing("358", "nope", 2017)
    with pytest.raises(InputError, match="cover 2013 to 2025"):
        national_ranks(REPLANS, 2031)
