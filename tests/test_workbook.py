"""The pack's Excel workbook: the layout the Analysis Function's spreadsheet guidance asks for."""

import openpyxl
from cpmetrics.workbook import Sheet, cell_value, sheet_names, write_workbook

ABOVE = ["Reporting period 01 April 2018 to 30 September 2018",
         "This worksheet contains one table.",
         "<5 = a count from 1 to 4", "Source: test"]


def _book(tmp_path, sheets):
    path = write_workbook(tmp_path / "t.xlsx", sheets, title="Pack 2018-09",
                          intro=["Tables for the period."], about=["DfE definitions."], above=ABOVE)
    return openpyxl.load_workbook(path)


def test_cells_numbers_as_numbers_and_nothing_unreadable():
    assert cell_value("12") == 12 and cell_value("-3") == -3
    assert cell_value("25.5") == 25.5 and cell_value(".5") == 0.5
    assert cell_value("<5") == "<5" and cell_value("[c]") == "[c]"
    assert cell_value("") == "[x]" and cell_value("-") == "[x]" and cell_value("%") == "per cent"
    assert cell_value("2017-18") == "2017-18"


def test_sheet_names_fit_excel():
    names = sheet_names(["a" * 40, "a" * 40, "b/c"])
    assert names == ["a" * 31, "a" * 28 + "_1", "b_c"]


def test_cover_contents_and_one_table_per_sheet(tmp_path):
    book = _book(tmp_path, [
        Sheet("02_quarters", "Re-plans by quarter", ["", "quarter", "n", "of", "pct"],
              [["0", "2017-18 Q1", 19, 63, 30.2], ["1", "2017-18 Q2", "<5", 58, "[c]"]]),
        Sheet("03_empty", "Nothing this period", ["band", "band"], []),
    ])
    assert book.sheetnames == ["Cover", "Contents", "02_quarters", "03_empty"]
    cover = [c.value for c in book["Cover"]["A"]]
    assert cover == ["Pack 2018-09", "Introductory information", "Tables for the period.",
                     "About these data", "DfE definitions."]
    contents = book["Contents"]
    assert contents["A4"].value == "02_quarters"
    assert contents["A4"].hyperlink.location == "'02_quarters'!A1"
    assert contents["B5"].value == "Nothing this period"
    ws = book["02_quarters"]
    assert [ws.cell(r, 1).value for r in range(1, 6)] == ["Re-plans by quarter", *ABOVE]
    (table,) = ws.tables.values()
    assert table.ref == "A6:E8" and table.name == "t_02_quarters"
    assert [c.value for c in ws[6]] == ["row", "quarter", "n", "of", "pct"]
    assert [c.value for c in ws[8]] == ["1", "2017-18 Q2", "<5", 58, "[c]"]
    assert ws["C7"].alignment.horizontal == "right" and ws["B7"].alignment.horizontal == "left"
    assert not ws.sheet_view.showGridLines
    empty = book["03_empty"]
    assert [c.value for c in empty[6]] == ["band", "band (2)"]  # an Excel table's headers differ
    assert [c.value for c in empty[7]] == ["[x]", "[x]"]  # and it needs a row
