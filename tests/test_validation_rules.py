"""The CIN census validation rules over episodes, enquiries, conferences, reviews, CIN plans and
children: each with a record that breaks it and one that passes, worked out by hand.

The histories start from one clean child (below) and change one thing. Messages are DfE's
wording (the Data to Insight validator's rules/cin2022_23/rule_NNNN.py), each followed by
the record it names.
"""

from __future__ import annotations

import pandas as pd
import pytest
from cpmetrics.quality import describe_rules
from helpers import assessment, census, cin_plan, enquiry, episode, person, plan, review

# one child on a plan, every record valid (collection year 2017-18): referred Monday 3 April
# 2017, assessed, an enquiry on Wednesday 5 April, its conference and the plan on Wednesday
# 26 April (15 working days later, Easter 14-17 April between), reviewed 20 July
CLEAN = {
    "plans": [plan("A", "2017-04-26")],
    "episodes": [episode("A", "2017-04-03")],
    "assessments": [assessment("A", "2017-04-20", "3A", started="2017-04-04")],
    "section47": [enquiry("A", "2017-04-05", icpc="2017-04-26", target="2017-04-26")],
    "reviews": [review("A", "2017-04-26", "2017-07-20")],
    "children": [person("A", "2008-01-01")],
}


def history(**change) -> pd.DataFrame:
    """The clean child with some tables replaced; its findings."""
    tables = CLEAN | change
    plans = tables.pop("plans")
    return census(*plans, **tables).findings


def found(findings: pd.DataFrame, code: str) -> pd.DataFrame:
    return findings[findings["rule"] == code]


def one(findings: pd.DataFrame, code: str) -> pd.Series:
    hits = found(findings, code)
    assert len(hits) == 1, findings
    return hits.iloc[0]


def test_the_clean_child_breaks_no_rule():
    assert history().empty


# ---- closure ------------------------------------------------------------------------------


def test_8810_a_reason_for_closure_without_a_closure_date():
    f = history(episodes=[episode("A", "2017-04-03", reason="RC1")])
    hit = one(f, "8810")
    assert hit["message"] == ("A CIN case cannot have a Reason for Closure without a CIN Closure"
                              " Date (CIN episode referred 2017-04-03; reason for closure RC1)")
    assert hit["location"] == "episode A" and hit["child_id"] == "A"
    assert hit["action"].startswith("kept")
    closed = history(episodes=[episode("A", "2017-04-03", closure="2018-03-01", reason="RC1")],
                     plans=[plan("A", "2017-04-26", "2018-03-01")])
    assert found(closed, "8810").empty


def test_8565_an_assessment_authorised_after_the_episode_closed():
    # seed 11's 2016-17 return: closure 9 August 2016, authorisation 14 August
    f = history(plans=[], section47=[], reviews=[],
                episodes=[episode("A", "2016-06-20", closure="2016-08-09", reason="RC1",
                                  year=2017)],
                assessments=[assessment("A", "2016-08-14", "3A", started="2016-06-28")])
    hit = one(f, "8565")
    assert hit["message"] == ("Activity shown after a case has been closed (assessment started"
                              " 2016-06-28; authorised 2016-08-14 after its CIN episode closed"
                              " 2016-08-09)")
    on_the_day = history(plans=[], section47=[], reviews=[],
                         episodes=[episode("A", "2016-06-20", closure="2016-08-14", reason="RC1",
                                           year=2017)],
                         assessments=[assessment("A", "2016-08-14", "3A", started="2016-06-28")])
    assert found(on_the_day, "8565").empty


@pytest.mark.parametrize("change, words", [
    ({"section47": [enquiry("A", "2018-03-05", icpc="2018-03-20")]},
     "section 47 enquiry started 2018-03-05; started 2018-03-05, initial conference 2018-03-20"),
    ({"plans": [plan("A", "2017-04-26", "2018-03-02")]},
     "plan starting 2017-04-26; ends 2018-03-02"),
    ({"episodes": [episode("A", "2017-04-03", closure="2018-03-01", reason="RC1",
                           icpc="2018-03-05")]},
     "CIN episode referred 2017-04-03; initial conference 2018-03-05"),
    ({"cin_plans": [cin_plan("A", "2018-03-05")]}, "CIN plan starting 2018-03-05; starts"),
])
def test_8565_every_kind_of_activity_after_closure(change, words):
    base = {"episodes": [episode("A", "2017-04-03", closure="2018-03-01", reason="RC1")],
            "plans": [plan("A", "2017-04-26", "2018-03-01")]}
    hit = one(history(**(base | change)), "8565")
    assert words in hit["message"] and "2018-03-01" in hit["message"]


