"""Every page of a pack passes axe-core's WCAG 2.2 A/AA and best-practice rules in a browser.

Committee papers a council publishes must meet WCAG 2.2 AA (the public sector
accessibility regulations). axe-core runs in headless Chromium on the index
and every notebook page of the default pack, all in one browser session
(`accessibility.py`). Without Chromium, chromedriver, selenium or axe-core
the test is skipped, unless CPMETRICS_REQUIRE_BROWSER=1 (as `.ci/run` sets
it, after installing them): then it fails.
"""

from __future__ import annotations

import os

import pytest
from accessibility import REQUIRE, TAGS, audit, missing

#: A page with the two faults the pack's pages had (pandas' empty index heading cell, and
#: a link outside every landmark): axe must find both, or the test could never fail
KNOWN_BAD = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Faults</title>
</head><body><p><a href="index.html">Back to the pack contents</a></p><main><h1>Faults</h1>
<table><thead><tr><th></th><th>children</th></tr></thead>
<tbody><tr><th>2018-09-30</th><td>222</td></tr></tbody></table></main></body></html>
"""


#: a region's run (`region_pack`): its index, its regional page and a council's index (with the
#: region-now column), copied under names of their own beside the project pack's pages
REGION_PAGES = ("region_index.html", "region_00_region.html", "region_council_index.html")


@pytest.fixture(scope="module")
def findings(request, tmp_path_factory) -> dict[str, dict]:
    lacks = missing()
    if lacks:
        why = "no browser to check the pages in: " + "; ".join(lacks)
        if os.environ.get(REQUIRE) == "1":
            pytest.fail(f"{why} ({REQUIRE}=1: the accessibility test must run)")
        pytest.skip(why)
    project_pack = request.getfixturevalue("project_pack")  # built only when it will be checked
    region = request.getfixturevalue("region_pack")["dir"]
    folder = tmp_path_factory.mktemp("accessibility")
    bad = folder / "known_bad.html"
    bad.write_text(KNOWN_BAD, encoding="utf-8")
    (folder / "region_index.html").write_text((region / "index.html").read_text("utf-8"),
                                              encoding="utf-8")
    (folder / "region_council_index.html").write_text(
        (region / "357" / "index.html").read_text("utf-8"), encoding="utf-8")
    (folder / "region_00_region.html").write_text(
        (region / "00_region.html").read_text("utf-8"), encoding="utf-8")
    return audit([*sorted(project_pack["dir"].glob("*.html")), bad,
                  *(folder / p for p in REGION_PAGES)])


def test_every_page_of_a_pack_passes_axe(findings, project_pack):
    pages = sorted(p.name for p in project_pack["dir"].glob("*.html"))
    assert pages == sorted(["index.html", "methods.html",
                            *(f"{nb.stem}.html" for nb in project_pack["notebooks"])])
    failing = {
        page: {v["id"]: f"{len(v['nodes'])} element(s), e.g. {v['nodes'][0]['html']}"
               for v in findings[page]["violations"]}
        for page in pages if findings[page]["violations"]
    }
    assert failing == {}
    for page in pages:  # axe really ran its rules on each page, the two it used to fail among them
        ran = set(findings[page]["ran"])
        assert len(ran) >= 80, page
        assert {"empty-table-header", "region", "color-contrast", "image-alt",
                "landmark-one-main", "target-size"} <= ran, page


def test_a_regions_pages_and_a_councils_index_in_it_pass_axe(findings):
    for page in REGION_PAGES:
        assert findings[page]["violations"] == [], page
        assert {"empty-table-header", "region", "landmark-one-main"} <= set(
            findings[page]["ran"]), page


def test_axe_finds_the_faults_the_pages_used_to_have(findings):
    rules = {v["id"]: len(v["nodes"]) for v in findings["known_bad.html"]["violations"]}
    assert rules == {"empty-table-header": 1, "region": 1}
    for v in findings["known_bad.html"]["violations"]:
        assert set(v["tags"]) & set(TAGS), v["id"]
