"""The child protection pathway of metrics.md, on hand-built histories with answers worked by hand.

Working days are Monday to Friday less England and Wales bank holidays; March and April 2018
hold Good Friday (30 March) and Easter Monday (2 April).
"""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import pytest
from cpmetrics import pathway
from cpmetrics.measures import headline
from cpmetrics.periods import Period
from cpmetrics.tables import VISIT_COLUMNS, conform
from cpmetrics.unavailable import NotAvailable
from helpers import census, enquiry, episode, history, plan, review

YEAR_2017_18 = Period.financial_year(2018)
APRIL_2018 = Period(pd.Timestamp("2018-04-01"), pd.Timestamp("2018-04-30"))


def within(t, period=YEAR_2017_18):
    return pathway.icpc_within_15_days(t, period)


# ---- conferences within 15 working days ------------------------------------------------------


def test_an_enquiry_on_monday_5_march_2018_conference_on_26_march_is_in_time_27_march_is_not():
    # 6-9 March (4), 12-16 (9), 19-23 (14), 26 March is the 15th working day; 27 March the 16th
    t = census(section47=[enquiry("A", "2018-03-05", icpc="2018-03-26"),
                          enquiry("B", "2018-03-05", icpc="2018-03-27")])
    c = pathway.conferences(t).set_index("child_id")
    assert c.loc["A", "working_days"] == 15 and c.loc["B", "working_days"] == 16
    assert within(t).as_dict() == {"n": 1, "of": 2, "pct": 50.0}
    bands = pathway.icpc_working_days_bands(t, YEAR_2017_18)
    assert bands.to_dict() == {"0-10": 0, "11-15": 1, "16-20": 1, "21+": 0}
    assert pathway.icpc_median_working_days(t, YEAR_2017_18) == 15.5


def test_15_and_16_working_days_across_easter_2018():
    # from Monday 26 March: 27-29 March (3), Good Friday and Easter Monday are not working days,
    # 3-6 April (7), 9-13 (12), 16-18 (15): 18 April is the 15th working day, 19 April the 16th
    t = census(section47=[enquiry("A", "2018-03-26", icpc="2018-04-18"),
                          enquiry("B", "2018-03-26", icpc="2018-04-19")])
    assert within(t, APRIL_2018).as_dict() == {"n": 1, "of": 2, "pct": 50.0}
    assert pathway.icpc_working_days_bands(t, APRIL_2018)["11-15"] == 1
    assert pathway.icpc_working_days_bands(t, APRIL_2018)["16-20"] == 1


def test_an_enquiry_started_on_a_saturday_counts_from_the_monday_after():
    # Saturday 3 March 2018: Monday 5 March is the first working day, Friday 23 March the 15th
    t = census(section47=[enquiry("A", "2018-03-03", icpc="2018-03-23"),
                          enquiry("B", "2018-03-03", icpc="2018-03-26")])
    assert pathway.conferences(t)["working_days"].tolist() == [15, 16]
    assert within(t).n == 1


def test_a_conference_dated_before_its_enquiry_is_left_out_and_reported():
    t = census(section47=[enquiry("A", "2018-03-27", icpc="2018-03-26"),
                          enquiry("B", "2018-03-05", icpc="2018-03-09")])
    assert within(t).as_dict() == {"n": 1, "of": 1, "pct": 100.0}  # B only, 4 working days
    assert pathway.icpc_to_plan(t, YEAR_2017_18).of == 1
    found = t.findings[t.findings["rule"] == "8615"]
    assert found["child_id"].tolist() == ["A"]
    # it is still an enquiry that led to a conference
    assert pathway.s47_outcomes(t, YEAR_2017_18)["conference"] == 2


def test_a_transfer_in_conference_at_episode_level_only_is_not_counted():
    t = census(plan("A", "2018-03-20"), episodes=[episode("A", "2018-03-01", icpc="2018-03-20")])
    assert within(t).as_dict() == {"n": 0, "of": 0, "pct": None}
    assert pathway.icpc_to_plan(t, YEAR_2017_18).as_dict() == {"n": 0, "of": 0, "pct": None}
    assert pathway.icpc_median_working_days(t, YEAR_2017_18) is None