def test_l11_an_open_plan_in_a_closed_episode():
    f = history(episodes=[episode("A", "2017-04-03", closure="2018-03-01", reason="RC1")])
    hit = one(f, "L11")
    assert hit["message"] == ("The plan has no end date but its CIN episode is closed (plan"
                              " starting 2017-04-26; the episode closed 2018-03-01)")
    assert hit["action"].startswith("measured as open")


# ---- what a case closed after assessment may hold ---------------------------------------------


def test_2990_an_enquiry_and_a_plan_in_a_case_closed_rc8():
    f = history(episodes=[episode("A", "2017-04-03", closure="2018-03-01", reason="RC8")],
                plans=[plan("A", "2017-04-26", "2018-03-01")])
    hit = one(f, "2990")
    assert hit["message"].endswith(
        "(CIN episode referred 2017-04-03; closed RC8 but holds a section 47 enquiry,"
        " a child protection plan)")
    assert hit["message"].startswith("Activity is recorded against a case marked as ‘Case closed"
                                     " after assessment, no further action’")
    rc9 = history(episodes=[episode("A", "2017-04-03", closure="2017-05-01", reason="RC9")],
                  plans=[], section47=[], reviews=[])
    assert found(rc9, "2990").empty  # assessed, then early help: nothing else held


# ---- conferences and plans --------------------------------------------------------------------


def test_2884_a_conference_at_both_levels():
    f = history(episodes=[episode("A", "2017-04-03", icpc="2017-04-26")])
    hit = one(f, "2884")
    assert hit["location"] == "episode A"
    assert hit["message"].endswith("(CIN episode referred 2017-04-03; conference 2017-04-26 at"
                                   " both levels)")
    transfer_in = history(episodes=[episode("A", "2017-04-03", icpc="2017-04-26")], section47=[])
    assert found(transfer_in, "2884").empty


def test_2885_a_plan_not_starting_on_its_conference():
    f = history(plans=[plan("A", "2017-04-27")], reviews=[review("A", "2017-04-27", "2017-07-20")])
    hit = one(f, "2885")
    assert hit["message"] == (
        "Child protection plan shown as starting a different day to the initial child protection"
        " conference. (plan starting 2017-04-27; no initial conference that day; the episode's"
        " conferences: 2017-04-26)")
    # a transfer-in: no enquiry, the conference at episode level
    at_episode = history(section47=[], episodes=[episode("A", "2017-04-03", icpc="2017-04-26")])
    assert found(at_episode, "2885").empty


def test_2885_the_episode_level_conference_does_not_count_beside_an_enquiry():
    # DfE: the CIN details conference is compared only where the episode has no enquiry
    f = history(section47=[enquiry("A", "2017-04-05", icpc="2017-04-21")],
                episodes=[episode("A", "2017-04-03", icpc="2017-04-26")])
    assert len(found(f, "2885")) == 1
    not_required = history(section47=[enquiry("A", "2017-04-05", not_required=True)],
                           episodes=[episode("A", "2017-04-03", icpc="2017-04-26")])
    assert found(not_required, "2885").empty


def test_2885_plans_started_before_the_returns_read_are_not_checked():
    f = history(plans=[plan("A", "2016-03-01")], reviews=[])
    assert found(f, "2885").empty


def test_2883_more_plans_started_than_conferences_in_a_year():
    plans = [plan("A", "2017-04-26"), plan("B", "2017-06-01")]
    f = history(plans=plans, episodes=[episode("A", "2017-04-03"), episode("B", "2017-05-01")])
    hit = one(f, "2883")
    assert pd.isna(hit["child_id"]) and hit["location"] == ""
    assert hit["message"] == (
        "There are more child protection plans starting than initial conferences taking place"
        " (2017-18: 2 plans started, 1 initial conferences (1 at section 47 level, 0 at CIN"
        " details level))")
    enough = history(plans=plans, episodes=[episode("A", "2017-04-03"),
                                            episode("B", "2017-05-01", icpc="2017-06-01")])
    assert found(enough, "2883").empty


