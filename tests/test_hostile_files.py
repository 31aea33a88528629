"""Hostile and broken files, through the command line as an analyst would meet them.

Every unreadable file: exit code 2, one line on stderr naming the file and the
problem, no traceback, nothing on stdout, within a few seconds, under a memory
cap. A bad record (a date that does not exist) is not a bad file: it is
rejected and the rest is measured. Every file is made here, in tmp_path.
"""

from __future__ import annotations

import json
import os
import random
import resource
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import openpyxl
import pytest
from cpmetrics.sources.annex_a import HEADINGS

SECONDS = 10  # the whole process, Python start-up included; each takes about one second
MEMORY = 2 * 1024**3  # address space cap for the child process: an expansion bomb would hit it
SECRET = "XXE-CANARY-7f3a9c"


def run(*args: str | Path) -> subprocess.CompletedProcess:
    """`python -m cpmetrics ARGS` in a child process with a time and memory limit."""

    def cap() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))

    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "cpmetrics", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=SECONDS * 3,
        preexec_fn=cap,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
    )
    done.seconds = time.monotonic() - started  # type: ignore[attr-defined]
    return done


def metrics(path: Path) -> subprocess.CompletedProcess:
    # the files here hold a record or two: say they are a whole year's (coverage)
    return run("metrics", "--data", path, "--period-end", "2018-03-31", "--data-to", "2018-03-31")


def assert_refused(path: Path, *words: str) -> str:
    """Exit 2, one stderr line `error: <path>...` holding `words`, nothing else; the line."""
    done = metrics(path)
    assert done.returncode == 2, done.stderr
    assert done.stdout == ""
    assert "Traceback" not in done.stderr
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith(f"error: {path}"), lines[0]
    for w in words:
        assert w in lines[0], lines[0]
    assert done.seconds < SECONDS  # type: ignore[attr-defined]
    return lines[0]


# --------------------------------------------------------------------------- making files

CHILD = (
    "<Child><ChildIdentifiers><LAchildID>{id}</LAchildID></ChildIdentifiers>"
    "<CINdetails><CINreferralDate>2017-05-01</CINreferralDate>"
    "<ChildProtectionPlans><CPPstartDate>{start}</CPPstartDate>"
    "<InitialCategoryOfAbuse>NEG</InitialCategoryOfAbuse>"
    "<LatestCategoryOfAbuse>NEG</LatestCategoryOfAbuse>"
    "<NumberOfPreviousCPP>0</NumberOfPreviousCPP></ChildProtectionPlans></CINdetails></Child>"
)


def census(children: str = "", *, prologue: str = "", encoding: str = "UTF-8") -> str:
    return (
        f'<?xml version="1.0" encoding="{encoding}"?>\n{prologue}<Message><Header>'
        "<CollectionDetails><Collection>CIN</Collection><Year>2018</Year>"
        "<ReferenceDate>2018-03-31</ReferenceDate></CollectionDetails></Header>"
        f"<Children>{children}</Children></Message>\n"
    )


def good_census(*ids_and_starts: tuple[str, str]) -> str:
    return census("".join(CHILD.format(id=i, start=s) for i, s in ids_and_starts))


def laughs() -> str:
    ents = ['<!ENTITY lol "lol">', '<!ENTITY lol1 "' + "&lol;" * 10 + '">']
    ents += [f'<!ENTITY lol{i} "' + f"&lol{i - 1};" * 10 + '">' for i in range(2, 10)]
    return "<!DOCTYPE Message [" + "".join(ents) + "]>\n"


def bomb_census() -> str:
    return census(CHILD.format(id="&lol9;", start="2017-06-01"), prologue=laughs())


def xxe_census(target: Path, padding: int = 0) -> str:
    doctype = f'<!DOCTYPE Message [<!ENTITY x SYSTEM "file://{target}">]>\n'
    return census(CHILD.format(id="&x;", start="2017-06-01"), prologue=" " * padding + doctype)


def annex_a(path: Path, *, sheet: str = "List 7", headings=HEADINGS) -> Path:
    wb = openpyxl.Workbook()
    wb.active.title = "List 1"
    ws = wb.create_sheet(sheet)
    ws.append(list(headings))
    values = dict.fromkeys(HEADINGS)
    values.update({"Child Unique ID": "A1", "Child Protection Plan Start Date": "01/06/2017",
                   "Initial Category of Abuse": "Neglect", "Latest Category of Abuse": "Neglect",
                   "Number of Previous Child Protection Plans": 0})
    ws.append([values[h] for h in HEADINGS])
    wb.save(path)
    return path


def junk(n: int = 20_000, seed: int = 4) -> bytes:
    return random.Random(seed).randbytes(n)


