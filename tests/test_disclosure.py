"""Disclosure control (metrics.md): counts 1-4 as <5, dependent percentages hidden, no row-level."""

from __future__ import annotations

import pandas as pd
import pytest
from cpmetrics.disclosure import (
    DisclosureError,
    small_counts,
    suppress_count,
    suppress_metrics,
    suppress_table,
    suppress_text,
)


@pytest.mark.parametrize(
    ("value", "shown"),
    [(0, 0), (1, "<5"), (4, "<5"), (5, 5), (4.0, "<5"), (2.5, 2.5), (True, True)],
)
def test_counts_one_to_four_become_less_than_five(value, shown):
    assert suppress_count(value) == shown


def test_threshold_is_a_parameter():
    assert suppress_count(7, threshold=10) == "<10"
    assert suppress_count(4, threshold=3) == 4


def test_table_counts_and_their_percentages():
    df = pd.DataFrame(
        {
            "quarter": ["Q1", "Q2"],
            "year": [2018, 2018],
            "starts": [3, 12],
            "replan_n": [2, 6],
            "replan_of": [30, 12],
            "replan_pct": [6.7, 50.0],
            "replan_lo": [1.8, 25.4],
            "dv_n": [10, 6],
            "dv_of": [30, 12],
            "dv_pct": [33.3, 50.0],
            "england_pct": [18.7, 18.7],
        }
    )
    out = suppress_table(df)
    assert out["starts"].tolist() == ["<5", 12]
    assert out["replan_n"].tolist() == ["<5", 6]
    assert out["replan_pct"].tolist() == ["[c]", 50.0]
    assert out["replan_lo"].tolist() == ["[c]", 25.4]
    # a pair whose own counts are not small keeps its percentage
    assert out["dv_pct"].tolist() == [33.3, 50.0]
    # labels and published benchmarks are left alone
    assert out["year"].tolist() == [2018, 2018]
    assert out["england_pct"].tolist() == [18.7, 18.7]
    assert df["starts"].tolist() == [3, 12], "the input is not changed"


def test_bare_n_of_pct_and_unpaired_percentages():
    df = pd.DataFrame({"n": [70, 2], "of": [275, 9], "pct": [25.5, 22.2], "rate": [47.7, 3.7]})
    out = suppress_table(df)
    assert out["n"].tolist() == [70, "<5"]
    assert out["pct"].tolist() == [25.5, "[c]"]
    assert out["rate"].tolist() == [47.7, "[c]"]


def test_share_of_a_column_total_goes_with_its_own_count():
    """metrics.md: a percentage is suppressed when its numerator or denominator is. A column's
    share of its total (`on_plan_pct` = on_plan / all on a plan) rests on its own row's count
    only: a small count of starts in the same row hides the starts' share, not this one."""
    df = pd.DataFrame({"category": ["Physical abuse", "Neglect"], "starts": [3, 49],
                       "starts_pct": [2.7, 43.4], "on_plan": [18, 106], "on_plan_pct": [8.1, 47.5],
                       "rate": [1.1, 9.0]})
    out = suppress_table(df)
    assert out["starts"].tolist() == ["<5", 49]
    assert out["starts_pct"].tolist() == ["[c]", 43.4]
    assert out["on_plan_pct"].tolist() == [8.1, 47.5]
    assert out["rate"].tolist() == ["[c]", 9.0], "no count of its own: the cautious reading"
    small_on_plan = suppress_table(df.assign(on_plan=[2, 106]))
    assert small_on_plan["on_plan_pct"].tolist() == ["[c]", 47.5]


def test_a_row_with_two_proportions_says_what_each_figure_rests_on():
    """The headline row "Plans started: second or subsequent" in the 2018-04 pack: 5 of 13 this
    year (38.5%, Wilson 95% interval 17.7% to 64.5%), fewer than 5 of 16 a year ago. Only the
    year ago's figure rests on the small count."""
    from cpmetrics.summary import DEPENDS

    row = pd.DataFrame({"measure": ["Plans started: second or subsequent plan"], "unit": ["%"],
                        "n": [5], "of": [13], "value": [38.5], "ci_low": [17.7],
                        "ci_high": [64.5], "year_ago_n": [3], "year_ago_of": [16],
                        "year_ago": [18.8], "england_value": [18.7],
                        "vs_england": ["within chance of England"]})
    out = suppress_table(row, depends=DEPENDS).iloc[0]
    assert (out["n"], out["value"], out["ci_low"], out["ci_high"]) == (5, 38.5, 17.7, 64.5)
    assert out["vs_england"] == "within chance of England"
    assert (out["year_ago_n"], out["year_ago"]) == ("<5", "[c]")
    now_small = suppress_table(row.assign(n=[4]), depends=DEPENDS).iloc[0]
    assert [now_small[c] for c in ("n", "value", "ci_low", "ci_high", "vs_england")] == [
        "<5", "[c]", "[c]", "[c]", "[c]"]
    cautious = suppress_table(row, derived=["vs_england"]).iloc[0]  # not told: hide all
    assert (cautious["ci_low"], cautious["vs_england"]) == ("[c]", "[c]")