def test_conferences_counted_in_the_period_they_were_held():
    # an enquiry started in 2016-17 whose conference was in 2017-18 counts in 2017-18
    t = census(section47=[enquiry("A", "2017-03-27", icpc="2017-04-05"),
                          enquiry("B", "2018-03-26", icpc="2018-04-03")])
    assert within(t).as_dict() == {"n": 1, "of": 1, "pct": 100.0}
    assert within(t, Period.financial_year(2017)).of == 0


# ---- enquiries to conferences to plans -------------------------------------------------------


def test_what_each_enquiry_started_in_the_period_led_to_by_the_reporting_date():
    # D is Saturday 31 March 2018 (Good Friday is 30 March)
    t = census(section47=[
        enquiry("A", "2018-01-08", icpc="2018-01-25"),  # conference
        enquiry("B", "2018-02-01", not_required=True),  # not required
        enquiry("H", "2018-02-05", icpc="2018-02-20", not_required=True),  # both: conference
        # 13-16 March (4), 19-23 (9), 26-29 (13): 13 working days to D, too recent
        enquiry("C", "2018-03-12"),
        # 9 March (1), 12-16 (6), 19-23 (11), 26-29 (15): 15 working days, too recent
        enquiry("D", "2018-03-08"),
        enquiry("E", "2018-03-07"),  # 16 working days: no outcome
        enquiry("F", "2018-03-01", icpc="2018-04-05"),  # conference after D: not known at D
        enquiry("G", "2017-03-20", icpc="2017-04-04"),  # started before P0: not counted
    ])
    out = pathway.s47_outcomes(t, YEAR_2017_18)
    assert out.to_dict() == {"conference": 2, "not_required": 1, "too_recent": 2,
                             "no_outcome": 2}
    late = pathway.conferences_overdue(t, "2018-03-31")
    assert late["child_id"].tolist() == ["F", "E"]
    # E's 15th working day: 8, 9 (2), 12-16 (7), 19-23 (12), 26-28 (15) March
    assert late.set_index("child_id").loc["E", "due"] == pd.Timestamp("2018-03-28")


def test_a_conference_leads_to_a_plan_starting_that_day_or_in_the_45_days_after():
    t = census(
        plan("A", "2018-03-26"),  # the conference day
        plan("B", "2018-04-15"),  # 1 March + 45 days
        plan("C", "2018-04-16"),  # 46 days after
        plan("D", "2017-06-01", end="2017-12-01"),  # before the conference
        plan("E", "2018-04-10"),  # 21 days after, but after D = 31 March: not known at it
        section47=[enquiry("A", "2018-03-05", icpc="2018-03-26"),
                   enquiry("B", "2018-02-20", icpc="2018-03-01"),
                   enquiry("C", "2018-02-20", icpc="2018-03-01"),
                   enquiry("D", "2018-03-01", icpc="2018-03-15"),
                   enquiry("E", "2018-03-01", icpc="2018-03-20")])
    # at 31 March 2018 only A's plan has started: B's and E's start after it
    assert pathway.icpc_to_plan(t, YEAR_2017_18).as_dict() == {"n": 1, "of": 5, "pct": 20.0}
    # at 30 April, over March and April: A, B (the 45th day) and E; not C (the 46th), not D
    march_april = Period(pd.Timestamp("2018-03-01"), pd.Timestamp("2018-04-30"))
    assert pathway.icpc_to_plan(t, march_april).as_dict() == {"n": 3, "of": 5, "pct": 60.0}


# ---- reviews in time (D6) --------------------------------------------------------------------


def reviews_at(t, at):
    return pathway.reviews_in_time(t, at).as_dict()