# --------------------------------------------------------------------------- XML


def test_empty_file(tmp_path):
    f = tmp_path / "empty.xml"
    f.write_bytes(b"")
    assert_refused(f, "file is empty")


def test_truncated_xml(tmp_path):
    f = tmp_path / "cut.xml"
    f.write_text(good_census(("A", "2017-06-01"))[:-60])
    assert_refused(f, "not well-formed XML")


def test_different_root_element(tmp_path):
    f = tmp_path / "other.xml"
    f.write_text('<?xml version="1.0"?>\n<Workbook><Sheet/></Workbook>\n')
    assert_refused(f, "line 2", "root element is <Workbook>, not <Message>")


def test_billion_laughs(tmp_path):
    f = tmp_path / "bomb.xml"
    f.write_text(bomb_census())
    assert_refused(f, "declares a DOCTYPE or entities", "refused")


def test_billion_laughs_beyond_the_first_kilobytes(tmp_path):
    """The DOCTYPE pushed past what the prologue check reads, behind a long comment."""
    f = tmp_path / "bomb.xml"
    f.write_text(bomb_census().replace("<!DOCTYPE", "<!--" + "x" * 20_000 + "-->\n<!DOCTYPE", 1))
    assert_refused(f, "declares a DOCTYPE or entities")


@pytest.mark.parametrize("padding", [0, 20_000])
def test_external_entity_is_refused_and_its_target_never_shown(tmp_path, padding):
    secret = tmp_path / "secret.txt"
    secret.write_text(SECRET)
    f = tmp_path / "xxe.xml"
    f.write_text(xxe_census(secret, padding))
    assert_refused(f, "declares a DOCTYPE or entities")
    for args in (
        ("metrics", "--data", f, "--period-end", "2018-03-31"),
        ("validate", "--data", f),
        ("validate", "--data", f, "--csv"),
        ("metrics", "--data", f, "--period-end", "2018-03-31", "--debug"),
    ):
        done = run(*args)
        assert done.returncode == 2
        assert SECRET not in done.stdout + done.stderr


def test_external_dtd_is_refused(tmp_path):
    secret = tmp_path / "secret.dtd"
    secret.write_text(f'<!ENTITY x "{SECRET}">')
    f = tmp_path / "dtd.xml"
    f.write_text(" " * 10_000 + f'<!DOCTYPE Message SYSTEM "file://{secret}"><Message/>')
    line = assert_refused(f, "declares a DOCTYPE")
    assert SECRET not in line


def test_spreadsheet_renamed_to_xml(tmp_path):
    f = tmp_path / "census.xml"
    annex_a(tmp_path / "book.xlsx").rename(f)
    assert_refused(f, "zip archive or Excel workbook, not XML")


def test_binary_junk(tmp_path):
    f = tmp_path / "junk.xml"
    f.write_bytes(junk())
    assert_refused(f, "not an XML file")


def test_binary_junk_after_an_angle_bracket(tmp_path):
    f = tmp_path / "junk.xml"
    f.write_bytes(b"<" + junk())
    assert_refused(f, "not well-formed XML")


def test_deeply_nested_xml(tmp_path):
    f = tmp_path / "deep.xml"
    f.write_text("<Message>" + "<a>" * 50_000 + "</a>" * 50_000 + "</Message>")
    assert_refused(f, "not well-formed XML")


# --------------------------------------------------------------------------- workbooks and CSV


def test_annex_a_without_list_7(tmp_path):
    f = annex_a(tmp_path / "annex.xlsx", sheet="List 6")
    assert_refused(f, "has no sheet 'List 7'", "'List 6'")


def test_annex_a_with_a_renamed_heading(tmp_path):
    headings = ["Child ID Number" if h == "Child Protection Plan Start Date" else h
                for h in HEADINGS]
    headings[0] = "Child Unique ID"
    f = annex_a(tmp_path / "annex.xlsx", headings=headings)
    assert_refused(f, "sheet 'List 7' row 1",
                   "List 7 heading 'Child Protection Plan Start Date' is missing")


