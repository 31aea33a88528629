"""A synthetic region: each council calibrated to its own published figures, reproducibly."""

from __future__ import annotations

import contextlib
import csv
import filecmp
import io
import json
from pathlib import Path

import pandas as pd
import pytest
from cpmetrics import synthetic_region
from cpmetrics.cli import main
from cpmetrics.region import read_region

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "region-sample"

#: DfE's published figures, 2016-17 and 2017-18: D5 CPP_At31 (children on a plan at 31 March),
#: D3 CPP_start and CPP_subsequent_percent, LAIT CPPlans2yrs (D7: % of plans ended that had
#: lasted 2 years or more). Cheshire East's CPPlans2yrs is suppressed ("-") in both years:
#: the North West's 3.1% and 3.8% stand in.
PUBLISHED = {
    "890": {"name": "Blackpool", "on_plan": (364, 275), "starts": (627, 448),
            "replan_pct": (19.5, 22.5), "ended_2y_pct": (1.1, 1.9)},
    "895": {"name": "Cheshire East", "on_plan": (275, 286), "starts": (362, 452),
            "replan_pct": (17.4, 17.7), "ended_2y_pct": (3.1, 3.8)},
    "352": {"name": "Manchester", "on_plan": (942, 982), "starts": (1154, 1157),
            "replan_pct": (18.8, 24.5), "ended_2y_pct": (5.6, 3.2)},
}
YEARS = (2017, 2018)


@pytest.fixture(scope="module")
def region(tmp_path_factory) -> Path:
    """Blackpool (small, short plans, many starts), Cheshire East (mid-sized, a suppressed
    figure) and Manchester (the largest rate and count but Lancashire's), written once."""
    out = tmp_path_factory.mktemp("north-west")
    with contextlib.redirect_stdout(io.StringIO()) as said:
        assert main(["synth", "--region", "North West", "--out", str(out),
                     "--councils", ",".join(PUBLISHED)]) == 0
    lines = said.getvalue().splitlines()
    assert lines[-1] == str(out / "region.yaml") and len(lines) == 4
    assert lines[2] == (f"{out / '895'}\tCheshire East\tseed 34689501\tsuppressed, the region's"
                        " rate used: ended_2y_plus_pct 2017, ended_2y_plus_pct 2018")
    return out


@pytest.fixture(scope="module")
def tables(region):
    from cpmetrics.sources import load

    return {la: load(region / la) for la in PUBLISHED}


def test_region_yaml_reads_back(region):
    r = read_region(region)
    assert r.name == "North West" and r.code == "E12000002" and r.slug == "north-west"
    assert [(c.la, c.name) for c in r.councils] == [("352", "Manchester"), ("890", "Blackpool"),
                                                    ("895", "Cheshire East")]
    assert all(c.data == region / c.la for c in r.councils)


def test_calibration_reads_the_published_rows():
    """The figures each council is calibrated to are DfE's (regional where suppressed)."""
    for la, want in PUBLISHED.items():
        cal = synthetic_region.calibration(la, want["name"], "E12000002")
        for key in ("on_plan", "starts", "replan_pct", "ended_2y_pct"):
            assert tuple(getattr(cal, key)[y] for y in YEARS) == want[key], (la, key)
    assert synthetic_region.calibration("895", "Cheshire East", "E12000002").filled == (
        "ended_2y_plus_pct 2017", "ended_2y_plus_pct 2018")
    assert synthetic_region.calibration("890", "Blackpool", "E12000002").filled == ()


@pytest.mark.parametrize("la", list(PUBLISHED))
@pytest.mark.parametrize("year", YEARS)
def test_each_council_is_calibrated_to_its_own_figures(tables, la, year):
    """Within the tolerances test_synthetic allows Trafford, relative to the council's own
    figures: on plan +-12%, starts +-15%, re-plan share +-7 points, ended 2y+ +-4.5 points."""
    from cpmetrics.measures import headline
    from cpmetrics.periods import Period

    want = {k: v[YEARS.index(year)] for k, v in PUBLISHED[la].items() if k != "name"}
    h = headline(tables[la], Period.ending(pd.Timestamp(year, 3, 31)))
    assert abs(h["on_plan"] / want["on_plan"] - 1) <= 0.12
    assert abs(h["starts"] / want["starts"] - 1) <= 0.15
    assert abs(h["starts_second_or_subsequent"]["pct"] - want["replan_pct"]) <= 7
    assert abs(h["ended_2y_plus"]["pct"] - want["ended_2y_pct"]) <= 4.5


