"""docs/methods.md documents every measure and every data-quality rule the library has.

A headline key, a published measure or a rule added to the library without its
line in the methods page fails here; so does a line left behind for one removed.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from cpmetrics import benchmarks, quality
from cpmetrics.measures import headline
from cpmetrics.periods import Period
from cpmetrics.sources import load
from helpers import history, plan

ROOT = Path(__file__).resolve().parents[1]
METHODS = ROOT / "docs" / "methods.md"
LIB = ROOT / "lib" / "cpmetrics"


@pytest.fixture(scope="module")
def text() -> str:
    return METHODS.read_text(encoding="utf-8")


def section(text: str, heading: str) -> str:
    """The body of the `## heading` section (up to the next `## `)."""
    m = re.search(rf"^## {re.escape(heading)}\n(.*?)(?=^## |\Z)", text, re.M | re.S)
    assert m, f"docs/methods.md has no section '## {heading}'"
    return m[1]


def table_rows(body: str) -> list[list[str]]:
    """The cells of every row of the markdown tables in `body` (header and rule rows left out)."""
    rows = []
    for line in body.splitlines():
        if not line.startswith("|") or re.fullmatch(r"\|[-| ]+\|", line.strip()):
            continue
        rows.append([c.strip() for c in line.strip().strip("|").split("|")])
    return rows[1:] if rows else rows


def first_cell_names(rows: list[list[str]]) -> dict[str, list[list[str]]]:
    """Each `name` written in a row's first cell -> the rows naming it."""
    out: dict[str, list[list[str]]] = {}
    for r in rows:
        for name in re.findall(r"`([^`]+)`", r[0]):
            out.setdefault(name, []).append(r)
    return out


def test_every_headline_key_has_its_row_and_no_row_is_left_over(text):
    out = headline(load(ROOT / "data" / "sample"), Period.ending("2018-03-31"), rate=47.7)
    rows = first_cell_names(table_rows(section(text, "Headline measures (`cpmetrics metrics`)")))
    assert set(out) == set(rows), "headline keys and documented keys differ"
    quality_row = " ".join(rows["quality"][0])
    for key in out["quality"]:
        assert f"`{key}`" in quality_row, f"quality.{key} is not explained"


def test_every_published_measure_names_its_source_columns(text):
    body = section(text, "Benchmarks (published figures)")
    rows = first_cell_names(table_rows(body))
    for m in benchmarks.MEASURES:
        assert m.key in rows, f"published measure {m.key} is not documented"
        row = " ".join(rows[m.key][0])
        # every table and column name of the measure's source ("D5 CPP_At31 / ONS ...")
        names = [t for t in re.findall(r"[A-Za-z0-9_]+", m.source)
                 if len(t) > 1 and (("_" in t) or any(c.isupper() for c in t))]
        assert names, m.source
        for name in names:
            assert name in row, f"{m.key}: source {name!r} ({m.source}) missing from its row"
    assert set(rows) == {m.key for m in benchmarks.MEASURES}


def _codes_in_library() -> set[str]:
    """Every rule code the library can write into a finding."""
    codes = set(quality.describe_rules()["rule"])
    for local, _pattern, dfe in quality._LOAD_RULES:
        codes |= {local, dfe}
    for path in LIB.rglob("*.py"):
        src = path.read_text(encoding="utf-8")
        codes |= set(re.findall(r'"rule":\s*"([A-Z]?\d+)"', src))
        codes |= set(re.findall(r'\bcode\s*=\s*"([A-Z]?\d+)"', src))
    return codes


def test_every_quality_rule_is_documented_and_no_other(text):
    rows = first_cell_names(table_rows(
        section(text, "Data-quality rules and what each does to the measures")))
    found = _codes_in_library()
    # the scan must see the rules made outside the registry, or it proves nothing
    assert {"L01", "L02", "L03", "L10", "L11", "8565"} <= found
    assert found == set(rows), (
        f"undocumented: {sorted(found - set(rows))}; documented but not in the code:"
        f" {sorted(set(rows) - found)}")


def test_each_rule_says_what_the_measures_did(text):
    rows = first_cell_names(table_rows(
        section(text, "Data-quality rules and what each does to the measures")))
    effects = {code: [r[-1] for r in rs] for code, rs in rows.items()}
    rejected = {"L01"} | {dfe for local, _p, dfe in quality._LOAD_RULES if local == "L01"}
    for code in rejected:
        assert any(e.startswith("rejected") for e in effects[code]), code
    for code in (r.code for r in quality.RULES):  # registered rules never reject
        assert any(not e.startswith("rejected") for e in effects[code]), code
    # a plan twice in one file: the action the loader records is the one documented
    t = history(plan("A", "2017-05-01"), plan("A", "2017-05-01"))
    action = t.findings.loc[t.findings["rule"] == "L03", "action"].iloc[0]
    assert action == "measured once"
    assert effects["L03"] == [action]


def test_caveats_log_is_numbered_and_rated(text):
    rows = table_rows(section(text, "Assumptions and caveats log"))
    assert len(rows) >= 20
    assert [r[0] for r in rows] == [str(i) for i in range(1, len(rows) + 1)]
    assert {r[-2] for r in rows} <= {"Green", "Amber", "Red"}
    assert all(r[-1] for r in rows), "every entry has an owner"


def _slug(heading: str) -> str:
    """GitHub's anchor for a heading."""
    s = heading.strip().lower().replace("`", "")
    s = re.sub(r"[^\w\- ]", "", s)
    return s.replace(" ", "-")


def test_links_within_the_page_reach_a_heading(text):
    anchors = {_slug(h) for h in re.findall(r"^#+ (.+)$", text, re.M)}
    links = set(re.findall(r"\]\(#([^)]+)\)", text))
    assert links, "the page links its sections"
    assert links <= anchors, f"broken links: {sorted(links - anchors)}"


def test_coverage_section_is_there_and_readme_links_the_page(text):
    assert "## Coverage of the data" in text
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    meaning = section(readme, "What the numbers mean")
    assert "(docs/methods.md)" in meaning
