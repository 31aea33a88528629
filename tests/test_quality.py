"""Each data-quality rule: its DfE number, what it says, what the measures did with the plan.

Histories are built by hand (tests/helpers.py); every finding must name the file,
the place, the child and the rule, and only records that cannot be measured are
rejected.
"""

from __future__ import annotations

import re

import pandas as pd
import pytest
from cpmetrics import measures as m
from cpmetrics.periods import Period, as_date
from cpmetrics.quality import RULES, describe_rules, findings_report
from helpers import history, plan

YEAR = Period.financial_year(2018)
D = as_date("2018-03-31")


def rules_of(t, child: str | None = None) -> list[str]:
    f = t.findings if child is None else t.findings[t.findings["child_id"] == child]
    return sorted(f["rule"])


def only(t, code: str) -> pd.Series:
    hits = t.findings[t.findings["rule"] == code]
    assert len(hits) == 1, t.findings
    return hits.iloc[0]


def test_clean_history_has_no_findings():
    t = history(plan("A", "2017-05-01", "2017-09-01"), plan("A", "2017-10-01", previous=1),
                plan("B", "2016-06-01", "2017-06-01"))
    assert t.findings.empty
    assert t.rejects.empty


def test_8840_same_day_is_measured_as_a_start_and_an_end_never_on_plan():
    t = history(plan("A", "2017-05-01", "2017-05-01"))
    f = only(t, "8840")
    assert f["child_id"] == "A" and f["source_file"] == "test.xml" and f["location"] == "record A"
    assert f["message"] == "The plan starts and ends on the same day (plan starting 2017-05-01)"
    assert (m.starts(t.plans, YEAR), m.ended(t.plans, YEAR)) == (1, 1)
    assert m.on_plan(t.plans, as_date("2017-05-01")) == 0


def test_8925_end_before_start_is_rejected():
    t = history(plan("A", "2017-05-01", "2017-04-01"), plan("B", "2017-05-01"))
    f = only(t, "8925")
    assert f["message"] == "plan ends (2017-04-01) before it starts (2017-05-01)"
    assert f["action"] == "record rejected: not in any measure"
    assert (t.counts.read, t.counts.loaded, t.counts.rejected) == (2, 1, 1)
    assert m.starts(t.plans, YEAR) == 1


def test_8500_no_child_id_is_rejected():
    t = history(plan("  ", "2017-05-01"))
    f = only(t, "8500")
    assert f["message"].startswith("no child id")
    assert t.counts.rejected == 1


def test_8720_no_start_date_is_rejected_and_a_start_after_the_reference_date_is_kept():
    t = history(plan("A", ""), plan("B", "2018-04-02", year=2018))
    f = t.findings.set_index("child_id")
    assert list(f["rule"]) == ["8720", "8720"]
    assert f.loc["A", "action"] == "record rejected: not in any measure"
    assert f.loc["B", "action"] == "measured as recorded"
    assert (t.counts.loaded, t.counts.rejected) == (1, 1)


def test_l01_a_date_that_does_not_exist_is_rejected_with_the_date():
    t = history(plan("A", "2017-02-31"), plan("B", "2017-05-01", "2017-13-01"))
    assert rules_of(t) == ["L01", "L01"]
    assert sorted(t.rejects["reason"]) == [
        "CPPendDate '2017-13-01' is not a date",
        "CPPstartDate '2017-02-31' is not a date",
    ]


def test_8935_two_open_plans_count_the_child_once():
    t = history(plan("A", "2017-05-01"), plan("A", "2017-08-01", previous=1))
    assert rules_of(t, "A") == ["8935", "8935", "8940"]
    assert m.on_plan(t.plans, D) == 1


def test_8940_overlap_names_the_earlier_plans_end():
    t = history(plan("A", "2017-05-01", "2017-09-01"),
                plan("A", "2017-08-01", "2017-12-01", previous=1))
    f = only(t, "8940")
    assert f["message"].endswith("(plan starting 2017-08-01; an earlier plan ends 2017-09-01)")
    assert m.on_plan(t.plans, as_date("2017-08-15")) == 1


def test_8940_follows_dfe_a_plan_starting_the_day_the_last_one_ended_overlaps():
    t = history(plan("A", "2017-05-01", "2017-09-01"),
                plan("A", "2017-09-01", previous=1))
    assert rules_of(t) == ["8940"]
    assert m.on_plan(t.plans, as_date("2017-09-01")) == 1


def test_8940_an_overlap_with_any_earlier_plan_not_just_the_last():
    t = history(plan("A", "2016-05-01", "2017-12-01"),
                plan("A", "2016-08-01", "2016-09-01", previous=1),
                plan("A", "2017-01-01", "2017-02-01", previous=2))
    hits = t.findings[t.findings["rule"] == "8940"]
    assert sorted(hits["message"].str.extract(r"starting (\S+);")[0]) == [
        "2016-08-01", "2017-01-01"
    ]


def test_8905_and_8910_categories_outside_the_code_list():
    no_latest = plan("B", "2017-05-01", category="PHY") | {"latest_category": None}
    t = history(plan("A", "2017-05-01", category="NEGLECT", latest="NEG"), no_latest,
                plan("C", "2017-05-01", category="MUL"))
    assert rules_of(t, "A") == ["8905"]
    assert rules_of(t, "B") == ["8910"]
    assert rules_of(t, "C") == []
    assert "recorded as 'NEGLECT'" in only(t, "8905")["message"]
    assert dict(m.starts_by_initial_category(t.plans, YEAR))["unknown"] == 1


