"""The dates a data set covers, worked out by hand, and a reporting date outside them refused."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest
from cpmetrics import cli
from cpmetrics.coverage import CoverageError, check, coverage, latest_event
from cpmetrics.errors import InputError
from cpmetrics.pack import check_coverage
from cpmetrics.params import load_params, params_files
from cpmetrics.periods import Period
from cpmetrics.sources import load
from cpmetrics.tables import EPISODE_COLUMNS, conform
from helpers import census_xml, child_xml, cpp_xml, episode_xml, history, plan

ROOT = Path(__file__).resolve().parents[1]
SYNTHETIC = ROOT / "data" / "synthetic"
SAMPLE = ROOT / "data" / "sample"
ANNEX_A = ROOT / "tests" / "fixtures" / "annex-a" / "Annex_A.xlsx"
TODAY = "2030-01-01"  # far after every date below, so that "never after today" plays no part
T = pd.Timestamp


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "cpmetrics", *args], capture_output=True,
                          text=True, timeout=300)


def one_line(done: subprocess.CompletedProcess) -> str:
    lines = done.stderr.strip().splitlines()
    assert done.returncode == 2 and len(lines) == 1 and "Traceback" not in done.stderr, done.stderr
    return lines[0]


# ---- hand-made histories --------------------------------------------------------------------


def returns(*plans: dict, reference_dates: tuple[str, ...]):
    """Tables as the CIN census reader gives them: plans and each return's ReferenceDate."""
    return replace(history(*plans), reference_dates=tuple(T(d) for d in reference_dates))


def test_census_from_1_april_of_the_earliest_return_to_the_month_of_the_latest_event():
    # returns 2016-17 and 2017-18; the latest event is an end on 15 February 2018
    t = returns(plan("A", "2016-06-01", end="2017-05-10"), plan("B", "2017-09-01",
                                                                end="2018-02-15"),
                reference_dates=("2017-03-31", "2018-03-31"))
    c = coverage(t, today=TODAY)
    assert (c.first, c.last) == (T("2016-04-01"), T("2018-02-28"))
    assert "2016-17" in c.since and "15 February 2018" in c.until and "31 March 2018" in c.until


def test_census_never_runs_past_its_reference_date():
    # a start dated after the return's ReferenceDate (rule 8720's fault) does not stretch it
    t = returns(plan("A", "2017-06-01"), plan("B", "2018-04-20"), reference_dates=("2018-03-31",))
    c = coverage(t, today=TODAY)
    assert c.last == T("2018-03-31") and "ReferenceDate" in c.until


def test_a_part_year_return_covers_only_what_it_holds():
    # the data/synthetic case: ReferenceDate 31 March 2019, nothing after 30 September 2018
    t = returns(plan("A", "2017-06-01"), plan("B", "2018-09-27"),
                reference_dates=("2018-03-31", "2019-03-31"))
    assert coverage(t, today=TODAY).last == T("2018-09-30")
    with pytest.raises(CoverageError) as exc:
        check(t, Period.ending("2019-03-31"), today=TODAY)
    assert exc.value.setting == "period_end"
    assert exc.value.problem.startswith("2019-03-31 is after 2018-09-30, the last date the data"
                                        " cover: the end of the month of the latest event")


def test_a_reporting_date_before_the_first_is_refused_on_the_last_and_first_accepted():
    t = returns(plan("A", "2016-06-01", end="2018-03-02"), reference_dates=("2017-03-31",
                                                                            "2018-03-31"))
    with pytest.raises(CoverageError, match=r"^period_end: 2016-03-31 is before 2016-04-01"):
        check(t, Period.ending("2016-03-31", "2016-01-01"), today=TODAY)
    assert check(t, Period.ending("2016-04-01"), today=TODAY).first == T("2016-04-01")
    assert check(t, Period.ending("2018-03-31"), today=TODAY).last == T("2018-03-31")


