"""The Annex A List 7 reader on the public samples and on workbooks made here.

The samples' seven plans (tests/fixtures/annex-a/PROVENANCE.md) worked out by hand,
for the year 1 April 2020 to 31 March 2021:

- on plan at 31 March 2021: 5358472 and 14953858 (both started 8 February 2021,
  52 days, each with 1 previous plan) -> 2, both second or subsequent, none 2 years+;
- started in the year: 10721552, 5358472, 14953858 (physical abuse), 16036763,
  9396243 (emotional abuse) -> 5, of which 2 second or subsequent;
- ended in the year: 10721552 (86 days), 16036763 and 9396243 (253 days),
  11811692 and 6913085 (451 days: 25 June 2019 to 17 September 2020) -> 5, none 2 years+;
- on plan at 31 December 2020: 10721552, 16036763, 9396243 -> 3.
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import openpyxl
import pytest
from cpmetrics import measures as m
from cpmetrics.errors import InputError
from cpmetrics.periods import Period, as_date
from cpmetrics.sources import load
from cpmetrics.sources.annex_a import HEADINGS, category_code, date_text, strip_prefix

FIXTURES = Path(__file__).parent / "fixtures" / "annex-a"
YEAR = Period.financial_year(2021)
D = as_date("2021-03-31")


@pytest.fixture(params=["Annex_A.xlsx", "Annex_A_2024_Jan.xlsx"])
def sample(request):
    return load(FIXTURES / request.param)


def test_samples_hold_seven_children_and_nothing_wrong(sample):
    assert (sample.counts.read, sample.counts.loaded, sample.counts.rejected) == (7, 7, 0)
    assert sample.plans["child_id"].nunique() == 7
    assert sample.findings.empty
    assert sample.source == "annex_a"


def test_samples_measures_worked_by_hand(sample):
    p = sample.plans
    assert m.on_plan(p, D) == 2
    assert m.on_plan_second_or_subsequent(p, D).as_dict() == {"n": 2, "of": 2, "pct": 100.0}
    assert m.on_plan_2y_plus(p, D).n == 0
    assert m.starts(p, YEAR) == 5
    assert m.starts_second_or_subsequent(p, YEAR).as_dict() == {"n": 2, "of": 5, "pct": 40.0}
    assert m.ended(p, YEAR) == 5
    assert m.ended_2y_plus(p, YEAR).as_dict() == {"n": 0, "of": 5, "pct": 0.0}
    assert dict(m.starts_by_initial_category(p, YEAR)) == {
        "NEG": 0, "EMO": 2, "PHY": 3, "SAB": 0, "MUL": 0
    }
    assert list(m.ended_by_duration(p, YEAR)) == [1, 0, 2, 2, 0]
    assert m.on_plan(p, as_date("2020-12-31")) == 3


def test_samples_have_no_assessments_so_dv_is_not_available(sample):
    assert sample.assessments is None
    assert m.starts_dv(sample, YEAR) is None
    assert m.headline(sample, YEAR)["starts_dv"] is None


def test_samples_team_codes_and_children(sample):
    assert set(sample.plans["team"]) == {"Locality 4 Unit 1"}
    kids = sample.children.set_index("child_id")
    assert kids.loc["10721552", "sex"] == "F"
    assert kids.loc["10721552", "ethnicity"] == "NOBT"
    assert kids.loc["5358472", "birth_date"] == dt.datetime(2015, 5, 29)
    assert sample.plans.set_index("child_id").loc["16036763", "location"] == "sheet 'List 7' row 5"


# --------------------------------------------------------------------------- made here


def row(child="A1", start=None, end=None, initial="Neglect", latest="Neglect", previous=0,
        team="Team North", gender="a) Male", review=None) -> list:
    values = dict.fromkeys(HEADINGS)
    values.update({
        "Child Unique ID": child,
        "Gender": gender,
        "Ethnicity": "a) WBRI",
        "Child Protection Plan Start Date": start,
        "Initial Category of Abuse": initial,
        "Latest Category of Abuse": latest,
        "Date of latest review conference": review,
        "Child Protection Plan End Date": end,
        "Number of Previous Child Protection Plans": previous,
        "Allocated Team": team,
    })
    return [values[h] for h in HEADINGS]


def workbook(path: Path, rows: list[list], *, headings=HEADINGS, sheet="List 7",
             title: str | None = None) -> Path:
    wb = openpyxl.Workbook()
    wb.active.title = "List 1"
    ws = wb.create_sheet(sheet)
    if title:
        ws.append([title])
        ws.append([])
    ws.append(list(headings))
    for r in rows:
        ws.append(r)
    wb.save(path)
    return path


def test_dates_as_excel_dates_serials_and_text_all_read(tmp_path):
    f = workbook(tmp_path / "a.xlsx", [
        row("A", start=dt.datetime(2020, 5, 1), end=dt.datetime(2020, 9, 30)),
        row("B", start=43952, end=44104.0),  # 1 May 2020, 30 September 2020 as serials
        row("C", start="01/05/2020", end="30/09/2020"),
        row("D", start="1/5/2020", end="2020-09-30"),
    ])
    t = load(f)
    assert t.counts.rejected == 0
    assert set(t.plans["start_date"]) == {dt.datetime(2020, 5, 1)}
    assert set(t.plans["end_date"]) == {dt.datetime(2020, 9, 30)}


def test_a_date_that_does_not_exist_rejects_that_record_only(tmp_path):
    f = workbook(tmp_path / "a.xlsx", [
        row("A", start="31/02/2017"),
        row("B", start="01/03/2017"),
    ])
    t = load(f)
    assert (t.counts.read, t.counts.loaded, t.counts.rejected) == (2, 1, 1)
    assert list(t.rejects["reason"]) == [
        "Child Protection Plan Start Date '31/02/2017' is not a date"
    ]
    assert list(t.rejects["location"]) == ["sheet 'List 7' row 2"]
    assert m.on_plan(t.plans, as_date("2017-03-31")) == 1


def test_codes_lose_prefixes_and_words_become_cin_codes(tmp_path):
    f = workbook(tmp_path / "a.xlsx", [
        row("A", start="01/05/2020", initial="Neglect", latest="Sexual abuse"),
        row("B", start="01/05/2020", initial="b) Emotional abuse", latest="Physical Abuse"),
        row("C", start="01/05/2020", initial="Multiple/mixed", latest="MUL", gender="b) Female"),
        row("E", start="01/05/2020", initial="Financial", latest="Neglect"),
    ])
    t = load(f)
    p = t.plans.set_index("child_id")
    assert list(p["initial_category"]) == ["NEG", "EMO", "MUL", "Financial"]
    assert list(p["latest_category"]) == ["SAB", "PHY", "MUL", "NEG"]
    assert list(t.children.set_index("child_id")["sex"]) == ["M", "M", "F", "M"]
    bad = t.findings[t.findings["rule"] == "8905"]
    assert list(bad["child_id"]) == ["E"]
    assert "recorded as 'Financial'" in bad["message"].iloc[0]
    assert dict(m.starts_by_initial_category(t.plans, YEAR)) == {
        "NEG": 1, "EMO": 1, "PHY": 0, "SAB": 0, "MUL": 1, "unknown": 1
    }


def test_previous_plans_count_drives_replan_and_blank_is_reported(tmp_path):
    f = workbook(tmp_path / "a.xlsx", [
        row("A", start="01/05/2020", previous=2.0),
        row("B", start="01/05/2020", previous=None),
        row("C", start="01/05/2020", previous=0),
        row("C", start="01/02/2019", end="01/03/2019", previous=0),
    ])
    t = load(f)
    p = t.plans.set_index("plan_id")
    assert p.loc["A|2020-05-01", "previous_plans"] == 2
    assert bool(p.loc["A|2020-05-01", "is_replan"])
    assert not bool(p.loc["B|2020-05-01", "is_replan"])
    # C's 2020 plan: count says 0 but List 7 itself holds an earlier plan
    assert bool(p.loc["C|2020-05-01", "is_replan"])
    rules = sorted(t.findings["rule"])
    assert rules == ["8730", "L07"]
    missing = t.findings[t.findings["rule"] == "8730"].iloc[0]
    assert missing["child_id"] == "B"
    assert missing["message"] == "Number of Previous Child Protection Plans is missing"


def test_heading_row_below_a_title_is_found(tmp_path):
    f = workbook(tmp_path / "a.xlsx", [row("A", start="01/05/2020")],
                 title="List 7: Child protection")
    t = load(f)
    assert t.counts.loaded == 1
    assert t.plans["location"].iloc[0] == "sheet 'List 7' row 4"


def test_sheet_named_with_its_title_is_found(tmp_path):
    f = workbook(tmp_path / "a.xlsx", [row("A", start="01/05/2020")],
                 sheet="List 7 - Child protection")
    assert load(f).counts.loaded == 1


def test_workbook_without_list_7_is_refused(tmp_path):
    f = workbook(tmp_path / "a.xlsx", [row("A", start="01/05/2020")], sheet="List 70")
    with pytest.raises(InputError) as exc:
        load(f)
    assert exc.value.file == str(f)
    assert exc.value.problem == "has no sheet 'List 7' (sheets: 'List 1', 'List 70')"


def test_renamed_heading_is_refused_naming_it(tmp_path):
    headings = [h if h != "Child Protection Plan End Date" else "CPP Ended" for h in HEADINGS]
    f = workbook(tmp_path / "a.xlsx", [row("A", start="01/05/2020")], headings=headings)
    with pytest.raises(InputError) as exc:
        load(f)
    assert exc.value.place == "sheet 'List 7' row 1"
    assert exc.value.problem == (
        "List 7 heading 'Child Protection Plan End Date' is missing;"
        " headings not recognised: 'CPP Ended'"
    )


def test_list_7_saved_as_csv_reads_the_same(tmp_path):
    """The sample's List 7 saved as CSV (dd/mm/yyyy dates, as Excel writes them)."""
    ws = openpyxl.load_workbook(FIXTURES / "Annex_A.xlsx", read_only=True)["List 7"]
    out = tmp_path / "list7.csv"
    with open(out, "w", newline="", encoding="utf-8-sig") as fh:
        w = csv.writer(fh)
        for r in ws.iter_rows(values_only=True):
            w.writerow([v.strftime("%d/%m/%Y") if isinstance(v, dt.datetime) else v for v in r])
    t = load(out)
    x = load(FIXTURES / "Annex_A.xlsx")
    cols = ["child_id", "start_date", "end_date", "initial_category", "previous_plans", "team"]
    assert t.plans[cols].equals(x.plans[cols])
    assert t.plans["location"].iloc[0].startswith("row ")