def test_8730_missing_previous_plans_and_l02_not_a_whole_number():
    t = history(plan("A", "2017-05-01", previous=None), plan("B", "2017-05-01", previous="1.5"),
                plan("C", "2017-05-01", previous="-1"))
    assert rules_of(t) == ["8730", "L02", "L02"]
    assert only(t, "8730")["message"] == "NumberOfPreviousCPP is missing"
    assert t.counts.rejected == 0
    assert m.starts(t.plans, YEAR) == 3


def test_l03_same_plan_twice_in_a_file_is_measured_once():
    t = history(plan("A", "2017-05-01"), plan("A", "2017-05-01"))
    assert rules_of(t) == ["L03"]
    assert (t.counts.read, t.counts.loaded, t.counts.merged, t.counts.plans) == (2, 2, 1, 1)
    assert m.starts(t.plans, YEAR) == 1


def test_l07_previous_plans_disagreeing_with_the_history_counts_as_a_replan():
    t = history(plan("A", "2016-05-01", "2016-09-01"), plan("A", "2017-05-01", previous=0))
    f = only(t, "L07")
    assert "2017-05-01" in f["message"]
    assert m.starts_second_or_subsequent(t.plans, YEAR).as_dict()["n"] == 1


def test_8930_end_outside_the_census_year():
    t = history(plan("A", "2015-05-01", "2016-09-01", year=2018),
                plan("B", "2017-05-01", "2017-09-01", year=2018))
    f = only(t, "8930")
    assert f["child_id"] == "A"
    assert f["message"].endswith("ends 2016-09-01, return for the year ending 31 March 2018)")


def test_census_year_rules_do_not_apply_without_a_collection_year():
    t = history(plan("A", "2015-05-01", "2016-09-01", year=None),
                plan("B", "2019-05-01", year=None))
    assert t.findings.empty


def test_every_rule_is_numbered_and_worded():
    book = describe_rules()
    assert book["rule"].is_unique
    for r in RULES:
        assert re.fullmatch(r"\d{4}Q?|L\d\d", r.code), r.code
        assert r.message and r.action
    assert set(book["rule"]) >= {"8840", "8905", "8910", "8720", "8930", "8935", "8940", "L07"}


def test_findings_report_for_the_case_system_team():
    t = history(plan("A", "2017-05-01", "2017-04-01"), plan("B", "2017-05-01", "2017-05-01"),
                plan("C", "2017-05-01", previous=None))
    r = findings_report(t)
    assert list(r.columns) == ["source_file", "location", "child_id", "rule", "rule_source",
                               "message", "action", "rejected"]
    assert list(r["child_id"]) == ["A", "B", "C"]
    assert list(r["rule"]) == ["8925", "8840", "8730"]
    assert list(r["rejected"]) == [True, False, False]
    assert set(r["rule_source"]) == {"DfE CIN census validation rule"}


@pytest.mark.parametrize("n", [0, 1, 5])
def test_read_is_loaded_plus_rejected(n):
    plans = [plan(f"K{i}", "2017-05-01") for i in range(n)] + [plan("Z", "2017-02-30")]
    t = history(*plans)
    assert t.counts.read == n + 1 == t.counts.loaded + t.counts.rejected
    assert len(t.rejects) == t.counts.rejected == 1


def test_open_plan_in_a_closed_episode_and_a_plan_ending_after_it():
    from helpers import census, episode

    closed = [episode(c, "2017-04-01", closure="2017-08-01", reason="RC1", episode_id=f"{c}|1")
              for c in "ABC"]
    t = census(plan("A", "2017-05-01", episode="A|1"),
               plan("B", "2017-05-01", "2017-09-01", episode="B|1"),
               plan("C", "2017-05-01", "2017-06-01", episode="C|1"), episodes=closed)
    f = t.findings[t.findings["rule"].isin(["L11", "8565"])].set_index("child_id")
    assert list(f.index) == ["B", "A"]
    assert f.loc["A", "rule"] == "L11"
    assert f.loc["A", "message"] == (
        "The plan has no end date but its CIN episode is closed"
        " (plan starting 2017-05-01; the episode closed 2017-08-01)"
    )
    assert f.loc["B", "rule"] == "8565"
    assert f.loc["B", "message"] == (
        "Activity shown after a case has been closed"
        " (plan starting 2017-05-01; ends 2017-09-01 after its CIN episode closed 2017-08-01)"
    )


def test_every_planted_plan_fault_in_the_synthetic_council_is_reported():
    """data/synthetic/faults.csv lists the faults planted on purpose, each with the rule that
    reports it; each must be found (plan faults are planted on plans that ended in their
    return's year, so no later return holds the plan again and wins)."""
    from pathlib import Path

    from cpmetrics.sources import load

    data = Path(__file__).resolve().parents[1] / "data" / "synthetic"
    if not (data / "faults.csv").exists():
        pytest.skip("no synthetic data")
    t = load(data)
    planted = pd.read_csv(data / "faults.csv", dtype=str)
    found = {(Path(str(r.source_file)).name, r.child_id, r.rule) for r in t.findings.itertuples()}
    missed = [(r.file, r.child_id, r.fault, r.rule) for r in planted.itertuples()
              if (r.file, r.child_id, r.rule) not in found]
    assert missed == []
    assert len(planted) > len(missed) + 20