def test_a_plan_started_30_november_has_its_first_review_due_28_february():
    # 30 November 2017 + 3 calendar months is 28 February 2018 (clipped to the month's end)
    t = census(plan("A", "2017-11-30"), plan("B", "2017-11-30"),
               reviews=[review("A", "2017-11-30", "2018-02-28"),
                        review("B", "2017-11-30", "2018-03-01")])
    s = pathway.review_status(t, "2018-03-31").set_index("child_id")
    assert s.loc["A", "in_time"] and not s.loc["B", "in_time"]
    assert s.loc["B", "late"] and not s.loc["B", "overdue"]
    assert s.loc["A", "next_due"] == pd.Timestamp("2018-08-28")  # 28 February + 6 months
    assert s.loc["B", "next_due"] == pd.Timestamp("2018-09-01")
    assert reviews_at(t, "2018-03-31") == {"n": 1, "of": 2, "pct": 50.0}


def test_a_review_overdue_at_the_reporting_date():
    t = census(plan("A", "2017-12-01"),  # due 1 March 2018, none held: overdue at 31 March
               plan("B", "2017-12-31"),  # due 31 March 2018, D itself: in the cohort, not overdue
               plan("C", "2018-01-01"))  # due 1 April: not yet 3 months on a plan
    s = pathway.review_status(t, "2018-03-31").set_index("child_id")
    assert s.loc["A", "overdue"] and not s.loc["B", "overdue"]
    assert s["in_cohort"].to_dict() == {"A": True, "B": True, "C": False}
    assert reviews_at(t, "2018-03-31") == {"n": 1, "of": 2, "pct": 50.0}
    due = pathway.reviews_due(t, "2018-03-31", weeks=4)
    assert due["child_id"].tolist() == ["A", "B", "C"]
    assert due["status"].tolist() == ["overdue", "due soon", "due soon"]


def test_every_later_review_is_due_6_months_after_the_one_before():
    # first by 10 April 2018 (held 5 April), the next by 5 October (held 8 October: late)
    reviews = [review("A", "2018-01-10", "2018-04-05"), review("A", "2018-01-10", "2018-10-08")]
    t = census(plan("A", "2018-01-10"), reviews=reviews)
    assert reviews_at(t, "2018-09-30") == {"n": 1, "of": 1, "pct": 100.0}
    assert reviews_at(t, "2018-10-06") == {"n": 0, "of": 1, "pct": 0.0}  # overdue, 8 Oct after D
    assert reviews_at(t, "2018-10-31") == {"n": 0, "of": 1, "pct": 0.0}  # held late


def test_reviews_before_the_plan_started_are_ignored_and_reported():
    t = census(plan("A", "2018-01-10"), reviews=[review("A", "2018-01-10", "2018-01-05"),
                                                 review("A", "2018-01-10", "2018-04-05")])
    s = pathway.review_status(t, "2018-04-30")
    assert s["reviews"].tolist() == [1] and s["in_time"].tolist() == [True]
    assert t.findings.loc[t.findings["rule"] == "8841", "child_id"].tolist() == ["A"]


def test_reviews_of_one_plan_listed_across_two_yearly_returns_are_one_history():
    # started 1 December 2016: first review by 1 March 2017 (held that day, in the 2016-17
    # return), next by 1 September (held 25 August, 2017-18), next by 25 February 2018 (held
    # 20 February, 2017-18); the 1 March date is listed by both returns
    both = [review("A", "2016-12-01", "2017-03-01", source="2017.xml", year=2017),
            review("A", "2016-12-01", "2017-03-01", source="2018.xml", year=2018),
            review("A", "2016-12-01", "2017-08-25", source="2018.xml", year=2018),
            review("A", "2016-12-01", "2018-02-20", source="2018.xml", year=2018)]
    returns = (pd.Timestamp("2017-03-31"), pd.Timestamp("2018-03-31"))
    t = replace(census(plan("A", "2016-12-01", year=2018), reviews=both), reference_dates=returns)
    assert reviews_at(t, "2018-03-31") == {"n": 1, "of": 1, "pct": 100.0}
    assert pathway.review_status(t, "2018-03-31")["reviews"].tolist() == [3]
    # the 2017-18 return alone: the first review looks held on 25 August, late
    later = replace(census(plan("A", "2016-12-01", year=2018), reviews=both[2:]),
                    reference_dates=returns)
    assert reviews_at(later, "2018-03-31") == {"n": 0, "of": 1, "pct": 0.0}