def test_every_kind_of_event_counts_and_dates_after_today_do_not():
    def referrals(*dates: str) -> pd.DataFrame:
        return conform(pd.DataFrame({"child_id": ["A"] * len(dates),
                                     "referral_date": [T(d) for d in dates]}), EPISODE_COLUMNS)

    t = history(plan("A", "2017-06-01", end="2017-08-01"))
    assert latest_event(t, today=TODAY) == T("2017-08-01")
    t = replace(t, episodes=referrals("2017-05-20", "2017-10-03"))
    assert latest_event(t, today=TODAY) == T("2017-10-03")
    t = replace(t, episodes=referrals("2017-10-03", "2029-05-05"))  # a typo years ahead
    assert latest_event(t, today="2020-01-01") == T("2017-10-03")
    assert coverage(t, today="2017-10-20").last == T("2017-10-20")  # today, not the month end


def test_without_returns_from_the_month_after_the_earliest_end_recorded():
    t = history(plan("A", "2016-01-10", end="2016-09-17", year=None),
                plan("B", "2016-03-01", year=None))
    c = coverage(t, today=TODAY)
    assert (c.first, c.last) == (T("2016-10-01"), T("2016-09-30"))
    t = history(plan("A", "2016-01-10", end="2016-09-01", year=None))
    assert coverage(t, today=TODAY).first == T("2016-09-01")  # an end on the 1st starts there
    assert coverage(history(plan("A", "2016-01-10", year=None)), today=TODAY).first is None


def test_a_collection_year_without_a_return_starts_at_the_earlier_of_its_year_and_the_ends():
    t = history(plan("A", "2015-05-01", end="2016-02-01", year=2017))
    assert coverage(t, today=TODAY).first == T("2015-04-01")  # the end's year, 2015-16


def test_data_to_replaces_the_last_date_within_what_the_data_can_hold():
    t = returns(plan("A", "2017-06-01"), plan("B", "2018-09-27"),
                reference_dates=("2019-03-31",))
    c = coverage(t, "2018-09-14", today=TODAY)
    assert c.last == T("2018-09-14") and "data_to" in c.until
    with pytest.raises(CoverageError, match="^period_end: 2018-09-30 is after 2018-09-14,"):
        check(t, Period.ending("2018-09-30"), "2018-09-14", today=TODAY)
    with pytest.raises(CoverageError, match="^data_to: 2019-06-30 is after 2019-03-31, the"):
        coverage(t, "2019-06-30", today=TODAY)
    with pytest.raises(CoverageError, match=r"^data_to: 2020-01-02 is after today \(2020-01-01\)"):
        coverage(t, "2020-01-02", today="2020-01-01")


def test_the_page_says_the_dates_and_when_the_period_starts_before_them():
    t = history(plan("A", "2016-01-10", end="2016-09-17", year=None), plan("B", "2016-11-03",
                                                                          year=None))
    c = check(t, Period.ending("2016-11-30"), today=TODAY)
    assert c.sentence().startswith("The data cover 1 October 2016 to 30 November 2016: from the"
                                   " 1st of the month after the earliest plan end recorded")
    assert "The period measured starts on 1 April 2016, before the data do" in c.sentence()
    assert repr(c) == c._repr_markdown_() == c.sentence()  # no Timestamp in a page's text


# ---- what each source records ---------------------------------------------------------------


@pytest.fixture(scope="module")
def synthetic():
    return load(SYNTHETIC)


def test_a_census_file_records_its_reference_date(tmp_path):
    f = census_xml(tmp_path / "c.xml", [child_xml("C1", episode_xml(
        "2017-05-02", cpp_xml("2017-05-20"), closure=None))], reference_date="2018-03-31")
    t = load(f)
    assert t.reference_dates == (T("2018-03-31"),)
    c = coverage(t, today=TODAY)
    assert (c.first, c.last) == (T("2017-04-01"), T("2017-05-31"))  # the plan's start, 20 May


def test_synthetic_sample_and_annex_a_as_worked_out(synthetic):
    # data/synthetic: returns 2015-16 to 2018-19, latest events (referrals, closures,
    # assessments) on 30 September 2018
    covered = coverage(synthetic)
    assert (covered.first, covered.last) == (T("2015-04-01"), T("2018-09-30"))
    # data/sample: returns 2016-17 and 2017-18, latest event a closure on 20 March 2018
    sample = coverage(load(SAMPLE))
    assert (sample.first, sample.last) == (T("2016-04-01"), T("2018-03-31"))
    # Annex A sample: earliest end 17 September 2020, latest statutory visit 2 March 2021
    annex = load(ANNEX_A)
    assert annex.visits_to == T("2021-03-02")
    a = coverage(annex)
    assert (a.first, a.last) == (T("2020-10-01"), T("2021-03-31"))