def test_1105_a_plan_starting_before_its_referral():
    f = history(episodes=[episode("A", "2017-04-27")])
    hit = one(f, "1105")
    assert hit["message"] == ("The child protection plan start date cannot be before the referral"
                              " date (plan starting 2017-04-26; referral 2017-04-27)")
    same_day = history(episodes=[episode("A", "2017-04-26")])
    assert found(same_day, "1105").empty


# ---- reviews --------------------------------------------------------------------------------


def test_8841_a_review_on_the_day_the_plan_started():
    f = history(reviews=[review("A", "2017-04-26", "2017-04-26")])
    hit = one(f, "8841")
    assert hit["message"] == ("The review date cannot be on the same day or before the Child"
                              " protection Plan start date. (review of the plan starting"
                              " 2017-04-26; review 2017-04-26)")
    assert hit["location"] == "record A"  # the plan's place: a review has none of its own
    next_day = history(reviews=[review("A", "2017-04-26", "2017-04-27")])
    assert found(next_day, "8841").empty


def test_8842q_a_review_record_with_no_date():
    f = history(reviews=[review("A", "2017-04-26", None)])
    assert one(f, "8842Q")["message"].startswith(
        "Please check and either amend or provide a reason: Review Record has a missing date")
    assert found(history(), "8842Q").empty


def test_l12_a_review_after_the_plan_ended_and_l13_a_review_listed_twice():
    ended = history(plans=[plan("A", "2017-04-26", "2017-07-20")],
                    reviews=[review("A", "2017-04-26", "2017-07-20"),
                             review("A", "2017-04-26", "2017-07-21")])
    assert one(ended, "L12")["message"].endswith("review 2017-07-21, plan ended 2017-07-20)")
    twice = history(reviews=[review("A", "2017-04-26", "2017-07-20"),
                             review("A", "2017-04-26", "2017-07-20")])
    assert one(twice, "L13")["action"] == "measured once"
    # the same review in two yearly returns is the union metrics.md asks for, not a repeat
    two_returns = history(reviews=[review("A", "2017-04-26", "2017-07-20", source="a.xml"),
                                   review("A", "2017-04-26", "2017-07-20", source="b.xml")])
    assert found(two_returns, "L13").empty


# ---- section 47 enquiries -----------------------------------------------------------------------


def test_8615_an_enquiry_starting_after_its_conference_or_with_no_start():
    f = history(section47=[enquiry("A", "2017-04-27", icpc="2017-04-26"),
                           enquiry("A", None, icpc="2017-04-26")])
    assert len(found(f, "8615")) == 2
    assert found(f, "8615")["message"].iloc[0].startswith(
        "Section 47 Enquiry Start Date must be present and cannot be later than the date of the"
        " initial Child Protection Conference (section 47 enquiry started 2017-04-27;")
    assert found(history(section47=[enquiry("A", "2017-04-26", icpc="2017-04-26")]),
                 "8615").empty


def test_8675q_no_conference_more_than_15_working_days_before_the_end_of_the_year():
    # 31 March 2018 is a Saturday, the Friday before it Good Friday: from Thursday 8 March to
    # 31 March are 15 working days (9, 12-16, 19-23, 26-29 March), from Wednesday 7 March 16.
    # A whole year's return records dates up to its end (here a review on 29 March).
    waiting = [enquiry("B", "2018-03-07"), enquiry("C", "2018-03-08")]
    f = history(section47=CLEAN["section47"] + waiting,
                reviews=CLEAN["reviews"] + [review("A", "2017-04-26", "2018-03-29")])
    hit = one(f, "8675Q")
    assert hit["child_id"] == "B"
    assert hit["message"].endswith("(section 47 enquiry started 2018-03-07; 16 working days"
                                   " before the end of the return)")
    not_required = history(section47=[enquiry("B", "2018-03-07", not_required=True)],
                           reviews=[review("A", "2017-04-26", "2018-03-29")])
    assert found(not_required, "8675Q").empty


