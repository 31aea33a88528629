"""What notebook 05_pathway, the headline table, the narrative and the pack's index show of the
pathway: hand-built histories worked by hand, beside DfE's published C4 and D6 figures for
Trafford (358) in 2016-17, the year a pack dated in 2018 up to October compares with (C4:
84.4% within 15 working days, neighbours 80.5%, England 77.2%; D6: 97.2%, 93.7%, 92.1%)."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from cpmetrics import charts, narrative, pathway, summary
from cpmetrics.comparison import published_figure
from cpmetrics.periods import Period
from cpmetrics.proportion import Proportion
from cpmetrics.unavailable import NotAvailable
from helpers import census, enquiry, history, plan, review

D = pd.Timestamp("2018-03-31")


def four_conferences():
    # A: 5 -> 8 March, 3 working days (0-10); B: 5 -> 26 March, 15 (11-15); C: 5 -> 27 March, 16
    # (16-20); D: Thursday 1 February -> Monday 5 March: 2 Feb (1), 5-9 (6), 12-16 (11),
    # 19-23 (16), 26 Feb-2 March (21), 5 March (22): 21+
    return census(plan("A", "2018-03-08"), section47=[
        enquiry("A", "2018-03-05", icpc="2018-03-08"),
        enquiry("B", "2018-03-05", icpc="2018-03-26"),
        enquiry("C", "2018-03-05", icpc="2018-03-27"),
        enquiry("D", "2018-02-01", icpc="2018-03-05")])


def test_conferences_beside_the_published_c4_figures():
    table = pathway.conferences_beside_published(four_conferences(), D, "358")
    assert table["measure"].tolist() == ["Within 15 working days", "0-10 working days",
                                         "11-15 working days", "16-20 working days",
                                         "21+ working days"]
    assert table[["n", "of"]].values.tolist() == [[2, 4], [1, 4], [1, 4], [1, 4], [1, 4]]
    assert table["pct"].tolist() == [50.0, 25.0, 25.0, 25.0, 25.0]
    row = table.iloc[0]
    assert (row["national_value"], row["neighbours_value"], row["england_value"],
            row["published_year"]) == (84.4, 80.5, 77.2, "2016-17")
    # C4 2016-17, Trafford: 53 of 289 conferences in 0-10 working days (18.3%), 27 in 21+ (9.3%)
    assert table["national_value"].tolist()[1:] == [18.3, 66.1, 6.2, 9.3]
    assert table["england_value"].tolist()[1:] == [16.1, 61.2, 9.0, 13.7]


def test_a_council_not_in_the_published_tables_gets_blanks_never_zeros():
    table = pathway.conferences_beside_published(four_conferences(), D, "999")
    assert table[["national_value", "neighbours_value", "england_value"]].isna().all().all()
    assert table["published_year"].isna().all()
    assert table["n"].tolist() == [2, 1, 1, 1, 1]


def test_reviews_beside_the_published_d6_figures():
    # first review due 28 February (30 November + 3 months), held that day: in time
    t = census(plan("A", "2017-11-30"), reviews=[review("A", "2017-11-30", "2018-02-28")])
    table = pathway.reviews_beside_published(t, D, "358")
    assert table["measure"].tolist() == ["Reviewed in time, at 31 March 2018"]
    assert table[["n", "of", "pct", "national_value", "neighbours_value", "england_value"]
                 ].values.tolist() == [[1, 1, 100.0, 97.2, 93.7, 92.1]]
    missing = pathway.reviews_beside_published(history(plan("A", "2017-11-30")), D, "358")
    assert isinstance(missing, NotAvailable)


def test_case_lists_only_in_interactive_use_and_never_with_a_pack_dir():
    t = census(plan("A", "2018-01-10"), section47=[enquiry("E", "2018-03-01")])
    # E: no conference, 1 March 2018 + 15 working days is 22 March; at 31 March 20 working days
    shown = pathway.case_list("conferences", t, D, show_child_level=True)
    assert shown.to_dict("records") == [{
        "child_id": "E", "start_date": pd.Timestamp("2018-03-01"),
        "due": pd.Timestamp("2018-03-22"), "working_days": 20}]
    hidden = pathway.case_list("conferences", t, D)
    assert isinstance(hidden, pathway.Withheld)
    assert "show_child_level = True" in hidden._repr_markdown_()
    in_pack = pathway.case_list("conferences", t, D, show_child_level=True, pack_dir="/tmp/x")
    assert isinstance(in_pack, pathway.Withheld) and "never go in a pack" in str(in_pack)
    assert "E" not in in_pack._repr_markdown_().split()
    # A's plan started 10 January: its first review is due 10 April, within 4 weeks of 31 March
    due = pathway.case_list("reviews", t, D, show_child_level=True)
    assert due[["child_id", "next_due", "status"]].values.tolist() == [
        ["A", pd.Timestamp("2018-04-10"), "due soon"]]
    assert isinstance(pathway.case_list("visits", t, D, show_child_level=True), NotAvailable)
    no_reviews = history(plan("A", "2018-01-10"))
    assert isinstance(pathway.case_list("reviews", no_reviews, D, show_child_level=True),
                      NotAvailable)
    with pytest.raises(ValueError, match="not one of"):
        pathway.case_list("plans", t, D, show_child_level=True)


def test_charts_state_the_finding_and_hide_small_counts():
    beside = pathway.conferences_beside_published(four_conferences(), D, "358")
    fig, alt = charts.conference_bands_chart(beside)
    assert fig.axes[0].get_title(loc="left") == (
        "50.0% of initial conferences within 15 working days in the last 12 months, below"
        " England's 77.2% (2016-17)")
    _, safe = charts.conference_bands_chart(beside, threshold=5)  # 2 of 4: hidden
    assert safe.startswith("Bar chart. Initial conferences within 15 working days: too few")
    assert "50.0%" not in safe and "England 2016-17 77.2%" in safe

    outcomes = pathway.enquiries_to_conferences(four_conferences(), D)
    fig, alt = charts.enquiry_outcomes_chart(outcomes)
    # enquiries started 1 April 2017 to 31 March 2018: all four, each with a conference
    assert fig.axes[0].get_title(loc="left") == (
        "Of 4 section 47 enquiries started in the 12 months to 31 March 2018, 4 led to a"
        " conference (100.0%)")
    _, safe = charts.enquiry_outcomes_chart(outcomes, threshold=5)
    assert "Of <5 section 47 enquiries" in safe and "100.0%" not in safe

    to_plans = pathway.conferences_to_plans(four_conferences(), D)
    fig, _ = charts.pathway_windows_chart(to_plans, "Conferences followed by a plan")
    # only A has a plan, starting on its conference day
    assert fig.axes[0].get_title(loc="left") == (
        "Conferences followed by a plan: 25.0% in the 12 months to 31 March 2018")
    na = pathway.conferences_to_plans(history(plan("A", "2018-01-10")), D)  # no enquiries held
    assert charts.pathway_windows_chart(na, "x")[1].startswith("This data set holds no")


def test_the_paragraph_against_neighbours_and_england():
    icpc = published_figure("358", "icpc_within_15_days_pct", D)
    reviews = published_figure("358", "reviews_in_time_pct", D)
    text = narrative.pathway_paragraph(Proportion(245, 294), icpc, Proportion(154, 182), reviews)
    assert text == (
        "Of the initial child protection conferences held this year, 83.3% (245 of the 294"
        " conferences held) were within 15 working days of the section 47 enquiry starting,"
        " higher than statistical neighbours (80.5%) and higher than England (77.2%) in 2016-17."
        " Of the children on a plan for 3 months or more, 84.6% (154 of the 182 children) had"
        " every review on time, lower than statistical neighbours (93.7%) and lower than England"
        " (92.1%) in 2016-17.")
    small = narrative.pathway_paragraph(Proportion(3, 4), icpc, NotAvailable(
        "reviews in time", "this data set holds no review dates"), reviews)
    assert small == (
        "Of the initial child protection conferences held this year, fewer than 5 of the fewer"
        " than 5 conferences held were within 15 working days of the section 47 enquiry"
        " starting. This data set holds no review dates, so reviews in time are not available.")


def test_the_headline_table_carries_both_pathway_measures():
    t = four_conferences()
    table = summary.headline_table(t, Period.ending(D), "358").set_index("measure")
    icpc = table.loc["Initial conferences within 15 working days of the enquiry"]
    # the year to 31 March 2018 holds all four conferences; the year before none
    assert (icpc["n"], icpc["of"], icpc["value"]) == (2, 4, 50.0)
    assert (icpc["year_ago_of"], icpc["neighbours_value"], icpc["england_value"]) == (0, 80.5, 77.2)
    assert icpc["national_value"] == 84.4
    reviews = table.loc["Children on a plan 3 months or more: reviewed in time"]
    assert (reviews["n"], reviews["of"]) == (0, 0) and pd.isna(reviews["value"])  # none 3 months
    blank = summary.headline_table(history(plan("A", "2017-05-01")), Period.ending(D), "358")
    blank = blank.set_index("measure").loc["Children on a plan 3 months or more: reviewed in time"]
    assert pd.isna(blank["n"]) and pd.isna(blank["value"])  # no reviews held: blank, never 0
    assert (reviews["neighbours_value"], reviews["england_value"]) == (93.7, 92.1)


def test_the_pack_index_and_metrics_json_carry_them_with_published_figures(project_pack):
    d = project_pack["dir"]
    index = (d / "index.html").read_text(encoding="utf-8")
    assert "Initial conferences in the period within 15 working days" in index
    assert "Children on a plan 3 months or more reviewed in time" in index
    assert "80.5% (2016-17)" in index and "92.1% (2016-17)" in index
    assert 'href="05_pathway.html"' in index
    metrics = json.loads((d / "metrics.json").read_text(encoding="utf-8"))
    published = metrics["pack"]["published"]
    assert published["icpc_within_15_days"] == {
        "measure": "icpc_within_15_days_pct", "year": "2016-17", "neighbours": 80.5,
        "england": 77.2}
    assert published["reviews_in_time"]["england"] == 92.1
    page = (d / "05_pathway.html").read_text(encoding="utf-8")
    assert page.count("child-level lists never go in a pack") == 3
