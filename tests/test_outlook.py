"""Year-end outlook: the projected 31 March share, its 80% interval, and the backtest."""

import numpy as np
import pandas as pd
import pytest
from cpmetrics import outlook as ol
from cpmetrics.disclosure import HIDDEN, suppress_table
from cpmetrics.measures import ended_2y_plus, starts_second_or_subsequent
from cpmetrics.paths import data_path
from cpmetrics.periods import Period
from cpmetrics.sources import load
from helpers import history, plan


def monthly_starts(counts: list[tuple[int, int]], first: str = "2016-04-01") -> list[dict]:
    """Plans started on the 1st of each month from `first`: (re-plans, plans) a month."""
    out = []
    for i, (n, of) in enumerate(counts):
        day = (pd.Timestamp(first) + pd.DateOffset(months=i)).date().isoformat()
        out += [plan(f"M{i:02d}-{k:02d}", day, previous=1 if k < n else 0) for k in range(of)]
    return out


def test_dispersion_is_one_for_steady_months_and_the_pearson_ratio_for_lumpy_ones():
    steady = history(*monthly_starts([(5, 10)] * 12))
    assert ol.dispersion(steady.plans, "starts_second_or_subsequent", "2017-04-30") == (1.0, 12)
    # 0 of 10 and 10 of 10 in turn: p = 1/2, each month (5^2) / (10 x 1/4) = 10, so 120 over
    # 11 degrees of freedom
    lumpy = history(*monthly_starts([(0, 10), (10, 10)] * 6))
    phi, months = ol.dispersion(lumpy.plans, "starts_second_or_subsequent", "2017-04-30")
    assert (phi, months) == (pytest.approx(120 / 11), 12)
    # fewer than 12 months of history: no clustering assumed
    assert ol.dispersion(lumpy.plans, "starts_second_or_subsequent", "2017-03-15") == (1.0, 11)


def test_plans_expected_by_31_march_follow_the_rate_so_far():
    """Half the year gone (183 of 365 days to 30 September 2016): with 100 plans so far the
    rest of the year is expected to bring (100 + phi/2) x 182/183 (the Gamma(N + 1/2) rate's
    mean over the 182 days left)."""
    h = history(*monthly_starts([(17, 17), (0, 17), (0, 17), (0, 17), (0, 16), (0, 16)]))
    o = ol.outlook(h.plans, "2016-09-30", phi=1.0)
    assert (o.so_far.n, o.so_far.of) == (17, 100)
    assert o.expected_more == pytest.approx(100.5 * 182 / 183)
    o = ol.outlook(h.plans, "2016-09-30", phi=2.0)
    assert o.expected_more == pytest.approx(101 * 182 / 183)


def test_the_interval_agrees_with_a_simulation_of_the_same_model():
    """The exact percentiles against 400,000 draws: rate ~ Gamma, plans ~ Poisson, share ~ Beta,
    counted ~ Binomial, all on the scale of families (counts / phi)."""
    rng = np.random.default_rng(13)
    n, of, elapsed, remaining, phi = 30, 112, 183, 182, 1.6
    values, weights, _ = ol._final_distribution(n, of, elapsed, remaining, phi)
    exact = [ol._quantile(values, weights, q) for q in (0.1, 0.5, 0.9)]
    k = rng.poisson(rng.gamma(of / phi + 0.5, 1 / elapsed, 400_000) * remaining)
    j = rng.binomial(k, rng.beta(n / phi + 0.5, (of - n) / phi + 0.5, 400_000))
    drawn = np.quantile(100 * (n + phi * j) / (of + phi * k), [0.1, 0.5, 0.9])
    assert exact == pytest.approx(list(drawn), abs=0.1)
    assert weights.sum() == pytest.approx(1.0)


def test_at_31_march_the_interval_is_the_figure_and_with_no_plans_there_is_none():
    h = history(*monthly_starts([(3, 10)] * 12))
    o = ol.outlook(h.plans, "2017-03-31")
    assert (o.low, o.centre, o.high) == (30.0, 30.0, 30.0)
    none = ol.outlook(h.plans, "2017-04-30")  # no plan started in April 2017
    assert none.so_far.of == 0 and none.low is None
    assert "no year-end outlook" in ol.outlook_sentence(none)


