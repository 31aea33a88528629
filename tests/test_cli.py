"""The command line's contract: JSON on stdout, one-line errors, exit codes 0/1/2."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample"


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "cpmetrics", *args], capture_output=True,
                          text=True, cwd=cwd)


@pytest.mark.parametrize(
    "args, message",
    [
        (["metrics", "--data", str(SAMPLE), "--period-end", "2018-02-31"], "is not a date"),
        (["metrics", "--data", str(SAMPLE)], "--period-end"),
        (["metrics", "--data", "no/such/place", "--period-end", "2018-03-31"], "no such file"),
        (["metrics", "--data", str(SAMPLE), "--period-end", "2018-03-31",
          "--period-start", "2018-04-01"], "after period end"),
        (["nonsense"], "invalid choice"),
    ],
)
def test_bad_arguments_are_one_line_and_exit_2(args, message):
    out = run(*args)
    assert out.returncode == 2
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0]
    assert "Traceback" not in out.stderr and out.stdout == ""


def test_period_start_changes_the_period():
    out = run("metrics", "--data", str(SAMPLE), "--period-end", "2018-03-31",
              "--period-start", "2018-01-01")
    got = json.loads(out.stdout)
    # plans started 2018-01-01..2018-03-31: SAMPLE07 only; ended: SAMPLE03, 04, 05
    assert got["period_start"] == "2018-01-01"
    assert got["starts"] == 1 and got["ended"] == 3


def test_metrics_works_from_any_folder(tmp_path):
    out = run("metrics", "--data", str(SAMPLE), "--period-end", "2018-03-31", cwd=tmp_path)
    assert out.returncode == 0 and json.loads(out.stdout)["on_plan"] == 4


def test_validate_lists_findings_and_exits_0_when_nothing_rejected():
    out = run("validate", "--data", str(SAMPLE))
    assert out.returncode == 0
    assert "12 plan records read, 12 loaded, 0 rejected" in out.stdout
    assert "SAMPLE06" in out.stdout  # NumberOfPreviousCPP 0 with an earlier plan


def test_validate_csv_and_exit_1_when_a_record_is_rejected(tmp_path):
    from helpers import census_xml, child_xml, cpp_xml, episode_xml

    census_xml(tmp_path / "c.xml", [
        child_xml("OK1", episode_xml("2017-04-10", cpp_xml("2017-05-01"))),
        child_xml("BAD1", episode_xml("2017-04-10", cpp_xml("2017-02-31"))),
    ])
    out = run("validate", "--data", str(tmp_path), "--csv")
    assert out.returncode == 1
    assert out.stdout.splitlines()[0].startswith("source_file,location,child_id,rule")
    assert "'2017-02-31' is not a date" in out.stdout
    metrics = run("metrics", "--data", str(tmp_path), "--period-end", "2017-05-31")
    assert metrics.returncode == 0
    got = json.loads(metrics.stdout)
    assert got["starts"] == 1 and got["quality"]["rejected"] == 1 and got["quality"]["read"] == 2
    assert metrics.stderr.startswith("warning: ") and len(metrics.stderr.splitlines()) == 1


def test_debug_shows_the_traceback():
    out = run("--debug", "metrics", "--data", "no/such/place", "--period-end", "2018-03-31")
    assert out.returncode == 2 and "Traceback" in out.stderr


def test_benchmark_prints_the_published_check_figures():
    out = run("benchmark", "--la", "Trafford", "--year", "2017", "--json")
    assert out.returncode == 0
    m = json.loads(out.stdout)["measures"]["starts_second_or_subsequent_pct"]
    assert m["la"]["value"] == 19.3 and m["england"]["value"] == 18.7
    assert m["neighbours_mean"] == {"value": 19.8, "n": 10, "of": 10, "missing": None}


def test_benchmark_prints_the_pathway_check_figures():
    out = run("benchmark", "--la", "358", "--year", "2018", "--json")
    assert out.returncode == 0
    m = json.loads(out.stdout)["measures"]
    icpc, reviews = m["icpc_within_15_days_pct"], m["reviews_in_time_pct"]
    assert (icpc["la"]["value"], icpc["england"]["value"]) == (83.3, 76.9)
    assert (reviews["la"]["value"], reviews["england"]["value"]) == (84.6, 90.5)
    assert (m["icpcs_within_15_days"]["la"]["value"], m["icpcs"]["la"]["value"]) == (245, 294)
    text = run("benchmark", "--la", "358", "--year", "2018").stdout
    line = next(x for x in text.splitlines() if x.startswith("Initial conferences within 15 "
                                                             "working days (%)"))  # fmt: skip
    assert line.split()[-13:] == ["83.3", "higher", "67/151", "B", "-1.1", "67/152", "B",
                                  "84.7", "(10", "of", "10)", "77.9", "76.9"]


def test_benchmark_compare_sets_named_councils_beside_the_rest():
    out = run("benchmark", "--la", "358", "--year", "2018", "--json",
              "--compare", "cheshire east", "356")
    assert out.returncode == 0
    got = json.loads(out.stdout)
    assert [c["dfe_number"] for c in got["comparators"]] == ["895", "356"]
    m = got["measures"]["starts_second_or_subsequent_pct"]
    assert (m["national"]["rank"], m["national"]["band"], m["change"]["value"]) == (145, "D", 9.8)
    assert (m["comparators"]["895"]["value"], m["comparators"]["356"]["value"]) == (17.7, 19.5)
    text = run("benchmark", "--la", "358", "--year", "2018", "--compare", "Cheshire East")
    assert "Compared with: Cheshire East (895)" in text.stdout
    bad = run("benchmark", "--la", "358", "--year", "2018", "--compare", "Chesire East")
    assert bad.returncode == 2
    assert bad.stderr == "error: --compare: unknown local authority 'Chesire East'\n"


def test_benchmark_unknown_council_is_one_line_exit_2():
    out = run("benchmark", "--la", "Nowhere", "--year", "2017")
    assert out.returncode == 2 and out.stderr == "error: unknown local authority 'Nowhere'\n"


def test_a_census_returns_own_lea_gives_the_rate_without_la():
    """The return's header names its council (<LEA>358</LEA>), so `metrics` needs no --la for
    the rate per 10,000 (it was null: the header's LEA was never read into the tables)."""
    from cpmetrics.population import population

    done = run("metrics", "--data", str(ROOT / "data" / "synthetic"), "--period-end", "2018-09-30")
    assert done.returncode == 0, done.stderr
    m = json.loads(done.stdout)
    # 30 September 2018 is in 2018-19: DfE's rule takes the mid-2018 estimate
    assert m["rate_per_10k"] == round(m["on_plan"] / population("358", 2018) * 10_000, 1)
    assert m["rate_per_10k"] is not None