def test_8675q_a_part_year_return_ends_at_its_last_recorded_date():
    # the synthetic council's 2018-19 return records nothing after 30 September 2018
    f = history(plans=[plan("A", "2018-09-28", year=2019)], reviews=[],
                episodes=[episode("A", "2018-09-03", year=2019)], assessments=[],
                section47=[enquiry("A", "2018-09-05", icpc="2018-09-28", year=2019),
                           enquiry("B", "2018-09-21", year=2019)])
    assert found(f, "8675Q").empty  # 6 working days to 28 September, not 131 to 31 March 2019


def test_8870q_and_8875_conference_and_target_on_a_weekend():
    f = history(section47=[enquiry("A", "2017-04-05", icpc="2017-04-29", target="2017-04-30")],
                plans=[plan("A", "2017-04-29")], reviews=[])
    assert one(f, "8870Q")["message"].endswith("(section 47 enquiry started 2017-04-05; target"
                                                " Sunday 2017-04-30)")
    assert one(f, "8875")["message"] == (
        "The Date of Initial Child Protection Conference cannot be a weekend (section 47 enquiry"
        " started 2017-04-05; conference Saturday 2017-04-29)")


def test_l14_a_conference_date_on_an_enquiry_marked_not_required():
    f = history(section47=[enquiry("A", "2017-04-05", icpc="2017-04-26", not_required=True)],
                episodes=[episode("A", "2017-04-03", icpc="2017-04-26")])
    assert one(f, "L14")["action"] == "measured: counted as an enquiry that led to a conference"


# ---- child in need plans against a child protection plan -----------------------------------


def test_4001_an_open_cin_plan_beside_an_open_protection_plan():
    f = history(cin_plans=[cin_plan("A", "2017-04-03")])
    assert one(f, "4001")["message"] == (
        "A CIN Plan cannot run concurrently with a Child Protection Plan (CIN plan starting"
        " 2017-04-03; the child protection plan starting 2017-04-26 in the same episode is"
        " open)")
    ended = history(cin_plans=[cin_plan("A", "2017-04-03", "2017-04-26")])
    assert found(ended, "4001").empty


def test_4003_a_review_while_a_cin_plan_is_open():
    f = history(plans=[plan("A", "2017-04-26", "2017-09-01")],
                cin_plans=[cin_plan("A", "2017-07-01", "2017-12-01")],
                reviews=[review("A", "2017-04-26", "2017-07-20"),
                         review("A", "2017-04-26", "2017-09-01")])
    hit = one(f, "4003")  # the review on the day the plan ended is allowed
    assert hit["message"].endswith("review 2017-07-20 while the CIN plan starting 2017-07-01 was"
                                   " open)")
    before = history(plans=[plan("A", "2017-04-26", "2017-09-01")],
                     cin_plans=[cin_plan("A", "2017-09-01")],
                     reviews=[review("A", "2017-04-26", "2017-07-20")])
    assert found(before, "4003").empty


def test_4016_a_cin_plan_starting_during_a_protection_plan():
    f = history(plans=[plan("A", "2017-04-26", "2017-09-01")],
                cin_plans=[cin_plan("A", "2017-08-31")])
    assert one(f, "4016")["message"].endswith(
        "(CIN plan starting 2017-08-31; starts while the child protection plan starting"
        " 2017-04-26 was open)")
    step_down = history(plans=[plan("A", "2017-04-26", "2017-09-01")],
                        cin_plans=[cin_plan("A", "2017-09-01")])
    assert found(step_down, "4016").empty


def test_4017_a_protection_plan_starting_during_a_cin_plan():
    f = history(cin_plans=[cin_plan("A", "2017-04-10", "2017-05-01")])
    hit = one(f, "4017")
    assert hit["message"] == (
        "A CIN Plan has been reported as open at the same time as a Child Protection Plan. (plan"
        " starting 2017-04-26; starts while the CIN plan starting 2017-04-10 was open)")
    step_up = history(cin_plans=[cin_plan("A", "2017-04-10", "2017-04-26")])
    assert found(step_up, "4017").empty