def test_workbook_with_an_entity_bomb_inside(tmp_path):
    """A real .xlsx whose List 7 sheet declares entities: openpyxl's defusedxml refuses it."""
    good = annex_a(tmp_path / "good.xlsx")
    f = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(f, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet2.xml":
                text = data.decode()
                if text.startswith("<?xml"):
                    decl, text = text.split("?>", 1)
                    text = decl + "?>" + laughs() + text
                else:
                    text = laughs() + text
                data = text.encode()
            dst.writestr(item, data)
    assert_refused(f)


@pytest.mark.parametrize("name", ["empty.xlsx", "empty.csv"])
def test_empty_workbook_or_csv(tmp_path, name):
    f = tmp_path / name
    f.write_bytes(b"")
    assert_refused(f, "file is empty")


@pytest.mark.parametrize("name", ["junk.xlsx", "junk.csv"])
def test_binary_junk_workbook_or_csv(tmp_path, name):
    f = tmp_path / name
    f.write_bytes(junk())
    assert_refused(f)


def test_zip_that_is_not_a_workbook(tmp_path):
    f = tmp_path / "archive.xlsx"
    with zipfile.ZipFile(f, "w") as z:
        z.writestr("readme.txt", "hello")
    assert_refused(f, "not a readable Excel workbook")


def test_csv_missing_a_required_column(tmp_path):
    folder = tmp_path / "export"
    folder.mkdir()
    (folder / "plans.csv").write_text(
        "child_id,end_date,initial_category,latest_category,previous_plans\nA,,NEG,NEG,0\n"
    )
    done = metrics(folder)
    assert done.returncode == 2 and done.stdout == ""
    lines = done.stderr.splitlines()
    assert lines == [
        f"error: {folder / 'plans.csv'} line 1: required column 'start_date' is missing:"
        " it must hold the plan's start date, YYYY-MM-DD; columns found: child_id, end_date,"
        " initial_category, latest_category, previous_plans"
    ]


def test_annex_a_csv_missing_a_heading(tmp_path):
    f = tmp_path / "list7.csv"
    f.write_text("Child Unique ID,Child Protection Plan Start Date\n1,01/06/2017\n")
    assert_refused(f, "row 1", "List 7 heading 'Child Protection Plan End Date' is missing")


# --------------------------------------------------------------------------- these load


@pytest.mark.parametrize(
    "encode",
    [
        lambda t: t.replace("UTF-8", "UTF-16").encode("utf-16"),  # with its byte-order mark
        lambda t: t.replace("UTF-8", "UTF-16").encode("utf-16-le"),  # without one
        lambda t: b"\xef\xbb\xbf" + t.encode("utf-8"),  # UTF-8 with a byte-order mark
    ],
    ids=["utf-16", "utf-16-no-bom", "utf-8-bom"],
)
def test_utf16_and_bom_files_load_normally(tmp_path, encode):
    f = tmp_path / "census.xml"
    f.write_bytes(encode(good_census(("A", "2017-06-01"), ("B", "2017-07-01"))))
    done = metrics(f)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    out = json.loads(done.stdout)
    assert out["on_plan"] == 2 and out["starts"] == 2


def test_utf16_tidy_csv_loads_normally(tmp_path):
    folder = tmp_path / "export"
    folder.mkdir()
    text = ("child_id,start_date,end_date,initial_category,latest_category,previous_plans\n"
            "A,2017-06-01,,NEG,NEG,0\n")
    (folder / "plans.csv").write_bytes(text.encode("utf-16"))
    done = metrics(folder)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["on_plan"] == 1


# --------------------------------------------------------------------------- record, not file


def test_a_date_that_does_not_exist_is_a_record_problem(tmp_path):
    f = tmp_path / "census.xml"
    f.write_text(good_census(("A", "2017-06-01"), ("B", "2017-02-31"), ("C", "2017-08-01")))
    done = metrics(f)
    assert done.returncode == 0
    out = json.loads(done.stdout)
    assert out["starts"] == 2 and out["on_plan"] == 2
    assert (out["quality"]["read"], out["quality"]["loaded"], out["quality"]["rejected"]) == (
        3, 2, 1,
    )
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"warning: {f}")
    assert "1 of 3 plan records rejected" in lines[0]

    checked = run("validate", "--data", f, "--csv")
    assert checked.returncode == 1
    assert "CPPstartDate '2017-02-31' is not a date" in checked.stdout
    assert ",B," in checked.stdout


def test_folder_mixing_good_and_bad_files_names_the_bad_ones(tmp_path):
    folder = tmp_path / "returns"
    folder.mkdir()
    (folder / "cin_2017.xml").write_text(good_census(("A", "2016-06-01")))
    (folder / "cin_2018.xml").write_text(good_census(("B", "2017-06-01"))[:-40])
    (folder / "cin_2019.xml").write_bytes(junk())
    done = metrics(folder)
    assert done.returncode == 2 and done.stdout == ""
    lines = done.stderr.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(f"error: {folder}")
    assert "2 of 3 files cannot be read" in lines[0]
    assert "cin_2018.xml" in lines[0] and "cin_2019.xml" in lines[0]
    assert "cin_2017.xml" not in lines[0]
