"""Plain headings on every page and workbook sheet; every CSV column explained once.

A committee member reads "95% interval from", not `ci_low`: pages and the
workbook show the headings of `cpmetrics.data_dictionary`, the CSV files keep
the machine names, and the pack's `data_dictionary.csv` (and the workbook's
sheet of it) says what each of them means.
"""

from __future__ import annotations

import csv
import html
import re
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from cpmetrics import data_dictionary
from cpmetrics.artefacts import Table
from cpmetrics.data_dictionary import COLUMNS, NOT_DESCRIBED
from cpmetrics.workbook import cell_value

SNAKE = re.compile(r"\b[a-z0-9]+(?:_[a-z0-9]+)+\b")
#: machine names whose heading differs from the name (`n` is shown as "Number")
RENAMED = {name for name, c in COLUMNS.items() if c.heading != name}


def rows(path: Path) -> list[list[str]]:
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.reader(f))


def visible_text(page: str) -> str:
    """What a reader sees of a page: no stylesheets, no tags, no embedded images."""
    page = re.sub(r"<style\b.*?</style\s*>", " ", page, flags=re.S | re.I)
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


@pytest.fixture(params=["synthetic", "sample"])
def pack_dir(request) -> Path:
    """The project's notebooks on the synthetic council, and on the hand-made sample (where
    nearly every figure is suppressed)."""
    if request.param == "synthetic":
        return request.getfixturevalue("project_pack")["dir"]
    return request.getfixturevalue("project_sample_pack")


def test_every_entry_has_a_plain_heading_a_meaning_and_a_unit():
    for name, c in COLUMNS.items():
        assert c.heading and not SNAKE.search(c.heading), name
        assert c.heading[0] == c.heading[0].upper(), name  # sentence case, as the workbook's
        assert len(c.meaning) > 10 and c.unit, name


def test_a_shown_table_has_plain_headings_and_no_empty_header_cell():
    df = pd.DataFrame({"n": [52, 62], "of": [222, 258], "ci_low": [18.3, 19.2],
                       "year_ago_of": pd.array([258, None], dtype="Int64")},
                      index=pd.Index(["2018-09-30", "2017-09-30"], name="month_end"))
    table = Table(df)
    page = table._repr_html_()
    heads = re.findall(r"<th([^>]*)>([^<]*)</th>", page)
    assert [h for _, h in heads[:5]] == ["Month end", "Number", "Out of", "95% interval from",
                                         "A year ago: out of"]
    assert all(attrs == ' scope="col"' for attrs, _ in heads[:5])
    assert [(a, h) for a, h in heads[5:]] == [(' scope="row"', "2018-09-30"),
                                              (' scope="row"', "2017-09-30")]
    assert "<th></th>" not in page and page.count("<thead>") == 1
    assert page.count("<tr") == 3  # one header row, then the two rows
    assert "–" in page  # the missing year-ago figure is a dash
    assert list(table.data.columns) == ["n", "of", "ci_low", "year_ago_of"]  # data keeps its names
    assert table.data.index.name == "month_end"
    text = repr(table)
    assert "95% interval from" in text and "Month end" in text and "ci_low" not in text


def test_a_column_the_dictionary_does_not_know_keeps_its_name_and_is_said_so(tmp_path):
    (tmp_path / "tables").mkdir()
    (tmp_path / "tables" / "01_x.csv").write_text(
        "month_end,on_plan,mystery_count\n2018-09-30,5,1\n")
    (tmp_path / "quality.csv").write_text("item,description,count\nread,plan records read,9\n")
    data_dictionary.write(tmp_path)
    header, *body = rows(tmp_path / "data_dictionary.csv")
    assert header == ["column", "heading", "meaning", "unit", "files"]
    by_name = {r[0]: r for r in body}
    assert list(by_name) == ["month_end", "on_plan", "mystery_count", "item", "description",
                             "count", "column", "heading", "meaning", "unit", "files"]
    assert by_name["mystery_count"][1:4] == ["mystery_count", NOT_DESCRIBED, ""]
    assert by_name["on_plan"][1:] == ["Children on a plan", COLUMNS["on_plan"].meaning,
                                      "children", "tables/01_x.csv"]
    assert by_name["heading"][4] == "data_dictionary.csv"
    assert data_dictionary.heading("mystery_count") == "mystery_count"
    assert data_dictionary.heading(None) == "Row"


