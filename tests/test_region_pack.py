"""`cpmetrics pack --region`: the regional pack and every council's, failure-tolerant.

Three councils (356, 357, 358), each a copy of the hand-made sample, whose
figures at 31 March 2018 are worked out by hand in data/sample/README.md: 4
children on a plan (3 on a second or subsequent plan), 6 plans started (2
second or subsequent), 5 ended. Pooled, the region is three times that. The
councils run the small pack notebooks (tests/fixtures/pack_notebooks); the
regional pack runs the project's notebooks/region/.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

from conftest import sample_region
from cpmetrics.pack import check_pack, secrets_of
from cpmetrics.pack.checks import Secrets
from cpmetrics.sources import load
from helpers import SAMPLE_PARAMS, run_pack

ROOT = Path(__file__).resolve().parents[1]
FIXTURE_NOTEBOOKS = ROOT / "tests" / "fixtures" / "pack_notebooks"
COUNCILS = {"356": "Stockport", "357": "Tameside", "358": "Trafford"}


def _errors(stderr: str) -> list[str]:
    return [ln for ln in re.split(r"[\r\n]+", stderr) if ln.startswith("error:")]


def test_layout_a_regional_pack_and_every_councils_full_pack(region_pack):
    d = region_pack["dir"]
    assert sorted(p.name for p in d.iterdir() if p.is_dir()) == [
        "356", "357", "358", "charts", "notebooks", "tables"]
    for name in ("index.html", "00_region.html", "metrics.json", "methods.html",
                 "tables.xlsx", "data_dictionary.csv", "tables/00_region_councils.csv"):
        assert (d / name).is_file(), name
    for la in COUNCILS:
        files = {p.name for p in (d / la).iterdir()}
        assert {"index.html", "01_demo.html", "02_starts.html", "metrics.json", "quality.csv",
                "methods.html", "notebooks", "tables"} <= files, la
        metrics = json.loads((d / la / "metrics.json").read_text())
        assert metrics["pack"]["la"] == la
        assert metrics["pack"]["data"] == str(region_pack["region"].resolve() / la)
    # nothing of the run is left behind: no build, no pooled view, no shared data
    assert not [p.name for p in d.parent.rglob(".*")]
    assert "regional pack and 3 of 3 council packs written" in region_pack["stdout"]
    assert _errors(region_pack["stderr"]) == []


def test_every_council_pack_shows_the_region_now(region_pack):
    d = region_pack["dir"]
    for la in COUNCILS:
        now = json.loads((d / la / "metrics.json").read_text())["pack"]["region_now"]
        assert now["councils"] == ["356", "357", "358"]
        f = now["figures"]  # 3 x the sample's hand-worked figures, suppressed as a pack is
        assert f["on_plan"] == 12 and f["starts"] == 18 and f["ended"] == 15
        assert (f["on_plan_second_or_subsequent"]["n"], f["on_plan_second_or_subsequent"]["of"]) \
            == (9, 12)
        assert (f["starts_second_or_subsequent"]["n"], f["starts_second_or_subsequent"]["of"]) \
            == (6, 18)
        assert f["ended_2y_plus"] == {"n": "<5", "of": 15, "pct": None}  # 3 of 15: suppressed
        page = (d / la / "index.html").read_text()
        assert '<th scope="col">The region now (pooled, same months)</th>' in page
        row = re.search(r'<tr><th scope="row">Children on a child protection plan at the '
                        r'reporting date</th>(.*?)</tr>', page).group(1)
        cells = re.findall(r'<td class="num">([^<]*)</td>', row)
        assert cells[0] == "&lt;5" and cells[-1] == "12"  # the council's 4, the region's 12
        row = re.search(r"of which second or subsequent plans</th>(.*?)</tr>", page).group(1)
        assert re.findall(r'<td class="num">([^<]*)</td>', row)[-1] == "6 of 18 (33.3%)"


def test_the_regional_index_lists_every_council_with_a_link(region_pack):
    d = region_pack["dir"]
    page = (d / "index.html").read_text()
    assert "<h1>Child protection plans: Test Region, regional pack 2018-03</h1>" in page
    assert "<main>" in page and 'lang="en"' in page
    for la, name in COUNCILS.items():
        assert (f'<tr><th scope="row">{la}</th><td>{name}</td><td><a href="{la}/index.html">'
                in page)
        assert (d / la / "index.html").is_file()
    assert "3 of 3 council packs published" in page
    assert "Every council's data are in the region's pooled figures." in page
    assert '<a href="00_region.html">' in page
    assert re.search(r"Made \d{4}-\d\d-\d\dT[\d:]+[+-]\d\d:\d\d with cpmetrics \d", page)
    metrics = json.loads((d / "metrics.json").read_text())
    assert metrics["region_now"]["figures"]["on_plan"] == 12
    assert [c["la"] for c in metrics["councils"] if c["published"]] == list(COUNCILS)


def test_no_pack_of_the_run_holds_any_councils_child_ids(region_pack, tmp_path):
    """Every council holds the same children here, so one council's secrets are all of them:
    and the published folder passes the checks it was published under."""
    secrets = secrets_of(load(ROOT / "data" / "sample"))
    assert len(secrets.ids) == 8  # SAMPLE01 to SAMPLE08
    assert check_pack(region_pack["dir"], secrets, 5) == []
    # the check itself catches an id in a council's page
    bad = tmp_path / "pack"
    shutil.copytree(region_pack["dir"] / "357", bad)
    (bad / "01_demo.html").write_text("<p>SAMPLE03</p>")
    assert check_pack(bad, Secrets(frozenset({"SAMPLE03"}), frozenset()), 5) == [
        "01_demo.html: holds 1 child id(s) from the input"]


def test_a_council_with_broken_data_fails_alone(region_pack, tmp_path):
    """357's data cannot be read: 356 and 358 are published, the regional pack pools them and
    says 357 is missing, 357's previous pack stays, its failure is kept, exit 1, one line."""
    region = sample_region(tmp_path / "region")
    (region / "357" / "cin_census_2018.xml").write_text("<Message><Header>", encoding="utf-8")
    out = tmp_path / "outputs"
    shutil.copytree(region_pack["out"], out)  # an earlier good run of the same period
    before = (out / "region-test-region" / "2018-03" / "357" / "index.html").read_text()
    done = run_pack("--region", str(region), "--params", str(region_pack["params"]),
                    "--notebooks", str(FIXTURE_NOTEBOOKS), "--out", str(out), "--jobs", "2",
                    cwd=tmp_path)
    assert done.returncode == 1, done.stderr
    errors = _errors(done.stderr)
    assert len(errors) == 1, done.stderr
    assert errors[0].startswith("error: region-test-region 2018-03: 2 of 3 council packs "
                                "published; 357 failed: ")
    assert "cin_census_2018.xml" in errors[0]
    d = out / "region-test-region" / "2018-03"
    assert (d / "357" / "index.html").read_text() == before  # the previous good pack stays
    assert "cin_census_2018.xml" in (d / "357.failed" / "FAILED.txt").read_text()
    for la in ("356", "358"):
        now = json.loads((d / la / "metrics.json").read_text())["pack"]["region_now"]
        assert now["councils"] == ["356", "358"]
        assert now["figures"]["on_plan"] == 8 and now["figures"]["starts"] == 12
    page = (d / "index.html").read_text()
    assert "2 of 3 council packs published" in page
    row = re.search(r'<tr><th scope="row">357</th>(.*?)</tr>', page).group(1)
    assert "No pack: its data could not be read (cin_census_2018.xml" in row
    assert '<a href="357/index.html">Tameside: the pack of an earlier run</a>' in row
    assert "<strong>Missing from the region's pooled figures:</strong> Tameside (357)" in page
    pooled = json.loads((d / "metrics.json").read_text())
    assert pooled["region_now"]["councils"] == ["356", "358"]
    assert [c["la"] for c in pooled["councils"] if not c["pooled"]] == ["357"]