def test_denominator_below_threshold_hides_the_percentage():
    out = suppress_table(pd.DataFrame({"n": [0], "of": [3], "pct": [0.0]}))
    assert out["n"].tolist() == [0] and out["of"].tolist() == ["<5"]
    assert out["pct"].tolist() == ["[c]"]


def test_text_proportions_are_rewritten():
    assert suppress_text("3 of 12 (25.0%) were re-plans") == "<5 of 12 (suppressed) were re-plans"
    assert suppress_text("70 of 275 (25.5%)") == "70 of 275 (25.5%)"
    out = suppress_table(pd.DataFrame({"measure": ["a"], "shown": ["2 of 40 (5.0%)"]}))
    assert out["shown"].tolist() == ["<5 of 40 (suppressed)"]


@pytest.mark.parametrize("column", ["child_id", "LAchildID", "PersonBirthDate", "date_of_birth",
                                    "surname", "source_file", "location"])
def test_row_level_fields_are_refused(column):
    with pytest.raises(DisclosureError, match="row-level"):
        suppress_table(pd.DataFrame({column: ["x"], "n": [9]}))


def test_headline_dict():
    headline = {
        "period_end": "2018-03-31",
        "on_plan": 4,
        "on_plan_second_or_subsequent": {"n": 3, "of": 4, "pct": 75.0},
        "starts": 60,
        "starts_second_or_subsequent": {"n": 20, "of": 60, "pct": 33.3},
        "ended_2y_plus": {"n": 0, "of": 2, "pct": 0.0},
        "starts_dv": None,
        "starts_by_initial_category": {"NEG": 30, "SAB": 1},
        "rate_per_10k": 0.7,
        "quality": {"read": 120, "findings": {"L07": 2}},
        "child_id": "ABC123",
    }
    out = suppress_metrics(headline)
    assert out["on_plan"] == "<5"
    assert out["on_plan_second_or_subsequent"] == {"n": "<5", "of": "<5", "pct": None}
    assert out["starts_second_or_subsequent"] == {"n": 20, "of": 60, "pct": 33.3}
    assert out["ended_2y_plus"] == {"n": 0, "of": "<5", "pct": None}
    assert out["starts_by_initial_category"] == {"NEG": 30, "SAB": "<5"}
    assert out["rate_per_10k"] is None, "the rate would give away on_plan"
    assert out["quality"]["findings"]["L07"] == "<5"
    assert "child_id" not in out
    assert out["period_end"] == "2018-03-31" and out["starts_dv"] is None
    assert small_counts(out) == []
    assert small_counts(headline) != []


def test_a_percentage_without_its_numerator_column_is_hidden_with_any_small_count():
    # drivers.factor_shares: `episodes, of, pct` - no `n`, so `of` alone does not guard `pct`
    t = pd.DataFrame({"factor": ["3A", "3B"], "episodes": [3, 40], "of": [200, 200],
                      "pct": [1.5, 20.0]})
    out = suppress_table(t)
    assert out["episodes"].tolist() == ["<5", 40]
    assert out["pct"].tolist() == ["[c]", 20.0]


def test_headline_year_ago_is_counts_and_a_figure_of_its_own():
    from cpmetrics.summary import COLUMNS

    t = pd.DataFrame([
        {"measure": "Children on a plan", "unit": "children", "n": 223, "value": 223.0,
         "year_ago_n": 3, "year_ago": 3.0},
        {"measure": "Re-plans at start", "unit": "%", "n": 29, "of": 113, "value": 25.7,
         "year_ago_n": 2, "year_ago_of": 121, "year_ago": 1.7},
        {"measure": "Long plans", "unit": "%", "n": 3, "of": 223, "value": 1.3,
         "year_ago_n": 19, "year_ago_of": 258, "year_ago": 7.4},
    ], columns=COLUMNS).astype({c: "Int64" for c in ("n", "of", "year_ago_n", "year_ago_of")})
    out = suppress_table(t)
    assert out["year_ago_n"].tolist() == ["<5", "<5", 19]
    assert out["year_ago"].tolist() == ["[c]", "[c]", 7.4]
    assert out["value"].tolist() == [223.0, 25.7, "[c]"]


def test_an_empty_table_with_text_columns_passes_through():
    # a table with no rows yet (no practice change given): its string columns have no value
    # to read, and it leaves with its columns and no rows
    empty = pd.DataFrame({"measure": pd.Series([], dtype="string"),
                          "n": pd.Series([], dtype="Int64"),
                          "pct": pd.Series([], dtype="float64")})
    out = suppress_table(empty, 5)
    assert list(out.columns) == ["measure", "n", "pct"] and out.empty