def test_every_csv_column_of_a_pack_is_in_its_data_dictionary(pack_dir):
    header, *body = rows(pack_dir / "data_dictionary.csv")
    entries = {r[0]: dict(zip(header, r, strict=True)) for r in body}
    where: dict[str, set[str]] = {}
    for path in pack_dir.rglob("*.csv"):
        for name in rows(path)[0]:
            where.setdefault(name, set()).add(path.relative_to(pack_dir).as_posix())
    assert len(where) >= 10
    assert set(entries) == set(where)  # every column once, and nothing else
    for name, files in where.items():
        e = entries[name]
        assert name in COLUMNS, f"{name} ({', '.join(sorted(files))}): no dictionary entry"
        assert e["meaning"] == COLUMNS[name].meaning and e["unit"] == COLUMNS[name].unit
        assert set(e["files"].split(" ")) == files, name
    index = (pack_dir / "index.html").read_text(encoding="utf-8")
    assert 'href="data_dictionary.csv"' in index


def test_no_page_of_a_pack_shows_a_machine_column_name(pack_dir):
    machine = {n for r in rows(pack_dir / "data_dictionary.csv")[1:] for n in [r[0]]}
    snake_columns = {n for n in machine if SNAKE.fullmatch(n)}
    assert snake_columns >= {"ci_low", "year_ago_of"}
    # the methods page explains the machine names on purpose, as data_dictionary.csv does
    pages = sorted(p for p in pack_dir.glob("*.html") if p.name != "methods.html")
    assert len(pages) == 7  # the index and six notebooks' pages
    for page in pages:
        text = page.read_text(encoding="utf-8")
        heads = [html.unescape(h).strip() for h in re.findall(r"<th\b[^>]*>([^<]*)</th>", text)]
        assert [h for h in heads if SNAKE.search(h)] == [], page.name
        col_heads = [html.unescape(h).strip() for thead in re.findall(
            r"<thead>(.*?)</thead>", text, re.S) for h in re.findall(r"<th\b[^>]*>([^<]*)</th>",
                                                                       thead)]
        assert [h for h in col_heads if h in RENAMED] == [], page.name
        assert "" not in col_heads, page.name
        words = set(re.findall(r"[A-Za-z0-9_]+", visible_text(text)))
        assert words & snake_columns == set(), page.name
    shown = (pack_dir / "00_summary.html").read_text(encoding="utf-8")
    for plain in ("95% interval from", "A year ago: out of", "Statistical neighbours",
                  "Compared with England"):
        assert f">{html.escape(plain)}</th>" in shown, plain


def test_no_workbook_sheet_shows_a_machine_column_name(pack_dir):
    book = openpyxl.load_workbook(pack_dir / "tables.xlsx")
    assert book.sheetnames[:3] == ["Cover", "Contents", "Data dictionary"]
    tables = 0
    for ws in book.worksheets:
        for table in ws.tables.values():
            tables += 1
            first = ws[table.ref.split(":")[0]]
            header = [c.value for c in ws[first.row][: len(table.tableColumns)]]
            assert [h for h in header if SNAKE.search(str(h))] == [], ws.title
            assert [h for h in header if h in RENAMED] == [], ws.title
    assert tables == len(book.sheetnames) - 1  # one on every sheet but the cover
    contents = [c.value for c in book["Contents"]["A"]]
    assert "Data dictionary" in contents
    sheet = book["Data dictionary"]
    cells = [[c.value for c in r] for r in sheet.iter_rows(min_row=4)]
    assert cells[0] == [COLUMNS[n].heading for n in data_dictionary.FIELDS]
    expected = [[cell_value(v) for v in r] for r in rows(pack_dir / "data_dictionary.csv")[1:]]
    assert cells[1:] == expected  # the CSV's rows ("%" read out as "per cent")
    headline = book["00_headline"]
    header = next(r for r in headline.iter_rows(values_only=True) if r[0] == "Measure")
    assert "95% interval from" in header and "Compared with England" in header