def test_councils_differ_as_their_figures_do(tables):
    """Manchester has about three times Blackpool's children on a plan; Blackpool's plans are
    the shortest (about 1.7 starts a year per child on a plan in 2016-17, Manchester 1.2)."""
    from cpmetrics.measures import headline
    from cpmetrics.periods import Period

    h = {la: headline(t, Period.ending(pd.Timestamp(2017, 3, 31))) for la, t in tables.items()}
    assert 2.2 <= h["352"]["on_plan"] / h["890"]["on_plan"] <= 3.2
    turnover = {la: x["starts"] / x["on_plan"] for la, x in h.items()}
    assert turnover["890"] > 1.45 > turnover["352"]


def test_each_council_records_its_own_la(region, capsys):
    """LEA and the UPNs' LA part: `metrics` reports the council (and its rate per 10,000:
    Blackpool's mid-2017 population aged 0-17 is 28,397)."""
    from lxml import etree

    for la in PUBLISHED:
        for path in sorted((region / la).glob("*.xml")):
            tree = etree.parse(str(path))
            assert [e.text for e in tree.iter("LEA")] == [la]
            upn_las = pd.Series([e.text[1:4] for e in tree.iter("UPN")])
            assert upn_las.value_counts().index[0] == la
    assert main(["metrics", "--data", str(region / "890"), "--period-end", "2018-03-31"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["rate_per_10k"] == pytest.approx(round(out["on_plan"] / 28_397 * 10_000, 1))


def test_validate_reports_exactly_the_planted_faults(region, capsys):
    """Blackpool's returns: each planted fault by file, child and rule, and nothing else."""
    assert main(["validate", "--data", str(region / "890"), "--csv"]) == 0
    found = pd.read_csv(io.StringIO(capsys.readouterr().out), dtype=str)
    got = {(Path(f).name, c, r) for f, c, r in zip(found["source_file"], found["child_id"],
                                                    found["rule"], strict=True)}
    with open(region / "890" / "faults.csv", newline="", encoding="utf-8") as fh:
        planted = {(r["file"], r["child_id"], r["rule"]) for r in csv.DictReader(fh)}
    assert len({f for f, _, _ in planted}) == 4 and got == planted


def test_same_command_same_bytes(tmp_path):
    """Halton (the smallest council) written twice: identical files; another seed differs."""
    for name, seed in (("a", "346"), ("b", "346"), ("c", "7")):
        assert main(["synth", "--region", "north west", "--out", str(tmp_path / name),
                     "--councils", "876", "--seed", seed]) == 0
    files = sorted(p.name for p in (tmp_path / "a" / "876").iterdir())
    match, mismatch, errors = filecmp.cmpfiles(tmp_path / "a" / "876", tmp_path / "b" / "876",
                                               files, shallow=False)
    assert mismatch == [] and errors == [] and len(match) == 5
    assert (tmp_path / "a" / "region.yaml").read_bytes() == (
        tmp_path / "b" / "region.yaml").read_bytes()
    assert (tmp_path / "a" / "876" / "cin_census_2018.xml").read_bytes() != (
        tmp_path / "c" / "876" / "cin_census_2018.xml").read_bytes()


def test_council_seed_comes_from_the_seed_and_la():
    assert synthetic_region.council_seed(346, "358") == 34635800
    assert synthetic_region.council_seed(346, "358", 2) == 34635802


@pytest.mark.parametrize("argv, message", [
    (["--region", "Narnia"], "error: unknown region 'Narnia'; DfE's regions are East Midlands,"),
    (["--region", "North West", "--councils", "358,210"],
     "error: --councils: LA 210 is not a council of North West (340, 341,"),
    (["--councils", "358"], "error: --councils: needs --region"),
    (["--region", "North West", "--children-scale", "2"],
     "error: --children-scale: does not apply to --region"),
])
def test_bad_arguments_are_one_line_and_exit_2(tmp_path, capsys, argv, message):
    assert main(["synth", "--out", str(tmp_path / "r"), *argv]) == 2
    err = capsys.readouterr().err
    assert err.startswith(message) and err.count("\n") == 1
    assert not (tmp_path / "r").exists()


def test_committed_sample_region_regenerates_byte_for_byte(tmp_path):
    """data/region-sample (Stockport, Tameside, Trafford) is what its README's command writes."""
    assert main(["synth", "--region", "North West", "--out", str(tmp_path),
                 "--councils", "356,357,358"]) == 0
    assert [(c.la, c.name) for c in read_region(SAMPLE).councils] == [
        ("356", "Stockport"), ("357", "Tameside"), ("358", "Trafford")]
    assert (SAMPLE / "region.yaml").read_bytes() == (tmp_path / "region.yaml").read_bytes()
    for la in ("356", "357", "358"):
        files = sorted(p.name for p in (tmp_path / la).iterdir())
        assert files == sorted(p.name for p in (SAMPLE / la).iterdir())
        match, mismatch, errors = filecmp.cmpfiles(SAMPLE / la, tmp_path / la, files,
                                                   shallow=False)
        assert mismatch == [] and errors == [], (la, mismatch)