def test_the_interval_widens_with_clustering_and_narrows_as_the_year_goes_on():
    h = history(*monthly_starts([(6, 20)] * 12))
    early, late = (ol.outlook(h.plans, d, phi=1.0) for d in ("2016-05-31", "2017-01-31"))
    assert early.high - early.low > late.high - late.low
    lumpy = ol.outlook(h.plans, "2016-05-31", phi=2.0)
    assert lumpy.high - lumpy.low > early.high - early.low
    assert early.low < 30.0 < early.high  # 12 of 40 so far


def test_the_sentence_gives_the_interval_and_the_counts_it_rests_on():
    h = history(*monthly_starts([(6, 20)] * 6))
    o = ol.outlook(h.plans, "2016-09-30", phi=1.0)
    text = ol.outlook_sentence(o)
    assert text.startswith(f"On current trends the year will end between {o.low:.1f}% and "
                           f"{o.high:.1f}%")
    assert "so far in 2016-17 it is 30.0% (36 of 120 plans started, 1 April to 30 September 2016)" \
        in text
    small = ol.outlook(history(*monthly_starts([(1, 3)])).plans, "2016-04-30")
    text = ol.outlook_sentence(small)
    assert "fewer than 5 of fewer than 5 plans started" in text and "%" not in text


def test_in_a_pack_a_projection_resting_on_a_small_count_is_hidden():
    h = history(*monthly_starts([(1, 3)] * 2 + [(0, 0)] * 10))
    table = ol.outlook_table(h.plans, "2016-05-31", ["starts_second_or_subsequent"])
    assert (table["n"][0], table["of"][0]) == (2, 6)
    safe = suppress_table(table, 5, depends=ol.DEPENDS)
    assert list(safe.loc[0, ["n", "of", "pct", *ol.PROJECTED]]) == \
        ["<5", 6, HIDDEN, HIDDEN, HIDDEN, HIDDEN]


def test_ended_2y_plus_counts_plans_ending_in_the_year_by_their_days_on_plan():
    h = history(plan("A", "2014-05-01", end="2016-04-29"),  # 730 days on plan: counts
                plan("B", "2014-05-02", end="2016-04-29"),  # 729
                plan("C", "2016-01-04", end="2016-06-01"))
    o = ol.outlook(h.plans, "2016-06-30", "ended_2y_plus", phi=1.0)
    assert (o.so_far.n, o.so_far.of) == (1, 3)


@pytest.fixture(scope="module")
def synthetic():
    return load(data_path("data/synthetic"))


def test_backtest_on_the_synthetic_history(synthetic):
    """Every month end from April 2016 to February 2018 but March 2017 (the year is over): 22
    per measure, against the final figures of 2016-17 and 2017-18 as the headline measures
    count them."""
    b = ol.backtest(synthetic.plans, "2016-04-30", "2018-02-28")
    assert b.groupby("measure").size().to_dict() == {"ended_2y_plus": 22,
                                                     "starts_second_or_subsequent": 22}
    assert not (b["month_end"].dt.month == 3).any()
    for year in (2017, 2018):
        p = Period.financial_year(year)
        got = b[b["month_end"] <= p.end].groupby("measure")[["final_n", "final_of"]].last()
        assert tuple(got.loc["starts_second_or_subsequent"]) == (
            starts_second_or_subsequent(synthetic.plans, p).n,
            starts_second_or_subsequent(synthetic.plans, p).of)
        assert tuple(got.loc["ended_2y_plus"]) == (ended_2y_plus(synthetic.plans, p).n,
                                                   ended_2y_plus(synthetic.plans, p).of)
    assert (b["inside"] == ((b["low"] <= b["final_pct"]) & (b["final_pct"] <= b["high"]))).all()
    # coverage is the share of month ends whose interval held the final figure. On one history
    # it rests on two final figures per measure and swings from 45% to 100% between seeds, so
    # its calibration (about 80% over many councils) is measured by
    # benchmarks/outlook_backtest.py, not asserted here
    assert b.attrs["coverage"] == b.groupby("measure")["inside"].mean().to_dict()