# ---- the commands ---------------------------------------------------------------------------


def test_metrics_past_the_data_is_refused_naming_both_dates():
    line = one_line(run("metrics", "--data", str(SYNTHETIC), "--period-end", "2019-03-31"))
    assert line.startswith(f"error: {SYNTHETIC}: --period-end 2019-03-31 is after 2018-09-30,"
                           " the last date the data cover")
    assert "ReferenceDate, 31 March 2019, is later" in line


def test_before_the_data_and_past_data_to_are_refused_as_the_command_line_says(synthetic):
    def refusal(end: str, start: str | None = None, data_to: str | None = None) -> str:
        with pytest.raises(CoverageError) as exc:
            check(synthetic, Period.ending(end, start), data_to)
        return exc.value.located(SYNTHETIC, option=True).line()

    assert refusal("2015-03-31", "2015-01-01") == (
        f"{SYNTHETIC}: --period-end 2015-03-31 is before 2015-04-01, the first date the data"
        " cover: the start of the earliest CIN census return's year, 2015-16")
    assert refusal("2018-09-30", data_to="2018-09-14").startswith(
        f"{SYNTHETIC}: --period-end 2018-09-30 is after 2018-09-14, the last date the data cover:"
        " the date the data were extracted (data_to)")
    assert refusal("2018-09-30", data_to="2019-06-30") == (
        f"{SYNTHETIC}: --data-to 2019-06-30 is after 2019-03-31, the latest CIN census return's"
        " ReferenceDate: it holds nothing later")


def test_metrics_prints_the_coverage_data_to_gives(capsys):
    code = cli.main(["metrics", "--data", str(SYNTHETIC), "--period-end", "2018-08-31",
                     "--data-to", "2018-09-14"])
    got = json.loads(capsys.readouterr().out)["coverage"]
    assert code == 0 and (got["from"], got["to"]) == ("2015-04-01", "2018-09-14")
    assert got["basis"].startswith("The data cover 1 April 2015 to 14 September 2018: from")


def test_pack_past_the_data_is_refused_before_any_notebook_runs(tmp_path):
    params = tmp_path / "2019-03.yaml"
    params.write_text(f'period_end: "2019-03-31"\ndata: {SYNTHETIC}\nla: "358"\n'
                      "reference_level: 250\ntolerance_pct: 4\nsuppression_threshold: 5\n")
    done = run("pack", "--params", str(params), "--out", str(tmp_path / "out"))
    line = one_line(done)
    assert line.startswith(f"error: {params} key period_end: 2019-03-31 is after 2018-09-30,"
                           " the last date the data cover")
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_a_params_data_to_is_read_and_checked(tmp_path):
    params = tmp_path / "2018-09.yaml"
    params.write_text(f'period_end: "2018-09-30"\ndata: {SYNTHETIC}\nla: "358"\n'
                      "reference_level: 250\ntolerance_pct: 4\nsuppression_threshold: 5\n"
                      'data_to: "2018-09-14"\n')
    p = load_params(params)
    assert p.data_to == T("2018-09-14")
    assert p.notebook_parameters(None)["data_to"] == "2018-09-14"
    with pytest.raises(InputError) as exc:
        check_coverage(p, ROOT)
    assert (exc.value.file, exc.value.place) == (str(params), "key period_end")
    assert exc.value.problem.startswith("2018-09-30 is after 2018-09-14")


def test_every_committed_params_file_is_within_the_data():
    files = params_files(ROOT / "params")
    assert [f.stem for f in files][::17] == ["2017-04", "2018-09"] and len(files) == 18
    for f in files:
        c = check_coverage(load_params(f), ROOT)
        assert (c.first, c.last) == (T("2015-04-01"), T("2018-09-30")), f.name
