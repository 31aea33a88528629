"""A council's share beside the published figures: the gap in children, where it stands, and
named comparator councils."""

from __future__ import annotations

import pytest
from cpmetrics.comparison import (
    comparator_figures,
    comparator_lines,
    gap_in_children,
    published_figure,
    published_standing,
)
from cpmetrics.errors import InputError
from cpmetrics.ranking import HIGHER, NEITHER

REPLANS = "starts_second_or_subsequent_pct"


def test_trafford_2017_18_gap_to_the_neighbours_2016_17_share():
    # 76 of 261 re-plans (29.1%); at 19.8% 261 plans give 51.68 re-plans: 24.32 fewer
    g = gap_in_children(76, 261, 19.8)
    assert g.expected == pytest.approx(51.678)
    assert (g.children, g.direction, g.better) == (24, "fewer", False)
    assert g.sentence() == ("To match the neighbours' 19.8%, about 24 fewer of this year's 261 "
                            "plans would have been re-plans (76 were, 29.1%).")


def test_the_issues_example_112_plans():
    # 30 of 112 (26.8%); at 19.8%: 22.18, so 7.82 fewer -> about 8
    g = gap_in_children(30, 112, 19.8)
    assert (g.children, g.direction) == (8, "fewer")
    assert "about 8 fewer of this year's 112 plans" in g.sentence()


def test_a_council_better_than_the_target_is_told_so_never_a_negative_count():
    # 17 of 112 (15.2%): 5.18 fewer re-plans than 19.8% would give
    g = gap_in_children(17, 112, 19.8)
    assert (g.children, g.direction, g.better) == (5, "more", True)
    text = g.sentence()
    assert text == ("17 of this year's 112 plans were re-plans (15.2%): already below the "
                    "neighbours' 19.8%, about 5 fewer than that share would give.")
    assert not any(w.startswith("-") for w in text.split())


def test_higher_is_better_measures_turn_the_words_round():
    conf = {"items": "conferences", "counted": "held within 15 working days"}
    worse = gap_in_children(30, 50, 80.5, HIGHER)  # 40.25 expected: 10.25 more needed
    assert worse.sentence(**conf) == (
        "To match the neighbours' 80.5%, about 10 more of this year's 50 conferences would "
        "have been held within 15 working days (30 were, 60.0%).")
    better = gap_in_children(45, 50, 80.5, HIGHER)  # 4.75 above: about 5
    assert better.better is True
    assert "already above the neighbours' 80.5%, about 5 more than" in better.sentence(**conf)


def test_rounding_whole_children_halves_up_then_tens_from_100():
    assert gap_in_children(22, 112, 19.8).direction is None  # 22 - 22.18: rounds to none
    assert "in line with the neighbours' 19.8%" in gap_in_children(22, 112, 19.8).sentence()
    assert gap_in_children(23, 112, 19.8).sentence().startswith(
        "To match the neighbours' 19.8%, about one fewer")  # 0.82 -> 1
    assert gap_in_children(5, 10, 25.0).children == 3  # 2.5 -> 3, half away from zero
    assert gap_in_children(500, 2000, 19.8).children == 100  # 104 -> 100
    assert gap_in_children(600, 2000, 19.8).children == 200  # 204 -> 200
    assert gap_in_children(20, 100, 10.0, NEITHER).better is None


def test_nothing_to_compare_and_small_counts():
    assert gap_in_children(0, 0, 19.8) is None
    assert gap_in_children(5, 20, None) is None
    small = gap_in_children(3, 40, 19.8, threshold=5)
    assert small.suppressed
    assert small.sentence() == ("With fewer than 5 re-plans or plans, the gap to the "
                                "neighbours' 19.8% is not given.")
    assert not gap_in_children(0, 40, 19.8, threshold=5).suppressed  # none is not a small count


def test_published_standing_in_the_year_a_september_2018_pack_compares_with():
    s = published_standing("358", REPLANS, "2018-09-30")  # 2016-17, published by then
    assert (s["year_label"], s["rank"], s["of"], s["band"]) == ("2016-17", 91, 152, "C")
    assert (s["rank_text"], s["change"], s["direction"]) == ("91st of 152", -7.5, "better")
    assert s["polarity"] == "lower is better" and s["note"] is None
    later = published_standing("358", REPLANS, "2018-11-30")  # 2017-18 out on 1 November
    assert (later["year"], later["rank"], later["band"]) == (2018, 145, "D")
    missing = published_standing("xyz", REPLANS, "2018-09-30")
    assert missing["rank"] is None and "unknown local authority" in missing["note"]


def test_named_comparators_beside_neighbours_and_england():
    pub = published_figure("358", REPLANS, "2018-09-30",
                           comparators=["cheshire east", "356", "Cheshire East"])
    assert (pub["neighbours"], pub["england"]) == (19.8, 18.7)
    assert [(c["la"], c["name"], c["value"]) for c in pub["comparators"]] == [
        ("895", "Cheshire East", 17.4), ("356", "Stockport", 14.0)]
    assert (pub["comparators"][0]["rank"], pub["comparators"][0]["band"]) == (68, "B")
    assert comparator_lines(pub) == {"Cheshire East": 17.4, "Stockport": 14.0}
    assert published_figure("358", REPLANS, "2018-09-30")["comparators"] == []
    # LAIT has "-" for Cheshire East's ceased plans lasting 2 years or more in 2016-17
    ended = comparator_figures(["Cheshire East"], "ended_2y_plus_pct", 2017)
    assert ended[0]["value"] is None and ended[0]["marker"] == "-"
    with pytest.raises(InputError, match="unknown local authority 'Nowhere'"):
        comparator_figures(["Nowhere"], REPLANS, 2017)