def test_plain_xls_and_text_renamed_xlsx_are_refused(tmp_path):
    ole = tmp_path / "old.xlsx"
    ole.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)
    with pytest.raises(InputError, match="old-style .xls"):
        load(ole)
    text = tmp_path / "text.xlsx"
    text.write_text("Child Unique ID,Gender\n1,a) Male\n")
    with pytest.raises(InputError, match="not an Excel workbook"):
        load(text)


@pytest.mark.parametrize(
    "value, expected",
    [
        (dt.datetime(2020, 5, 1, 13, 5), "2020-05-01"),
        (43952, "2020-05-01"),
        (43952.75, "2020-05-01"),
        ("01/05/2020", "2020-05-01"),
        ("1.5.2020", "2020-05-01"),
        ("2020-05-01", "2020-05-01"),
        ("43952", "2020-05-01"),
        ("31/02/2017", "31/02/2017"),  # kept as written: the record is rejected with it
        ("soon", "soon"),
        ("", None),
        (None, None),
    ],
)
def test_date_text(value, expected):
    assert date_text(value) == expected


def test_prefixes_and_categories():
    assert strip_prefix("a) Male") == "Male"
    assert strip_prefix("s) NOBT") == "NOBT"
    assert strip_prefix("  ") is None
    assert category_code("Neglect") == "NEG"
    assert category_code("c) Sexual abuse") == "SAB"
    assert category_code("emotional  ABUSE") == "EMO"
    assert category_code("Cruelty") == "Cruelty"