def test_pack_region_all_builds_every_period(tmp_path, monkeypatch):
    """`--all` reads the project's params folder: a project root of our own with two periods."""
    root = tmp_path / "root"
    (root / "params").mkdir(parents=True)
    for name in ("lib", "docs", "pyproject.toml"):
        (root / name).symlink_to(ROOT / name)
    for end in ("2018-02-28", "2018-03-31"):
        text = SAMPLE_PARAMS.replace('"2018-03-31"', f'"{end}"')
        (root / "params" / f"{end[:7]}.yaml").write_text(text)
    region = sample_region(tmp_path / "region", (("356", "Stockport"), ("358", "Trafford")))
    monkeypatch.setenv("CPMETRICS_ROOT", str(root))
    done = run_pack("--region", str(region), "--all", "--notebooks", str(FIXTURE_NOTEBOOKS),
                    "--region-notebooks", str(ROOT / "notebooks" / "region"),
                    "--out", str(tmp_path / "outputs"), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    base = tmp_path / "outputs" / "region-test-region"
    assert sorted(p.name for p in base.iterdir()) == ["2018-02", "2018-03"]
    for month, on_plan in (("2018-02", None), ("2018-03", 8)):
        d = base / month
        assert (d / "index.html").is_file() and (d / "00_region.html").is_file()
        for la in ("356", "358"):
            metrics = json.loads((d / la / "metrics.json").read_text())
            assert metrics["pack"]["period"] == month
            assert metrics["pack"]["region_now"]["period_end"].startswith(month)
        if on_plan is not None:
            assert json.loads((d / "metrics.json").read_text())["region_now"]["figures"][
                "on_plan"] == on_plan


def test_a_bad_region_folder_is_one_line_and_exit_2(tmp_path):
    region = sample_region(tmp_path / "region")
    (region / "region.yaml").unlink()
    params = tmp_path / "2018-03.yaml"
    params.write_text(SAMPLE_PARAMS)
    done = run_pack("--region", str(region), "--params", str(params), "--out",
                    str(tmp_path / "outputs"), cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        f"error: {region / 'region.yaml'}: no such file: a region folder needs region.yaml"
        " (its name and councils)"]
    assert not (tmp_path / "outputs").exists()


def test_a_kernel_keeps_a_few_data_sets_loaded_the_least_recently_used_dropped(tmp_path,
                                                                               monkeypatch):
    """A region's run passes 23 councils' data through each kernel: it keeps KERNEL_KEEP."""
    import cpmetrics
    import cpmetrics.sources as sources
    from cpmetrics.pack import kernel

    read: list[str] = []

    def fake_load(path):
        read.append(Path(path).name)
        return {"from": Path(path).name}

    monkeypatch.setattr(sources, "load", fake_load)
    monkeypatch.setattr(cpmetrics, "load", fake_load, raising=False)
    monkeypatch.setattr(kernel, "_SHARED_DIR", None)
    kernel._install_load_cache()
    paths = []
    for la in ("350", "351", "352", "353", "354"):
        (tmp_path / la).write_text(la)
        paths.append(tmp_path / la)
    assert kernel.KERNEL_KEEP == 4
    for p in paths[:4]:
        sources.load(p)
    sources.load(paths[0])  # kept, and now the most recently used
    sources.load(paths[4])  # 351, the least recently used, is dropped
    assert sources.load(paths[0]) == {"from": "350"}
    sources.load(paths[1])
    assert read == ["350", "351", "352", "353", "354", "351"]


def test_a_region_whose_every_council_fails_runs_no_notebook_and_says_so(tmp_path):
    region = sample_region(tmp_path / "region", (("356", "Stockport"), ("358", "Trafford")))
    for la in ("356", "358"):
        (region / la / "cin_census_2017.xml").write_text("not xml", encoding="utf-8")
    params = tmp_path / "2018-03.yaml"
    params.write_text(SAMPLE_PARAMS)
    done = run_pack("--region", str(region), "--params", str(params), "--out",
                    str(tmp_path / "outputs"), cwd=tmp_path)
    assert done.returncode == 1
    errors = _errors(done.stderr)
    assert len(errors) == 1
    assert errors[0].startswith(
        "error: region-test-region 2018-03: 0 of 2 council packs published; regional pack"
        " 2018-03 not published: no council's data could be read for this period; 356 failed: ")
    d = tmp_path / "outputs" / "region-test-region" / "2018-03"
    assert sorted(p.name for p in d.iterdir()) == ["356.failed", "358.failed"]
