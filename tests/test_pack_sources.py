"""A full pack from every input format: each page builds and says what its source cannot show.

The CIN census pack is `test_pack.py`'s (the project's notebooks over
data/synthetic). Here the same notebooks run over Ofsted's Annex A sample as
a workbook and as List 7 saved as CSV, and over the hand-made sample exported
as tidy CSV with every file and with plans.csv alone (its required columns
only). The four packs are built in one pool of kernels, as `pack --all` builds
a year's packs, to keep the test short.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
import subprocess
import sys
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from cpmetrics.sources import load
from cpmetrics.sources.tidy_csv import PLAN_REQUIRED, write_tidy_csv

ROOT = Path(__file__).resolve().parents[1]
ANNEX_A = ROOT / "tests" / "fixtures" / "annex-a" / "Annex_A.xlsx"
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9]*.ipynb"))
NO_ASSESSMENTS = "This data set holds no assessments"

#: each source's pack: its month (a pack is named by its month) and the data
SOURCES = {"annex_a": "2021-03", "list_7_csv": "2021-01", "tidy_csv": "2018-03",
           "plans_csv_only": "2018-02"}
#: what else a source's params say: the tidy export's latest record is a plan ending on
#: 15 February 2018 (it carries no closures), so the date it was drawn is given
MORE = {"tidy_csv": 'data_to: "2018-03-31"\n'}

#: `pack --all` for any params files: one pool of kernels for every pack
BUILD = """
import sys
from pathlib import Path
from cpmetrics.pack import build_packs, report
from cpmetrics.params import load_params
packs = build_packs([load_params(f) for f in sys.argv[2:]], out_dir=Path(sys.argv[1]),
                    progress=False)
sys.exit(report(packs))
"""


def list_7_csv(path: Path) -> Path:
    """The Annex A sample's List 7 saved as CSV, dates dd/mm/yyyy, as Excel writes them."""
    ws = openpyxl.load_workbook(ANNEX_A, read_only=True)["List 7"]
    with open(path, "w", newline="", encoding="utf-8-sig") as fh:
        w = csv.writer(fh)
        for r in ws.iter_rows(values_only=True):
            w.writerow([v.strftime("%d/%m/%Y") if isinstance(v, dt.datetime) else v for v in r])
    return path


def tidy(folder: Path, *, optional: bool) -> Path:
    """data/sample as a tidy CSV folder; without `optional`, plans.csv's required columns only."""
    write_tidy_csv(load(ROOT / "data" / "sample"), folder)
    if not optional:
        (folder / "children.csv").unlink()
        (folder / "assessments.csv").unlink()
        plans = pd.read_csv(folder / "plans.csv", dtype=str)
        plans[list(PLAN_REQUIRED)].to_csv(folder / "plans.csv", index=False)
    return folder