# ---- children ------------------------------------------------------------------------------


def test_8540_no_disability_recorded_or_a_code_not_in_the_list():
    f = history(children=[person("A", disabilities=None)])
    assert one(f, "8540")["message"] == ("Child’s disability is missing or invalid (see Disability"
                                         " table) (no Disabilities recorded)")
    f = history(children=[person("A", disabilities="MOB,DEAF")])
    assert one(f, "8540")["message"].endswith("(not in the code list: DEAF)")
    assert found(history(children=[person("A", disabilities="MOB,HEAR")]), "8540").empty


def test_8540_applies_only_to_a_child_going_on_to_further_action():
    f = history(plans=[], section47=[], reviews=[], assessments=[],
                episodes=[episode("A", "2017-04-03", closure="2017-04-04", reason="RC8",
                                  nfa=True)],
                children=[person("A", disabilities=None)])
    assert found(f, "8540").empty


def test_8770q_school_age_without_upn_or_reason_to_2023_24_and_from_2024_25():
    # to 2023-24: born 6 years or more before the reference date
    f = history(children=[person("A", "2012-03-31", upn=None), person("B", "2012-04-01", upn=None),
                          person("C", "2010-01-01", upn=None, upn_unknown="UN1"),
                          person("D", "2010-01-01", upn=None, upn_unknown="UN3")],
                episodes=[episode(c, "2017-04-03") for c in "ABCD"])
    assert sorted(found(f, "8770Q")["child_id"]) == ["A", "C"]
    assert one(f[f["child_id"] == "A"], "8770Q")["message"] == (
        "Please check and either amend data or provide a reason: UPN or reason UPN missing"
        " expected for a child who is more than 5 years old (born 2012-03-31; UPNunknown not"
        " recorded)")
    # from 2024-25: born on or before 31 August six years before (2019-08-31 for 2024-25)
    later = history(plans=[], section47=[], reviews=[], assessments=[],
                    children=[person("E", "2019-08-31", upn=None, year=2025),
                              person("F", "2019-09-01", upn=None, year=2025)],
                    episodes=[episode(c, "2024-06-03", year=2025) for c in "EF"])
    hit = one(later, "8770Q")
    assert hit["child_id"] == "E"
    assert hit["message"].startswith("Please check and either amend data or provide a reason: UPN"
                                     " is missing or reason UPN is missing or is UN1 for a child"
                                     " who is of school age.")


def test_8873q_one_assessment_with_no_factors_and_the_case_not_closed_rc8():
    no_factors = [assessment("A", "2017-04-20", "21", started="2017-04-04")]
    f = history(assessments=no_factors)
    assert one(f, "8873Q")["message"].endswith(
        "(assessment started 2017-04-04; the episode has no reason for closure)")
    closed_rc8 = history(assessments=no_factors, plans=[], section47=[], reviews=[],
                         episodes=[episode("A", "2017-04-03", closure="2017-04-20",
                                           reason="RC8")])
    assert found(closed_rc8, "8873Q").empty
    two = history(assessments=no_factors + [assessment("A", "2017-06-01", "3A",
                                                       started="2017-05-02")])
    assert found(two, "8873Q").empty


# ---- the rule book ---------------------------------------------------------------------------


def test_the_rule_book_names_every_rule_the_issue_asks_for():
    book = describe_rules().set_index("rule")
    asked = ["8810", "8565", "2990", "2884", "2883", "2885", "1105", "8841", "8842Q", "8615",
             "8675Q", "8870Q", "8875", "4001", "4003", "4016", "4017", "8540", "8770Q", "8873Q",
             "L12", "L13", "L14", "L20", "L21", "L22", "L23", "L24"]
    assert set(asked) <= set(book.index)
    assert book["action"].str.len().min() > 5 and book["reads"].str.len().min() > 4
    assert book.loc["8770Q", "years"].startswith("to 2023-24")


def test_the_readme_lists_every_rule():
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    section = readme.split("## What `validate` checks", 1)[1].split("\n## ", 1)[0]
    listed = {row.split("|")[1].strip() for row in section.splitlines()
              if row.startswith("| ") and not row.startswith("| rule")}
    assert listed == set(describe_rules()["rule"])
