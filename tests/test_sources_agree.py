"""The same council as CIN census XML, as Annex A and as tidy CSV: the same plan measures.

The synthetic council (data/synthetic) is loaded from its CIN census returns,
written out as Ofsted would ask for List 7 at a date (plans open then or ended
in the six months before), read back through the Annex A reader, and measured
over those six months: every plan measure must agree, because every plan that
counts in them is one that List 7 holds. Domestic violence is the exception by
design: Annex A has no assessments, so it is not available there.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from cpmetrics import pathway
from cpmetrics.measures import headline
from cpmetrics.periods import Period
from cpmetrics.sources import load
from cpmetrics.sources.annex_a import to_annex_a
from cpmetrics.sources.tidy_csv import write_tidy_csv

SYNTHETIC = Path(__file__).resolve().parents[1] / "data" / "synthetic"
NOT_PLAN_MEASURES = ("quality", "starts_dv", "rate_per_10k", *pathway.KEYS)


@pytest.fixture(scope="module")
def census():
    if not any(SYNTHETIC.glob("*.xml")):
        pytest.skip("no synthetic data")
    return load(SYNTHETIC)


def plan_measures(tables, period: Period) -> dict:
    out = headline(tables, period)
    return {k: v for k, v in out.items() if k not in NOT_PLAN_MEASURES}


@pytest.mark.parametrize("as_at", ["2017-03-31", "2018-03-31", "2018-09-30"])
def test_census_and_annex_a_agree_on_the_plans_list_7_holds(census, tmp_path, as_at):
    at = pd.Timestamp(as_at)
    window = Period(at - pd.DateOffset(months=6) + pd.Timedelta(days=1), at)
    book = to_annex_a(census, tmp_path / "annex_a.xlsx", as_at=at, months=6)
    annex = load(book)

    assert annex.source == "annex_a" and annex.counts.rejected == 0
    expected = plan_measures(census, window)
    got = plan_measures(annex, window)
    assert got == expected
    assert expected["on_plan"] > 100 and expected["ended"] > 50  # a real test, not 0 == 0
    assert headline(annex, window)["starts_dv"] is None
    assert headline(census, window)["starts_dv"] is not None


def test_census_and_tidy_csv_agree_on_everything(census, tmp_path):
    write_tidy_csv(census, tmp_path / "export")
    tidy = load(tmp_path / "export")
    year = Period.financial_year(2018)
    a, b = headline(census, year), headline(tidy, year)
    a.pop("quality"), b.pop("quality")
    assert a == b
    assert a["starts"] > 200