@pytest.fixture(scope="module")
def packs(tmp_path_factory) -> dict[str, Path]:
    if not NOTEBOOKS:
        pytest.skip("the project's notebooks have not landed yet")
    tmp = tmp_path_factory.mktemp("sources")
    data = {
        "annex_a": ANNEX_A,
        "list_7_csv": list_7_csv(tmp / "list7.csv"),
        "tidy_csv": tidy(tmp / "tidy", optional=True),
        "plans_csv_only": tidy(tmp / "plans-only", optional=False),
    }
    files = []
    for name, month in SOURCES.items():
        f = tmp / f"{name}.yaml"
        end = (pd.Period(month, "M").end_time.normalize()).date().isoformat()
        f.write_text(f'period_end: "{end}"\ndata: {data[name]}\nla: "358"\n'
                     "reference_level: 10\ntolerance_pct: 4\nsuppression_threshold: 5\n"
                     + MORE.get(name, ""))
        files.append(str(f))
    out = tmp / "outputs"
    done = subprocess.run([sys.executable, "-c", BUILD, str(out), *files], cwd=tmp,
                          capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr
    return {name: out / month for name, month in SOURCES.items()}


def text_of(page: Path) -> str:
    """A page's words: no styles, no tags, no embedded images."""
    html = page.read_text(encoding="utf-8")
    html = re.sub(r"<style\b.*?</style>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace("&#x27;", "'")


@pytest.mark.parametrize("source", SOURCES)
def test_every_page_builds_and_says_what_the_data_cover(packs, source):
    d = packs[source]
    for nb in NOTEBOOKS:
        assert "The data cover " in text_of(d / f"{nb.stem}.html"), f"{source}: {nb.stem}"
    assert "The data cover " in text_of(d / "index.html")
    assert (d / "tables.xlsx").is_file() and (d / "metrics.json").is_file()


@pytest.mark.parametrize("source", ["annex_a", "list_7_csv", "plans_csv_only"])
def test_without_assessments_the_dv_page_says_so_in_place_of_each_table(packs, source):
    d = packs[source]
    page = text_of(d / "04_dv_drivers.html")
    why = {"annex_a": "(Annex A's List 7 has none)", "list_7_csv": "(Annex A's List 7 has none)",
           "plans_csv_only": "(the tidy CSV folder has no assessments.csv)"}[source]
    sentence = f"{NO_ASSESSMENTS} {why}, so the factors identified at assessment are not available."
    assert page.count(sentence) == 1  # once, where the chart would be, not again for the table
    assert page.count(NO_ASSESSMENTS) == 5  # five questions need assessments
    assert "Category of abuse" in page or (d / "tables" / "04_categories.csv").is_file()
    assert not list(d.glob("tables/04_factors*")) and not list(d.glob("charts/04_dv*"))
    index = text_of(d / "index.html")
    assert (f"Not available from this data set {NO_ASSESSMENTS} {why}, so these are not"
            " available: ") in index
    summary = text_of(d / "00_summary.html")
    assert (f"{NO_ASSESSMENTS} {why}, so the plans linked to domestic violence or abuse are not"
            " available.") in summary
    assert json.loads((d / "metrics.json").read_text())["starts_dv"] is None
    replans = text_of(d / "02_replans.html")
    assert replans.count(f"{NO_ASSESSMENTS} {why}, so the returns to a plan split by domestic"
                         " abuse are not available.") == 1
    assert not list(d.glob("charts/02_return_curve_dv*"))
    groups = {r.split(",")[0] for r in (d / "tables" / "02_return_shares.csv").read_text()
              .splitlines()[1:]}
    assert groups == {"All ended plans", "Initial category", "Length of the ended plan"}


def test_with_assessments_the_tidy_csv_pack_shows_them(packs):
    d = packs["tidy_csv"]
    assert NO_ASSESSMENTS not in text_of(d / "04_dv_drivers.html")
    assert (d / "tables" / "04_factors.csv").is_file() and (d / "charts" / "04_dv.png").is_file()
    index = text_of(d / "index.html")
    assert NO_ASSESSMENTS not in index
    # what the index lists as not available is the pathway this export lacks, nothing else
    assert "Not available from this data set" in index
    assert "(the tidy CSV folder has no visits.csv)" in index


def test_each_pack_names_the_dates_its_data_cover(packs):
    # Annex A: the earliest plan end 17 September 2020, the latest statutory visit 2 March 2021.
    # The sample as tidy CSV: every plan's collection_year is 2018 (2017-18), and data_to says
    # 31 March 2018; plans.csv alone: the earliest end 30 June 2017, the latest event an end on
    # 15 February 2018
    want = {"annex_a": ("2020-10-01", "2021-03-31"), "list_7_csv": ("2020-10-01", "2021-03-31"),
            "tidy_csv": ("2017-04-01", "2018-03-31"), "plans_csv_only": ("2017-07-01",
                                                                         "2018-02-28")}
    for source, (first, last) in want.items():
        got = json.loads((packs[source] / "metrics.json").read_text())["coverage"]
        assert (got["from"], got["to"]) == (first, last), source
    assert ("The period measured starts on 1 April 2020, before the data do"
            in text_of(packs["annex_a"] / "01_cohort_trend.html"))
