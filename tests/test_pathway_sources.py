"""The pathway's records as each source holds them: Annex A's List 5 and List 7 visits, tidy
CSV's optional files, and `null` (never 0) where a source lacks them.

The public Annex A samples' List 5 (tests/fixtures/annex-a), worked by hand: five enquiries
started on Wednesday 16 September 2020; 10273003 and 4073694 marked "conference deemed
unnecessary"; 11578763's conference on Thursday 1 October (17-18 September, 21-25, 28-30, 1
October: 11 working days), 11641472's and 6537810's on Monday 5 October (13). None of the five
is in List 7, so no conference led to a plan the workbook holds. List 7's two children on a
plan at 31 March 2021 (5358472, 14953858) were both last visited on Tuesday 2 March 2021 and
seen alone.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from cpmetrics import pathway
from cpmetrics.errors import InputError
from cpmetrics.measures import headline
from cpmetrics.periods import Period
from cpmetrics.sources import load
from cpmetrics.sources.annex_a import HEADINGS, HEADINGS_5

FIXTURES = Path(__file__).parent / "fixtures" / "annex-a"
SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample"
YEAR = Period.financial_year(2021)


@pytest.fixture(params=["Annex_A.xlsx", "Annex_A_2024_Jan.xlsx"])
def sample(request):
    return load(FIXTURES / request.param)


def test_annex_a_list_5_conferences_worked_by_hand(sample):
    assert len(sample.section47) == 5 and sample.findings.empty
    h = headline(sample, YEAR)
    assert h["icpc_within_15_days"] == {"n": 3, "of": 3, "pct": 100.0}
    assert h["icpc_working_days_bands"] == {"0-10": 0, "11-15": 3, "16-20": 0, "21+": 0}
    assert h["icpc_median_working_days"] == 13.0
    assert h["s47_outcomes"] == {"conference": 3, "not_required": 2, "too_recent": 0,
                                 "no_outcome": 0}
    assert h["icpc_to_plan"] == {"n": 0, "of": 3, "pct": 0.0}
    assert h["reviews_in_time"] is None  # List 7 holds each plan's latest review only


@pytest.mark.parametrize(("at", "within"), [("2021-03-16", 2), ("2021-03-17", 0),
                                            ("2021-03-31", 0)])
def test_annex_a_list_7_visits_worked_by_hand(sample, at, within):
    # from Tuesday 2 March 2021: 3-5 March (3), 8-12 (8), 15-16 (10): the 16th is the 10th
    h = headline(sample, Period.ending(at))
    assert h["visits_within_standard"] == {"n": within, "of": 2, "pct": 50.0 * within}
    assert h["visits_seen_alone"] == {"n": 2, "of": 2, "pct": 100.0}


def test_annex_a_visits_before_the_list_was_drawn_are_not_known(sample):
    # the latest visit recorded is 2 March 2021: at 1 March the latest visit then is not known
    h = headline(sample, Period.ending("2021-03-01"))
    assert h["visits_within_standard"] is None and h["visits_seen_alone"] is None
    assert "drawn after 1 March 2021" in str(pathway.visits_on_time(sample, "2021-03-01"))


def book(path: Path, list7: list[list], list5: list[list] | None = None, *,
         headings5=HEADINGS_5) -> Path:
    wb = openpyxl.Workbook()
    wb.active.title = "List 1"
    if list5 is not None:
        ws = wb.create_sheet("List 5")
        if list5 or headings5:
            ws.append(list(headings5))
        for r in list5:
            ws.append(r)
    ws = wb.create_sheet("List 7")
    ws.append(list(HEADINGS))
    for r in list7:
        ws.append(r)
    wb.save(path)
    return path


def list7(child: str, start, *, visit=None, alone=None) -> list:
    values = dict.fromkeys(HEADINGS)
    values.update({"Child Unique ID": child, "Child Protection Plan Start Date": start,
                   "Initial Category of Abuse": "Neglect", "Latest Category of Abuse": "Neglect",
                   "Number of Previous Child Protection Plans": 0,
                   "Date of the Last Statutory Visit": visit, "Was the Child Seen Alone?": alone})
    return [values[h] for h in HEADINGS]


def list5(child: str, start, icpc=None, unnecessary="b) No") -> list:
    values = dict.fromkeys(HEADINGS_5)
    values.update({
        "Child Unique ID": child,
        "Strategy discussion initiating Section 47 Enquiry Start Date": start,
        "Was an Initial Child Protection Conference deemed unnecessary?": unnecessary,
        "Date of Initial Child Protection Conference": icpc})
    return [values[h] for h in HEADINGS_5]


def test_annex_a_without_list_5_gives_null_conference_measures_never_zero(tmp_path):
    t = load(book(tmp_path / "a.xlsx", [list7("A", dt.datetime(2021, 1, 4))]))
    assert t.section47 is None
    h = headline(t, YEAR)
    for key in ("icpc_within_15_days", "icpc_working_days_bands", "icpc_median_working_days",
                "s47_outcomes", "icpc_to_plan", "reviews_in_time"):
        assert h[key] is None, key
    # no visit recorded: on a plan since 4 January, not visited within 10 working days
    assert h["visits_within_standard"] == {"n": 0, "of": 1, "pct": 0.0}
    assert "no List 5" in str(pathway.conferences_on_time(t, "2021-03-31"))


def test_annex_a_blank_list_5_is_not_held_and_one_with_headings_only_holds_none(tmp_path):
    blank = load(book(tmp_path / "a.xlsx", [list7("A", dt.datetime(2021, 1, 4))], [],
                      headings5=()))
    assert blank.section47 is None
    empty = load(book(tmp_path / "b.xlsx", [list7("A", dt.datetime(2021, 1, 4))], []))
    assert empty.section47 is not None and empty.section47.empty
    assert headline(empty, YEAR)["icpc_within_15_days"] == {"n": 0, "of": 0, "pct": None}


def test_annex_a_list_5_dates_as_text_and_a_list_5_conference_leads_to_a_list_7_plan(tmp_path):
    t = load(book(tmp_path / "a.xlsx", [list7("A", "26/03/2018")],
                  [list5("A", "05/03/2018", "26/03/2018"), list5("B", "05/03/2018", "27/03/2018"),
                   list5("C", "07/03/2018", None, "a) Yes")]))
    h = headline(t, Period.financial_year(2018))
    assert h["icpc_within_15_days"] == {"n": 1, "of": 2, "pct": 50.0}
    assert h["icpc_to_plan"] == {"n": 1, "of": 2, "pct": 50.0}
    assert h["s47_outcomes"] == {"conference": 2, "not_required": 1, "too_recent": 0,
                                 "no_outcome": 0}


def test_annex_a_unreadable_pathway_values_are_kept_missing_and_reported(tmp_path):
    t = load(book(tmp_path / "a.xlsx",
                  [list7("A", dt.datetime(2021, 1, 4), visit="next week", alone="maybe")],
                  [list5("B", "31/02/2021", None)]))
    found = t.findings[t.findings["rule"] == "L15"].sort_values("location", kind="stable")
    assert found["location"].tolist() == ["sheet 'List 5' row 2", "sheet 'List 7' row 2",
                                          "sheet 'List 7' row 2"]
    assert found["message"].tolist() == [
        "Strategy discussion initiating Section 47 Enquiry Start Date '31/02/2021' is not a date",
        "Date of the Last Statutory Visit 'next week' is not a date",
        "Was the Child Seen Alone? 'maybe' is not yes or no"]
    assert t.counts.rejected == 0 and t.section47["start_date"].isna().all()


def test_annex_a_list_5_missing_a_heading_is_refused_naming_it(tmp_path):
    headings = [h if h != "Date of Initial Child Protection Conference" else "ICPC held"
                for h in HEADINGS_5]
    f = book(tmp_path / "a.xlsx", [list7("A", dt.datetime(2021, 1, 4))],
             [list5("B", "01/03/2021")], headings5=headings)
    with pytest.raises(InputError) as exc:
        load(f)
    assert exc.value.place == "sheet 'List 5' row 1"
    assert exc.value.problem == "List 5 heading 'Date of Initial Child Protection Conference'" \
        " is missing"


def metrics(data: Path, end: str) -> dict:
    out = subprocess.run([sys.executable, "-m", "cpmetrics", "metrics", "--data", str(data),
                          "--period-end", end], capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def test_metrics_prints_null_for_what_a_source_lacks(tmp_path):
    census = metrics(SAMPLE, "2018-03-31")  # CIN census: no visits; the sample holds no enquiries
    assert census["visits_within_standard"] is None and census["visits_seen_alone"] is None
    assert census["icpc_within_15_days"] == {"n": 0, "of": 0, "pct": None}
    tidy = tmp_path / "export"
    tidy.mkdir()
    (tidy / "plans.csv").write_text(
        "child_id,start_date,end_date,initial_category,latest_category,previous_plans\n"
        "A,2017-05-01,,NEG,NEG,0\n", encoding="utf-8")
    got = metrics(tidy, "2017-05-31")
    assert {k: got[k] for k in pathway.KEYS} == dict.fromkeys(pathway.KEYS)


def test_pathway_keys_are_the_headline_keys():
    got = headline(load(FIXTURES / "Annex_A.xlsx"), YEAR)
    assert [k for k in got if k in pathway.KEYS] == list(pathway.KEYS)
    assert list(pathway.headline(load(FIXTURES / "Annex_A.xlsx"), YEAR)) == list(pathway.KEYS)


def test_pathway_dates_are_events_for_coverage(sample):
    from cpmetrics.coverage import latest_event

    assert latest_event(sample, "2030-01-01") == pd.Timestamp("2021-03-02")


def test_cin_census_reader_fills_section_47_and_episode_level_conferences(tmp_path):
    from helpers import census_xml, child_xml, cpp_xml, episode_xml

    s47 = ("<Section47><S47ActualStartDate>2018-03-05</S47ActualStartDate>"
           "<InitialCPCtarget>2018-03-26</InitialCPCtarget>"
           "<DateOfInitialCPC>2018-03-26</DateOfInitialCPC>"
           "<ICPCnotRequired>0</ICPCnotRequired></Section47>")
    transfer_in = "<DateOfInitialCPC>2018-03-20</DateOfInitialCPC>"
    f = census_xml(tmp_path / "cin.xml", [
        child_xml("A", episode_xml("2018-03-01", s47, cpp_xml("2018-03-26"))),
        child_xml("B", episode_xml("2018-03-01", transfer_in, cpp_xml("2018-03-20"))),
    ])
    t = load(f)
    s = t.section47.iloc[0]
    assert (s["child_id"], s["start_date"], s["date_of_initial_cpc"], s["icpc_not_required"]) \
        == ("A", pd.Timestamp("2018-03-05"), pd.Timestamp("2018-03-26"), False)
    assert len(t.section47) == 1
    at_episode = t.episodes.set_index("child_id")["date_of_initial_cpc"]
    assert pd.isna(at_episode["A"]) and at_episode["B"] == pd.Timestamp("2018-03-20")
    h = headline(t, Period.financial_year(2018))
    # B's transfer-in conference, at episode level only, is in no conference measure
    assert h["icpc_within_15_days"] == {"n": 1, "of": 1, "pct": 100.0}
    assert h["icpc_to_plan"] == {"n": 1, "of": 1, "pct": 100.0}
    assert h["s47_outcomes"]["conference"] == 1
