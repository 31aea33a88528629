"""The tidy CSV reader: the documented worked example, encodings, and what it refuses."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from cpmetrics import measures as m
from cpmetrics.errors import InputError
from cpmetrics.periods import Period, as_date
from cpmetrics.sources import load
from cpmetrics.sources.tidy_csv import read_tidy_csv, write_tidy_csv

DOC = Path(__file__).resolve().parents[1] / "docs" / "tidy-csv.md"
YEAR = Period.financial_year(2018)  # 1 April 2017 to 31 March 2018
D = as_date("2018-03-31")

PLANS = (
    "child_id,episode_id,start_date,end_date,initial_category,latest_category,previous_plans,team\n"
    """C001,C001-R1,2017-05-10,2017-11-20,NEG,NEG,0,North
C002,C002-R1,2017-06-01,,EMO,NEG,1,South
C003,C003-R1,2016-02-15,2018-03-01,PHY,PHY,0,North
C004,C004-R1,2018-02-31,,NEG,NEG,0,South
"""
)
ASSESSMENTS = """episode_id,child_id,authorisation_date,factors
C001-R1,C001,2017-04-28,"3A,4B"
C002-R1,C002,2017-05-20,2C
"""


def folder(tmp_path: Path, encoding: str = "utf-8", **files: str) -> Path:
    out = tmp_path / "export"
    out.mkdir()
    for name, text in files.items():
        (out / f"{name}.csv").write_bytes(text.encode(encoding))
    return out


def _doc_block(after: str) -> str:
    """The code block that follows `after` in docs/tidy-csv.md."""
    text = DOC.read_text(encoding="utf-8")
    start = text.index(after)
    block = re.search(r"```\n(.*?)```", text[start:], re.S)
    assert block is not None
    return block.group(1)


def test_the_documented_example_is_the_one_tested():
    assert _doc_block("`plans.csv`:") == PLANS
    assert _doc_block("`assessments.csv`:") == ASSESSMENTS


def test_worked_example_measures(tmp_path):
    t = load(folder(tmp_path, plans=PLANS, assessments=ASSESSMENTS))
    assert (t.counts.read, t.counts.loaded, t.counts.rejected) == (4, 3, 1)
    assert list(t.rejects["child_id"]) == ["C004"]
    assert list(t.rejects["reason"]) == ["start_date '2018-02-31' is not a date"]
    assert list(t.rejects["location"]) == ["line 5"]
    p = t.plans
    assert m.on_plan(p, D) == 1  # C002 only: C001 ended in November, C003 on 1 March
    assert m.starts(p, YEAR) == 2
    assert m.starts_second_or_subsequent(p, YEAR).as_dict() == {"n": 1, "of": 2, "pct": 50.0}
    assert m.ended(p, YEAR) == 2
    # C001 lasted 195 days (10 May to 20 November, both counted), C003 746
    assert m.ended_2y_plus(p, YEAR).as_dict() == {"n": 1, "of": 2, "pct": 50.0}
    assert m.starts_dv(t, YEAR).as_dict() == {"n": 1, "of": 2, "pct": 50.0}
    assert dict(p.set_index("child_id")["team"]) == {"C001": "North", "C002": "South",
                                                     "C003": "North"}


def test_without_assessments_dv_is_not_available(tmp_path):
    t = load(folder(tmp_path, plans=PLANS))
    assert t.assessments is None
    assert m.starts_dv(t, YEAR) is None


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16", "utf-16-le", "cp1252"])
def test_encodings_load_the_same(tmp_path, encoding):
    text = PLANS.replace("North", "Nörth")  # one non-ASCII letter, so the encoding matters
    t = load(folder(tmp_path, encoding, plans=text))
    assert (t.counts.read, t.counts.loaded) == (4, 3)
    assert sorted(t.plans["team"]) == ["Nörth", "Nörth", "South"]


def test_semicolons_and_loose_headings(tmp_path):
    text = (
        "Child ID;Start Date;End Date;Initial Category;Latest Category;Previous Plans\n"
        "A;2017-05-01 00:00:00;;neg;neg;0\n"
    )
    t = load(folder(tmp_path, plans=text))
    assert m.on_plan(t.plans, D) == 1
    assert t.plans["initial_category"].tolist() == ["NEG"]


def test_missing_required_column_names_file_column_and_what_it_holds(tmp_path):
    text = (
        "child_id,start_date,initial_category,latest_category,previous_plans\n"
        "A,2017-05-01,NEG,NEG,0\n"
    )
    out = folder(tmp_path, plans=text)
    with pytest.raises(InputError) as exc:
        load(out)
    assert exc.value.file == str(out / "plans.csv")
    assert exc.value.place == "line 1"
    assert "required column 'end_date' is missing" in exc.value.problem
    assert "blank while the plan is open" in exc.value.problem


def test_a_bad_second_file_refuses_the_whole_folder(tmp_path):
    out = folder(tmp_path, plans=PLANS, assessments="episode_id,child_id,factors\nX,Y,3A\n")
    with pytest.raises(InputError) as exc:
        load(out)
    assert exc.value.file == str(out / "assessments.csv")
    assert "'authorisation_date'" in exc.value.problem


def test_two_bad_files_are_both_named(tmp_path):
    out = folder(tmp_path, plans="child_id\nA\n", children="name\nA\n")
    with pytest.raises(InputError) as exc:
        load(out)
    assert "2 files cannot be read" in exc.value.problem
    assert "plans.csv" in exc.value.problem and "children.csv" in exc.value.problem


def test_dates_not_iso_anywhere_refuse_the_file(tmp_path):
    text = PLANS.replace("2017-05-10", "10/05/2017").replace("2017-06-01", "01/06/2017")
    text = text.replace("2016-02-15", "15/02/2016").replace("2018-02-31", "31/02/2018")
    with pytest.raises(InputError) as exc:
        load(folder(tmp_path, plans=text))
    assert "start_date '10/05/2017' is not an ISO date" in exc.value.problem
    assert exc.value.place == "line 2"


def test_header_only_file_loads_nothing(tmp_path):
    t = load(folder(tmp_path, plans=PLANS.splitlines()[0] + "\n"))
    assert (t.counts.read, t.counts.loaded, t.counts.rejected) == (0, 0, 0)
    assert m.on_plan(t.plans, D) == 0


def test_plans_csv_given_as_a_file_reads_as_tidy(tmp_path):
    out = folder(tmp_path, plans=PLANS)
    t = load(out / "plans.csv")
    assert t.source == "csv"
    assert (t.counts.read, t.counts.loaded) == (4, 3)


def test_write_then_read_gives_the_same_plans(tmp_path):
    t = load(folder(tmp_path, plans=PLANS, assessments=ASSESSMENTS))
    again = tmp_path / "again"
    write_tidy_csv(t, again)
    u = read_tidy_csv(again)
    cols = ["child_id", "start_date", "end_date", "initial_category", "previous_plans", "team"]
    assert u.plans[cols].equals(t.plans[cols])
    assert m.starts_dv(u, YEAR) == m.starts_dv(t, YEAR)


# ---- the pathway's optional files --------------------------------------------------------------

SECTION47 = """child_id,start_date,date_of_initial_cpc,icpc_not_required
C001,2017-04-19,2017-05-10,no
C002,2017-05-05,2017-06-01,no
C005,2018-01-15,,yes
C006,2018-02-26,,no
"""
REVIEWS = """child_id,plan_start_date,review_date
C001,2017-05-10,2017-08-03
C002,2017-06-01,2017-08-24
C002,2017-06-01,2018-02-26
"""
VISITS = """child_id,visit_date,seen_alone
C002,2018-03-08,yes
C002,2018-03-22,no
"""


def test_the_documented_pathway_example_is_the_one_tested():
    assert _doc_block("`section47.csv`:") == SECTION47
    assert _doc_block("`reviews.csv`:") == REVIEWS
    assert _doc_block("`visits.csv`:") == VISITS


def test_worked_example_pathway_measures(tmp_path):
    """docs/tidy-csv.md works each figure out by hand."""
    t = load(folder(tmp_path, plans=PLANS, section47=SECTION47, reviews=REVIEWS, visits=VISITS))
    h = m.headline(t, YEAR)
    assert h["icpc_within_15_days"] == {"n": 1, "of": 2, "pct": 50.0}
    assert h["icpc_working_days_bands"] == {"0-10": 0, "11-15": 1, "16-20": 1, "21+": 0}
    assert h["icpc_median_working_days"] == 16.0
    assert h["s47_outcomes"] == {"conference": 2, "not_required": 1, "too_recent": 0,
                                 "no_outcome": 1}
    assert h["icpc_to_plan"] == {"n": 2, "of": 2, "pct": 100.0}
    assert h["reviews_in_time"] == {"n": 0, "of": 1, "pct": 0.0}
    assert h["visits_within_standard"] == {"n": 1, "of": 1, "pct": 100.0}
    assert h["visits_seen_alone"] == {"n": 0, "of": 1, "pct": 0.0}
    # nothing wrong in the pathway files: the one finding is C004's start date (rejected)
    assert t.findings["rule"].tolist() == ["L01"]
    assert (t.counts.read, t.counts.loaded, t.counts.rejected) == (4, 3, 1)


def test_pathway_file_missing_a_required_column_is_refused(tmp_path):
    out = folder(tmp_path, plans=PLANS, reviews="child_id,review_date\nC002,2018-02-26\n")
    with pytest.raises(InputError) as exc:
        load(out)
    assert exc.value.file == str(out / "reviews.csv")
    assert "required column 'plan_start_date' is missing" in exc.value.problem


def test_pathway_values_that_cannot_be_read_are_kept_missing_and_reported(tmp_path):
    bad = SECTION47 + "C007,2018-02-30,,perhaps\n"
    orphan = REVIEWS + "C009,2017-01-01,2017-03-01\n"
    t = load(folder(tmp_path, plans=PLANS, section47=bad, reviews=orphan, visits=VISITS))
    f = t.findings.set_index("rule")
    assert f.loc["L15", "location"].tolist() == ["line 6", "line 6"]
    assert f.loc["L15", "message"].tolist() == ["start_date '2018-02-30' is not a date",
                                                "icpc_not_required 'perhaps' is not yes or no"]
    assert f.loc[["L16"], "child_id"].tolist() == ["C009"]
    assert t.counts.rejected == 1  # C004's plan only: pathway rows are never rejected
    # C007's enquiry has no start date, so it is in no period
    assert sum(m.headline(t, YEAR)["s47_outcomes"].values()) == 4


def test_write_then_read_keeps_the_pathway_files(tmp_path):
    t = load(folder(tmp_path, plans=PLANS, section47=SECTION47, reviews=REVIEWS, visits=VISITS))
    again = tmp_path / "again"
    names = sorted(p.name for p in write_tidy_csv(t, again))
    assert names == ["plans.csv", "reviews.csv", "section47.csv", "visits.csv"]
    u = read_tidy_csv(again)
    keys = ("icpc_within_15_days", "s47_outcomes", "icpc_to_plan", "reviews_in_time",
            "visits_within_standard", "visits_seen_alone")
    assert {k: m.headline(u, YEAR)[k] for k in keys} == {k: m.headline(t, YEAR)[k] for k in keys}
