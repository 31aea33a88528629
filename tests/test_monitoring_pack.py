"""The 2018-09 pack monitors as a committee needs: SPC beside the band, restorative conferences
marked and judged too early, Cheshire East beside neighbours and England, the national rank
and band, and the gap in children. Every figure here is the library's on data/synthetic."""

from __future__ import annotations

import csv
import html
import json
import re
from pathlib import Path


def rows(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def header(path: Path) -> list[str]:
    with open(path, newline="", encoding="utf-8") as f:
        return next(csv.reader(f))


def text_of(page: Path) -> str:
    t = re.sub(r"<style\b.*?</style\s*>", " ", page.read_text(encoding="utf-8"), flags=re.S)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", t)))


def test_the_spc_table_of_children_on_a_plan(project_pack):
    d = project_pack["dir"]
    path = d / "tables" / "01_spc.csv"
    assert header(path) == ["month_end", "value", "centre", "lower", "upper", "signal"]
    spc = rows(path)
    assert len(spc) == 24
    # worked again from the table's own values: the mean of the 23 months of the first phase,
    # and 2.66 x the mean moving range (none above 3.267 x the mean screened out)
    assert spc[0] == {"month_end": "2016-10-31", "value": "235", "centre": "244.5",
                      "lower": "230.3", "upper": "258.6", "signal": ""}
    # February to July 2017 fall six months running (a trend), May to November 2017 are seven
    # months below the centre (a run), December 2017 to August 2018 nine above it
    assert [r["month_end"] for r in spc if r["signal"] == ""] == [
        "2016-10-31", "2016-11-30", "2016-12-31", "2017-01-31", "2018-09-30"]
    # restorative conferences from 1 September 2018 start a phase of one month: no limits
    assert spc[-1] == {"month_end": "2018-09-30", "value": "260", "centre": "260.0",
                       "lower": "", "upper": "", "signal": ""}
    for name in ("01_spc", "01_spc_starts", "02_spc_replans"):
        assert (d / "charts" / f"{name}.png").stat().st_size > 10_000
        alt = (d / "charts" / f"{name}.txt").read_text()
        assert alt.startswith("Statistical process control (XmR) chart of ")
        assert "Restorative conferences (1 September 2018)" in alt
    reading = " ".join(r["paragraph"] for r in rows(d / "tables" / "01_spc_reading.csv"))
    assert ("The band and SPC disagree in 13 of the 23 months with process limits: one month "
            "outside the band (240 to 260) is common cause variation (October 2016)") in reading
    assert "12 months within the band are special cause variation" in reading
    assert "one month so far (September 2018), too few to set process limits" in reading


def test_the_monthly_charts_mark_restorative_conferences(project_pack):
    d = project_pack["dir"]
    for name in ("01_cohort_band", "01_starts_ends", "02_rolling"):
        alt = (d / "charts" / f"{name}.txt").read_text()
        assert ("A dashed vertical line marks each change of practice: Restorative conferences "
                "(1 September 2018).") in alt, name


def test_before_and_since_says_it_is_too_early(project_pack):
    d = project_pack["dir"]
    table = rows(d / "tables" / "01_before_since.csv")
    assert [r["measure"] for r in table] == [
        "Children on a plan (mean of the month ends)", "Plans started a month",
        "Plans started that were re-plans", "Plans ended that had lasted 2 years or more"]
    # a reading rests on both windows' counts: hidden with them where September's is below 5
    assert {r["reading"] for r in table if r["since_n"] != "<5"} == {
        "too early to judge: one month since the change, at least 6 are needed"}
    assert {r["reading"] for r in table if r["since_n"] == "<5"} <= {"[c]"}
    assert all(r["difference"] in ("", "[c]") and r["difference_low"] in ("", "[c]")
               for r in table)
    replans = table[2]
    assert (replans["before_n"], replans["before_of"], replans["before_value"],
            replans["since_n"], replans["since_of"], replans["since_value"]) == (
        "62", "259", "23.9", "<5", "31", "[c]")
    page = text_of(d / "01_cohort_trend.html")
    assert ("Restorative conferences began on 1 September 2018: one month of data since it, to "
            "30 September 2018. That is too early to judge whether anything has changed.") in page
    assert "a difference between them and the 12 months before is not a finding" in page


def test_cheshire_east_beside_neighbours_and_england(project_pack):
    d = project_pack["dir"]
    bench = rows(d / "tables" / "02_benchmark.csv")
    assert [(r["area"], r["pct"]) for r in bench[1:]] == [
        ("Statistical neighbours' mean, 2016-17 (10 of 10)", "19.8"),
        ("England, 2016-17", "18.7"), ("Cheshire East, 2016-17", "17.4")]
    for name in ("02_benchmark", "02_quarters", "02_rolling"):
        assert "Cheshire East 17.4%" in (d / "charts" / f"{name}.txt").read_text(), name


def test_where_the_council_stands_and_the_gap_in_children(project_pack):
    d = project_pack["dir"]
    head = {r["measure"]: r for r in rows(d / "tables" / "00_headline.csv")}
    r = head["Plans started: second or subsequent plan"]
    assert (r["national_value"], r["national_rank"], r["national_band"], r["national_polarity"],
            r["national_change"], r["national_direction"]) == (
        "19.3", "91st of 152", "C", "lower is better", "-7.5", "better")
    r = head["Plans ended: lasted 2 years or more"]
    assert (r["national_rank"], r["national_band"], r["national_direction"]) == (
        "120th of 121", "D", "worse")
    assert head["Children on a plan"]["national_rank"] == "-"  # neither way is better
    said = " ".join(r["paragraph"] for r in rows(d / "tables" / "00_narrative.csv"))
    # 119 x 19.8% = 23.6 re-plans at the neighbours' share; 25 were: about one fewer
    assert ("To match the statistical neighbours' 19.8%, about one fewer of this year's 119 plans "
            "would have been re-plans (25 were, 21.0%).") in said


def test_without_a_practice_change_the_page_says_there_is_none(project_sample_pack):
    d = project_sample_pack
    assert rows(d / "tables" / "01_before_since.csv") == []
    said = rows(d / "tables" / "01_before_since_reading.csv")
    assert said[0]["paragraph"].startswith("No practice change is given in the params file")
    # the sample's months rest on counts below 5: their shares, centres and limits are hidden
    spc = rows(d / "tables" / "02_spc_replans.csv")
    assert spc and all(r["value"] in ("[c]", "") for r in spc if r["n"] == "<5"
                       or r["of"] == "<5")
    assert header(d / "tables" / "01_spc.csv") == ["month_end", "value", "centre", "lower",
                                                    "upper", "signal"]


def test_time_to_return_and_time_on_plan(project_pack):
    """Kaplan-Meier in 02 and 03: 896 plans ended by 30 September 2018, 934 started since
    1 April 2015 (the estimator is checked by hand on data/sample in test_survival.py)."""
    d = project_pack["dir"]
    path = d / "tables" / "02_return_shares.csv"
    assert header(path) == ["breakdown", "group", "within", "plans", "returned", "at_risk",
                            "pct", "ci_low", "ci_high"]
    got = {(r["group"], r["within"]): r for r in rows(path)}
    assert len(got) == 40  # all, 2 by domestic abuse, 5 categories, 2 lengths: 4 horizons each
    assert got[("All ended plans", "12 months")] == {
        "breakdown": "All ended plans", "group": "All ended plans", "within": "12 months",
        "plans": "896", "returned": "94", "at_risk": "573", "pct": "11.7", "ci_low": "9.6",
        "ci_high": "14.1"}
    assert [got[(g, "12 months")]["pct"] for g in (
        "Linked to domestic abuse (3A, 3B, 3C)", "Not linked to domestic abuse")] == [
        "11.5", "11.8"]
    # 1 to 4 plans back by then: the count is <5 and the share goes with it
    assert [got[("Sexual abuse", "3 months")][c] for c in ("returned", "pct", "ci_low")] == \
        ["<5", "[c]", "[c]"]
    on_plan = {r["on_plan_at"]: r for r in rows(d / "tables" / "03_time_on_plan.csv")}
    assert [on_plan[m]["pct"] for m in ("6 months", "12 months", "18 months", "24 months")] == \
        ["70.7", "34.5", "22.9", "11.9"]
    assert (on_plan["24 months"]["ci_low"], on_plan["24 months"]["ci_high"]) == ("9.4", "14.8")
    assert rows(d / "tables" / "03_time_on_plan_median.csv") == [{
        "started": "1 April 2015 to 30 September 2018", "plans": "934", "ended": "674",
        "still_open": "260", "median_days": "287.0", "median_ci_low": "267.0",
        "median_ci_high": "299.0"}]
    assert (d / "charts" / "02_return_curve.txt").read_text().startswith(
        "Line chart of the share of ended plans whose child was back on a child protection plan")
    assert "within 12 months 11.5%" in (d / "charts" / "02_return_curve_dv.txt").read_text()
    assert "at 18 months 22.9%" in (d / "charts" / "03_time_on_plan.txt").read_text()
    assert "How soon do children come back after a plan ends?" in text_of(d / "02_replans.html")
    assert "How long do children stay on a plan?" in text_of(d / "03_long_plans.html")


def test_the_year_end_outlook_in_the_summary_narrative_and_metrics(project_pack):
    d = project_pack["dir"]
    assert rows(d / "tables" / "00_outlook.csv") == [
        {"measure": "Plans started: second or subsequent plan", "n": "25", "of": "119",
         "pct": "21.0", "year_end_plans": "238", "projected": "21.0", "projected_low": "16.6",
         "projected_high": "26.2"},
        {"measure": "Plans ended: lasted 2 years or more", "n": "16", "of": "116",
         "pct": "13.8", "year_end_plans": "233", "projected": "13.8", "projected_low": "10.0",
         "projected_high": "18.8"}]
    said = " ".join(r["paragraph"] for r in rows(d / "tables" / "00_narrative.csv"))
    assert ("On current trends the year will end between 16.6% and 26.2% (plans started that "
            "were second or subsequent, an 80% interval)") in said
    assert ("On current trends the year will end between 10.0% and 18.8% (plans ended that had "
            "lasted 2 years or more, an 80% interval)") in said
    outlook = json.loads((d / "metrics.json").read_text())["outlook"]
    assert set(outlook) == {"starts_second_or_subsequent", "ended_2y_plus"}
    replans = outlook["starts_second_or_subsequent"]
    assert (replans["n"], replans["of"], replans["year_end"]) == (25, 119, "2019-03-31")
    assert (round(replans["low"], 1), round(replans["high"], 1)) == (16.6, 26.2)
