"""The words come from the numbers, and small numbers come out as "fewer than 5"."""

from cpmetrics import narrative as nv
from cpmetrics.periods import Period
from cpmetrics.proportion import Proportion


def test_counts_in_words():
    assert [nv.count(n) for n in (0, 1, 4, 5, 70, 1204)] == [
        "none", "fewer than 5", "fewer than 5", "5", "70", "1,204"]
    assert nv.count(9, threshold=10) == "fewer than 10"


def test_the_scrutiny_sentence():
    text = nv.cohort_replans_paragraph(Proportion(70, 274), Proportion(60, 280))
    assert text.startswith("The proportion of the cohort with a second or subsequent plan is "
                           "25.5%, equating to 70 children and young people.")
    assert "higher than at the same time last year (21.4%)" in text


def test_small_numbers_are_suppressed_and_so_is_their_percentage():
    text = nv.cohort_replans_paragraph(Proportion(3, 40), Proportion(10, 40))
    assert "Fewer than 5 of the 40 children" in text
    assert "%" not in text and " 3 " not in text


def test_share_gives_n_of_n_and_percent():
    assert nv.share(Proportion(30, 112), "plans started") == "26.8% (30 of the 112 plans started)"
    assert nv.share(Proportion(2, 112), "plans started") == "fewer than 5 of the 112 plans started"


def test_replans_paragraph_against_last_year_and_published():
    text = nv.starts_replans_paragraph(
        Period.ending("2018-08-31"), Proportion(30, 112), Proportion(76, 261), Proportion(3, 20), 2,
        19.8, 18.7, "2016-17")
    assert "29.1% (76 of the 261 plans)" in text
    assert "26.8% (30 of the 112 plans started), lower than last year" in text
    assert "fewer than 5 re-plans in the last 2 months" in text
    assert "higher than the latest published figure (2016-17)" in text


def test_long_plans_ratio_to_neighbours():
    text = nv.long_plans_paragraph(Proportion(16, 246), Proportion(11, 100), 4.7, 3.4)
    assert "6.5% (16 of the 246 children)" in text
    assert "about 2.3 times their proportion" in text


def test_the_gap_to_the_neighbours_in_children():
    # 112 plans at the neighbours' 19.8% give 22.18 re-plans: 30 is 7.82, about 8, too many
    said = nv.gap_sentence(Proportion(30, 112), 19.8, "starts_second_or_subsequent_pct",
                           items="plans", counted="re-plans")
    assert said == ("To match the statistical neighbours' 19.8%, about 8 fewer of this year's "
                    "112 plans would have been re-plans (30 were, 26.8%).")
    small = nv.gap_sentence(Proportion(3, 40), 19.8, "starts_second_or_subsequent_pct",
                            items="plans", counted="re-plans")
    assert small == ("With fewer than 5 re-plans or plans, the gap to the statistical "
                     "neighbours' 19.8% is not given.")
    assert nv.gap_sentence(Proportion(30, 112), None, "starts_second_or_subsequent_pct",
                           items="plans", counted="re-plans") == ""