def test_a_plan_started_before_the_earliest_return_is_checked_from_its_first_listed_review():
    # returns 2016-17 and 2017-18 list reviews from 1 April 2016; the plan started 4 January 2016
    # (first review due 4 April 2016). 15 September 2016 is taken as on time; then 10 March 2017
    # (by 15 March), 5 September (by 10 September), 1 March 2018 (by 5 March)
    listed = [review("A", "2016-01-04", d) for d in
              ("2016-09-15", "2017-03-10", "2017-09-05", "2018-03-01")]
    returns = (pd.Timestamp("2017-03-31"), pd.Timestamp("2018-03-31"))
    t = replace(census(plan("A", "2016-01-04"), reviews=listed), reference_dates=returns)
    s = pathway.review_status(t, "2018-03-31")
    assert s["checked_from"].tolist() == ["first listed review"]
    assert s["in_time"].tolist() == [True] and s["reviews"].tolist() == [4]
    # checked from its start (a case system's export, no returns), 15 September 2016 is late
    assert reviews_at(replace(t, reference_dates=()), "2018-03-31")["n"] == 0
    # no review listed at all: its reviews before April 2016 are taken as held when due
    # (4 April 2016 is the first due on or after 1 April 2016), so one was overdue by D
    none = replace(census(plan("A", "2016-01-04"), reviews=[]), reference_dates=returns)
    assert pathway.review_status(none, "2018-03-31")["next_due"].tolist() == [
        pd.Timestamp("2016-04-04")]
    assert reviews_at(none, "2018-03-31")["n"] == 0


# ---- visits ------------------------------------------------------------------------------------


def with_visits(t, *rows):
    frame = pd.DataFrame([dict(zip(("child_id", "visit_date", "seen_alone"), r, strict=True))
                          for r in rows], columns=["child_id", "visit_date", "seen_alone"])
    return replace(t, visits=conform(frame.assign(location="row"), VISIT_COLUMNS), source="csv")


def test_visits_within_10_working_days_and_seen_alone():
    # D is Thursday 29 March 2018
    t = with_visits(
        census(plan("A", "2018-01-10"), plan("B", "2018-03-26"), plan("C", "2018-01-01"),
               plan("D", "2018-01-02"), plan("E", "2017-06-01", end="2017-12-01")),
        ("A", "2018-03-01", True), ("A", "2018-03-16", False),  # 19-23 (5), 26-29 (9): within
        ("C", "2018-03-14", True),  # 15, 16 (2), 19-23 (7), 26-29 (11): not within
        ("D", "2017-12-20", True),  # before its plan: no visit of this plan yet
        ("E", "2017-11-01", True),  # not on a plan at D
    )
    s = pathway.visit_status(t, "2018-03-29").set_index("child_id")
    assert s["working_days"].to_dict() == {"A": 9, "B": 3, "C": 11, "D": 62}
    # B's plan started 3 working days before D: no visit was yet due
    assert s["within_standard"].to_dict() == {"A": True, "B": True, "C": False, "D": False}
    h = headline(t, Period.ending("2018-03-29"))
    assert h["visits_within_standard"] == {"n": 2, "of": 4, "pct": 50.0}
    assert h["visits_seen_alone"] == {"n": 1, "of": 4, "pct": 25.0}  # A's latest visit: not alone
    assert pathway.visits_within_standard(t, "2018-03-29", standard=8).n == 1  # B only
    # A's next visit: 10 working days after 16 March is 3 April (Easter between)
    assert s.loc["A", "next_due"] == pd.Timestamp("2018-04-03")


# ---- null, never zero ----------------------------------------------------------------------------

KEYS = pathway.KEYS


def test_every_pathway_measure_is_null_when_the_source_lacks_its_table():
    t = history(plan("A", "2017-05-01"))  # no section 47, review or visit table
    assert t.section47 is None and t.reviews is None and t.visits is None
    h = headline(t, YEAR_2017_18)
    assert {k: h[k] for k in KEYS} == dict.fromkeys(KEYS)
    assert isinstance(pathway.conferences_on_time(t, "2018-03-31"), NotAvailable)
    assert isinstance(pathway.reviews_due(t, "2018-03-31"), NotAvailable)


