"""Categories, assessment factors and domestic violence/abuse, worked out by hand."""

from dataclasses import replace

from cpmetrics import drivers as dr
from cpmetrics.periods import Period
from cpmetrics.unavailable import NotAvailable
from helpers import assessment, history, plan

YEAR = Period.ending("2018-03-31")


def small():
    return history(
        plan("X", "2017-06-01", previous=1, category="EMO"),
        plan("Y", "2017-07-01", category="NEG"),
        plan("Z", "2017-08-01", previous=1, category="NEG"),
        assessments=[
            assessment("X", "2017-05-20", "3A,3B"),  # both DV codes: one episode, counted once
            assessment("Y", "2017-06-20", "3B,4B"),
            assessment("Z", "2017-07-20", "4B"),
            assessment("W", "2017-07-20", "21"),  # "no factors identified" is not a factor
            assessment("V", "2017-03-20", "3C"),  # authorised before the period
        ],
    )


def test_episode_factors_in_the_period_once_each():
    ef = dr.episode_factors(small().assessments, YEAR)
    assert ef["episode_id"].nunique() == 3
    assert sorted(ef["factor"]) == ["3A", "3B", "3B", "4B", "4B"]


def test_dv_counted_each_episode_once_and_as_dfe_column_sum():
    t = dr.dv_episode_share(small(), YEAR).set_index("method")
    once = t.loc["each episode once"]
    assert (once["n"], once["of"]) == (2, 3)  # X and Y
    summed = t.loc["DfE C3 column sum"]
    assert (summed["n"], summed["of"]) == (3, 3)  # 3A 1 + 3B 2 + 3C 0: X counted twice
    assert summed["pct"] == 100.0


def test_replans_with_and_without_dv():
    t = dr.replans_by_dv(small(), YEAR)
    assert (t["n"].iloc[0], t["of"].iloc[0]) == (1, 2)  # X, Y linked; X a re-plan
    assert (t["n"].iloc[1], t["of"].iloc[1]) == (1, 1)  # Z not linked, a re-plan


def test_starts_linked_to_dv():
    t = dr.starts_dv_share(small(), YEAR)
    assert (t["n"].iloc[0], t["of"].iloc[0]) == (2, 3)


def test_factors_that_come_with_dv():
    t = dr.dv_cooccurring(small(), YEAR)
    row = t.loc["Mental health: parent/carer"]
    assert (row["with_dv"], row["with_dv_pct"]) == (1, 50.0)  # Y of X, Y
    assert (row["without_dv"], row["without_dv_pct"]) == (1, 100.0)  # Z of Z


def test_categories_of_abuse():
    c = dr.category_profile(small().plans, YEAR)
    assert c.loc["Neglect", "starts"] == 2 and c.loc["Emotional abuse", "starts"] == 1
    assert round(c.loc["Neglect", "on_plan_pct"], 1) == 66.7


def test_no_assessments_means_not_available_and_says_why():
    t = history(plan("X", "2017-06-01"))
    assert t.assessments is None
    for f in (dr.factor_shares, dr.dv_episode_share, dr.starts_dv_share, dr.replans_by_dv,
              dr.dv_cooccurring):
        got = f(t, YEAR)
        assert isinstance(got, NotAvailable) and got.round(1) is got, f.__name__
        assert str(got).startswith("This data set holds no assessments, so "), f.__name__
    assert str(dr.factor_shares(t, YEAR)) == (
        "This data set holds no assessments, so the factors identified at assessment are not"
        " available.")
    annex = replace(t, source="annex_a")
    assert dr.replans_by_dv(annex, YEAR).reason == (
        "this data set holds no assessments (Annex A's List 7 has none)")


def test_top_factors_only():
    # 3B and 4B are in two episodes each; the tie goes by label
    top = dr.factor_shares(small(), YEAR, top=1)
    assert list(top["factor"]) == ["Domestic abuse: parent/carer subject"]
    assert list(top["episodes"]) == [2]