def test_an_empty_table_that_is_held_gives_zeros_not_nulls():
    h = headline(census(plan("A", "2017-05-01")), YEAR_2017_18)
    assert h["icpc_within_15_days"] == {"n": 0, "of": 0, "pct": None}
    assert h["s47_outcomes"] == {"conference": 0, "not_required": 0, "too_recent": 0,
                                 "no_outcome": 0}
    assert h["reviews_in_time"] == {"n": 0, "of": 1, "pct": 0.0}  # overdue since 1 August 2017
    assert h["visits_within_standard"] is None  # the CIN census holds no visits


def test_working_days_outside_the_shipped_bank_holidays_are_unknown_not_guessed():
    t = census(section47=[enquiry("A", "2011-12-01", icpc="2011-12-15"),
                          enquiry("B", "2012-03-05", icpc="2012-03-09")])
    year = Period.financial_year(2012)
    assert within(t, year).as_dict() == {"n": 1, "of": 1, "pct": 100.0}
    assert pathway.icpc_working_days_bands(t, year).to_dict() == {
        "0-10": 1, "11-15": 0, "16-20": 0, "21+": 0, "unknown": 1}
    assert pathway.icpc_to_plan(t, year).of == 2  # needs no working days


# ---- the notebook's tables ---------------------------------------------------------------------


def test_windows_this_month_year_to_date_and_rolling_12_months():
    w = pathway.windows("2018-09-30")
    assert [(str(p.start.date()), str(p.end.date())) for p in w.values()] == [
        ("2018-09-01", "2018-09-30"), ("2018-04-01", "2018-09-30"), ("2017-10-01", "2018-09-30")]
    assert [pathway.window_label(k, p) for k, p in w.items()] == [
        "September 2018", "Year to date, 1 April to 30 September 2018",
        "12 months to 30 September 2018"]


def test_conferences_on_time_by_window_and_by_month():
    t = census(section47=[enquiry("A", "2018-03-05", icpc="2018-03-26"),  # 15: in time
                          enquiry("B", "2018-03-05", icpc="2018-03-27"),  # 16
                          enquiry("C", "2017-09-01", icpc="2017-09-08"),  # 5, in 2017-18
                          enquiry("D", "2016-09-01", icpc="2016-09-08")])  # 5, too long ago
    table = pathway.conferences_on_time(t, "2018-03-31")
    assert table["period"].tolist() == ["March 2018", "Year to date, 1 April 2017 to 31 March"
                                        " 2018", "12 months to 31 March 2018"]
    assert table[["n", "of"]].values.tolist() == [[1, 2], [2, 3], [2, 3]]
    assert table["median_working_days"].tolist() == [15.5, 15.0, 15.0]
    assert table[["days_0_10", "days_11_15", "days_16_20", "days_21_plus"]].values.tolist() == [
        [0, 1, 1, 0], [1, 1, 1, 0], [1, 1, 1, 0]]
    by_month = pathway.conferences_on_time_by_month(t, "2018-03-31", months=7)
    assert list(by_month.index.strftime("%Y-%m")) == [
        "2017-09", "2017-10", "2017-11", "2017-12", "2018-01", "2018-02", "2018-03"]
    assert by_month["of"].tolist() == [1, 0, 0, 0, 0, 0, 2]
    # 12 months to 30 September 2017 start on 1 October 2016, after D's conference
    assert by_month["rolling_of"].tolist() == [1, 1, 1, 1, 1, 1, 3]


def test_enquiries_to_conferences_and_conferences_to_plans_by_window():
    t = census(plan("A", "2018-03-26"),
               section47=[enquiry("A", "2018-03-05", icpc="2018-03-26"),
                          enquiry("B", "2017-10-02", not_required=True)])
    e = pathway.enquiries_to_conferences(t, "2018-03-31")
    assert e[["enquiries", "conference", "not_required", "too_recent", "no_outcome"]
             ].values.tolist() == [[1, 1, 0, 0, 0], [2, 1, 1, 0, 0], [2, 1, 1, 0, 0]]
    p = pathway.conferences_to_plans(t, "2018-03-31")
    assert p[["n", "of"]].values.tolist() == [[1, 1], [1, 1], [1, 1]]


def test_reviews_on_time_at_the_date_the_year_end_and_a_year_before():
    t = census(plan("A", "2017-11-30"), reviews=[review("A", "2017-11-30", "2018-03-01")])
    table = pathway.reviews_on_time(t, "2018-06-30")
    assert table["date"].tolist() == ["At 30 June 2018", "At 31 March 2018", "At 30 June 2017"]
    assert table[["n", "of", "late", "overdue"]].values.tolist() == [
        [0, 1, 1, 0], [0, 1, 1, 0], [0, 0, 0, 0]]
    by_month = pathway.reviews_on_time_by_month(t, "2018-06-30", months=5)
    assert by_month["of"].tolist() == [1, 1, 1, 1, 1]  # in the cohort from 28 February
    # at 28 February the review is due that day, not overdue; held on 1 March, it was late
    assert by_month["n"].tolist() == [1, 0, 0, 0, 0]


@pytest.mark.parametrize("at", ["2018-03-29", "2018-04-30"])
def test_visits_on_time_table(at):
    t = with_visits(census(plan("A", "2018-01-10")), ("A", "2018-03-16", True))
    table = pathway.visits_on_time(t, at)
    assert table["measure"].tolist() == ["Visited within 10 working days",
                                         "Seen alone at the latest visit"]
    assert table["n"].tolist() == ([1, 1] if at == "2018-03-29" else [0, 1])


def test_disclosure_keeps_a_median_and_hides_it_with_the_count_it_rests_on():
    from cpmetrics.disclosure import suppress_metrics, suppress_table

    shown = suppress_metrics({"icpc_within_15_days": {"n": 9, "of": 12, "pct": 75.0},
                              "icpc_median_working_days": 3.0})
    assert shown["icpc_median_working_days"] == 3.0  # working days, not a count of children
    hidden = suppress_metrics({"icpc_within_15_days": {"n": 2, "of": 3, "pct": 66.7},
                               "icpc_median_working_days": 12.0})
    assert hidden["icpc_median_working_days"] is None
    assert hidden["icpc_within_15_days"]["of"] == "<5"
    t = census(section47=[enquiry(c, "2018-03-05", icpc="2018-03-08") for c in "ABCDEF"])
    table = pathway.conferences_on_time(t, "2018-03-31")  # six conferences, 3 working days each
    safe = suppress_table(table, 5, depends=pathway.DEPENDS)
    assert safe["median_working_days"].tolist() == [3.0, 3.0, 3.0]
    assert safe["pct"].tolist() == [100.0, 100.0, 100.0]


def test_trend_chart_states_the_latest_rolling_figure_and_hides_small_counts():
    from cpmetrics.charts import pathway_trend_chart

    t = census(section47=[enquiry(c, "2018-03-05", icpc="2018-03-26") for c in "ABCDEF"]
               + [enquiry("G", "2017-10-02", icpc="2017-10-30")])  # 20 working days
    by_month = pathway.conferences_on_time_by_month(t, "2018-03-31", months=6)
    fig, alt = pathway_trend_chart(by_month, "Conferences within 15 working days",
                                   ylabel="% of conferences")
    assert fig.axes[0].get_title(loc="left") == (
        "Conferences within 15 working days, rolling 12 months: 85.7% in March 2018, up from"
        " 0.0% in October 2017")
    assert "March 2018 100.0% (6 of 6)" in alt
    _, safe_alt = pathway_trend_chart(by_month, "Conferences within 15 working days",
                                      ylabel="% of conferences", threshold=5)
    # October to February rest on G's one conference: hidden, so the title names no figure
    assert "October 2017 suppressed (0 of <5)" in safe_alt
    assert "Conferences within 15 working days, rolling 12 months, month by month." in safe_alt
    missing = pathway.conferences_on_time_by_month(history(plan("A", "2017-05-01")), "2018-03-31")
    assert pathway_trend_chart(missing, "x", ylabel="y")[1].startswith("This data set holds no")
