"""What each column of a pack's tables is called on a page, what it means and its unit.

The tables keep their machine names (``ci_low``, ``year_ago_of``) wherever code
or a spreadsheet formula reads them: the CSV files, ``metrics.json`` and the
DataFrames a notebook works with. A reader sees plain headings instead ("95%
interval from", "A year ago: out of") on every page and in the workbook, and
each pack carries ``data_dictionary.csv`` (the workbook a sheet of it) saying
once what every CSV column means. This module is the one place those headings
and meanings are written; a column it does not know is shown under its own
name, and the pack's dictionary says it is not described (a test fails then).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

FILE = "data_dictionary.csv"
#: The dictionary's own columns, in the order it is written
FIELDS = ("column", "heading", "meaning", "unit", "files")
#: What the dictionary says of a column this module does not describe
NOT_DESCRIBED = "not described (cpmetrics.data_dictionary has no entry for it)"
#: The heading of a shown index that has no name
UNNAMED_INDEX = "Row"


@dataclass(frozen=True)
class Column:
    """One column: the heading a reader sees, what it means and what it is counted in."""

    heading: str
    meaning: str
    unit: str


_PCT = "%"
_COUNTED = "children, plans or episodes, as the table's title says"
_CI = ("the 95% Wilson score interval of the percentage in this row: the range the"
       " underlying rate is likely to lie in, given how few or many children it rests on")
_KM_CI = ("; in a Kaplan-Meier table, the log-log (exponential Greenwood) interval of the"
          " estimate, blank where the estimate is 0% or 100% or not yet known")

COLUMNS: dict[str, Column] = {
    # labels: what a row is about
    "measure": Column("Measure", "What the row measures", "text"),
    "unit": Column("Unit", "What the row's figures are counted in (children, per 10,000"
                   " children aged 0-17, or % for a percentage)", "text"),
    "area": Column("Area", "This council, the mean of its statistical neighbours, or England,"
                   " with the date or year of the figure", "text"),
    "month_end": Column("Month end", "The last day of the month the row counts", "date"),
    "quarter": Column("Quarter", "The financial quarter (Q1 is April to June)", "text"),
    "year": Column("Financial year", "The financial year, 1 April to 31 March", "text"),
    "published_year": Column(
        "Year of published figures", "The collection year (to 31 March) of the latest DfE"
        " figures for statistical neighbours and England published by the reporting date",
        "financial year"),
    "children": Column("Children", "Which children the row counts, or how many children",
                       "text, or children"),
    "plans": Column("Plans", "Which plans the row counts; in a Kaplan-Meier table (returns"
                    " after a plan ends, time on plan), how many plans the row's estimate rests"
                    " on", "text, or plans"),
    "plans started": Column("Plans started", "Which plans started in the period the row counts",
                            "text"),
    "who": Column("Who", "Which children or plans the row counts", "text"),
    "duration": Column("Duration", "How long the plan had lasted: DfE's duration bands", "text"),
    "band": Column("Band", "How long the plan had lasted: DfE's duration bands", "text"),
    "category": Column("Category", "Category of abuse recorded for the plan", "text"),
    "category of abuse": Column(
        "Category of abuse", "The latest category of abuse recorded for the plan (CIN census"
        " code list: neglect, emotional, physical, sexual, multiple)", "text"),
    "factor": Column("Factor", "A factor identified at the end of assessment (CIN census"
                     " code list)", "text"),
    "factor recorded in the same episode": Column(
        "Factor recorded in the same episode", "A factor identified at the end of assessment,"
        " other than domestic violence or abuse, in the same CIN episode", "text"),
    "method": Column("How counted", "How episodes are counted: each episode once, or as a"
                     " column of DfE's table C3 (an episode with two codes counts twice in"
                     " their sum)", "text"),
    "time since the previous plan ended": Column(
        "Time since the previous plan ended", "How long after the child's previous plan ended"
        " this plan started", "text"),
    "reaches two years": Column(
        "Reaches two years", "How soon a child on a plan for 18 months or more reaches two"
        " years on it", "text"),
    "position": Column(
        "Position", "Where the figure lies: above, within or below the reference band, or (in"
        " the funnel plot) against the 95% and 99.8% limits around England's rate, or, in a"
        " regional pack, around the pooled region's figure", "text"),
    "paragraph": Column("Paragraph", "A paragraph of the summary, to paste into a report",
                        "text"),
    # counts and the percentages they make
    "n": Column("Number", "How many the row counts (the part, where the row is a percentage)",
                _COUNTED),
    "of": Column("Out of", "How many the number is out of: the whole of the percentage",
                 _COUNTED),
    "pct": Column("Per cent", "The number as a percentage of the whole; in a Kaplan-Meier"
                  " table, the estimated share back on a plan (returns) or still on the plan"
                  " (time on plan), allowing for plans not yet followed that long", _PCT),
    "ci_low": Column("95% interval from", "The lower end of " + _CI + _KM_CI, _PCT),
    "ci_high": Column("95% interval to", "The upper end of " + _CI + _KM_CI, _PCT),
    "value": Column("Figure", "The row's figure: for the reporting period in the headline"
                    " table, for the month in an SPC table; in the row's unit (an SPC or"
                    " funnel table's unit is its title's)", "as the row's unit"),
    "year_ago_n": Column("A year ago: number", "The number a year before the reporting date",
                         _COUNTED),
    "year_ago_of": Column("A year ago: out of", "The whole it was out of a year before",
                          _COUNTED),
    "year_ago": Column("A year ago", "The figure a year before the reporting date, in the row's"
                       " unit", "as the row's unit"),
    "on_plan": Column("Children on a plan", "Children on a child protection plan at the date"
                      " (each child once)", "children"),
    "on_plan_pct": Column("Children on a plan (%)", "Children on a plan in this row as a"
                          " percentage of all children on a plan", _PCT),
    "same_month_last_year": Column("Same month last year", "Children on a plan at the same"
                                   " month end a year before", "children"),
    "lower": Column("Lower limit", "The lower edge of the reference band (the reference level"
                    " less the tolerance), or in an SPC table the lower process limit (the average"
                    " less 2.66 mean moving ranges; below 0 a chart draws it at 0)",
                    "as the row's figure"),
    "upper": Column("Upper limit", "The upper edge of the reference band (the reference level"
                    " plus the tolerance), or in an SPC table the upper process limit (the"
                    " average plus 2.66 mean moving ranges)", "as the row's figure"),
    # statistical process control (XmR charts)
    "centre": Column("Average (centre line)", "The average of the months of the SPC chart's"
                     " phase: the months since the last practice change, or every month when"
                     " there is none", "as the row's figure"),
    "signal": Column("SPC signal", "What the month shows on the SPC chart: empty for common"
                     " cause variation, otherwise special cause, improving, concerning or neither"
                     " (by the measure's polarity)", "text"),
    # before and since a practice change
    "change": Column("Practice change", "The change of practice (the params file's"
                     " practice_changes) and the day it began", "text"),
    "before": Column("Before: dates", "The days before the change the figures are counted"
                     " over: the 12 months before it, fewer where the data begin later",
                     "text"),
    "before_n": Column("Before: number", "The count the figure before rests on: plans started,"
                       " re-plans, or plans that had lasted two years or more", "plans"),
    "before_of": Column("Before: out of", "What the share before is out of: plans started or"
                        " plans ended", "plans"),
    "before_value": Column("Before", "The figure over the months before the change, in the"
                           " row's unit", "as the row's unit"),
    "before_low": Column("Before: interval from", "The lower end of the figure before's 95%"
                         " interval (for children on a plan, the lower process limit of the"
                         " months before)", "as the row's unit"),
    "before_high": Column("Before: interval to", "The upper end of the figure before's 95%"
                          " interval (for children on a plan, the upper process limit of the"
                          " months before)", "as the row's unit"),
    "since": Column("Since: dates", "The days from the change to the reporting date (or to the"
                    " day before the next change)", "text"),
    "since_n": Column("Since: number", "The count the figure since rests on: plans started,"
                      " re-plans, or plans that had lasted two years or more", "plans"),
    "since_of": Column("Since: out of", "What the share since is out of: plans started or plans"
                       " ended", "plans"),
    "since_value": Column("Since", "The figure over the months since the change, in the row's"
                          " unit", "as the row's unit"),
    "since_low": Column("Since: interval from", "The lower end of the figure since's 95%"
                        " interval", "as the row's unit"),
    "since_high": Column("Since: interval to", "The upper end of the figure since's 95%"
                         " interval", "as the row's unit"),
    "difference": Column("Difference", "Since less before, given only once the change is old"
                         " enough to judge (6 months and 30 plans)", "as the row's unit"),
    "difference_low": Column("Difference: interval from", "The lower end of the difference's"
                             " 95% interval (MOVER, from the two figures' intervals)",
                             "as the row's unit"),
    "difference_high": Column("Difference: interval to", "The upper end of the difference's"
                              " 95% interval (MOVER, from the two figures' intervals)",
                              "as the row's unit"),
    "interval": Column("Interval", "How the row's intervals are worked out", "text"),
    "reading": Column("What it says", "What the row can say: too early to judge, no difference"
                      " beyond chance, or higher or lower since the change beyond chance",
                      "text"),
    "rate_per_10k": Column("Per 10,000 children", "Children on a plan per 10,000 children aged"
                           " 0-17 (ONS mid-year population estimates)",
                           "per 10,000 children aged 0-17"),
    "starts": Column("Plans started", "Plans that started in the month or period", "plans"),
    "starts_pct": Column("Plans started (%)", "Plans started in this row as a percentage of all"
                         " plans started in the period", _PCT),
    "ended": Column("Plans ended", "Plans that ended in the month or period; in the"
                    " time-on-plan table, plans that ended before reaching the row's point",
                    "plans"),
    "ended_pct": Column("Plans ended (%)", "Plans ended in this row as a percentage of all plans"
                        " ended in the period", _PCT),
    "replans": Column("Re-plans", "Second or subsequent plans started in the period", "plans"),
    "same_cin_episode": Column(
        "Of which the case stayed open", "Re-plans whose previous plan was in the same CIN"
        " episode: the case stayed open between the plans", "plans"),
    "cin_plan_between": Column(
        "Of which a CIN plan came between", "Re-plans with a child in need plan between the"
        " previous plan's end and this start (blank where the data hold no CIN plans)", "plans"),
    "councils": Column("Councils", "English councils whose figure lies in this position",
                       "councils"),
    "this_council": Column("This council", "True in the row where this council lies",
                           "true or false"),
    "episodes": Column("Episodes", "CIN episodes with the factor recorded at the end of an"
                       " assessment in the period", "episodes"),
    "with_dv": Column("Episodes with domestic abuse", "CIN episodes recording domestic violence"
                      " or abuse (3A, 3B or 3C) that also record this factor", "episodes"),
    "with_dv_pct": Column("Episodes with domestic abuse (%)", "As a percentage of all episodes"
                          " recording domestic violence or abuse", _PCT),
    "without_dv": Column("Episodes without domestic abuse", "CIN episodes not recording"
                         " domestic violence or abuse that record this factor", "episodes"),
    "without_dv_pct": Column("Episodes without domestic abuse (%)", "As a percentage of all"
                             " episodes not recording domestic violence or abuse", _PCT),
    # published figures to compare with
    "neighbours_value": Column(
        "Statistical neighbours", "The mean of the council's statistical neighbours' latest"
        " published figures (suppressed ones left out)", "as the row's unit"),
    "england_value": Column("England", "England's latest published figure",
                            "as the row's unit"),
    "neighbours_pct": Column(
        "Statistical neighbours (%)", "The mean of the statistical neighbours' latest published"
        " percentages (suppressed ones left out)", _PCT),
    "neighbours_n": Column("Neighbours counted", "How many statistical neighbours the mean"
                           " rests on (those with a published figure)", "councils"),
    "england_pct": Column("England (%)", "England's latest published percentage", _PCT),
    "england_on_plan_pct": Column(
        "England: children on a plan (%)", "England's published share of children on a plan in"
        " this duration band", _PCT),
    "neighbours_on_plan_pct": Column(
        "Statistical neighbours: children on a plan (%)", "The statistical neighbours' mean"
        " published share of children on a plan in this duration band", _PCT),
    "national_value": Column(
        "Council's published figure", "The council's own figure in DfE's published tables for"
        " the year of published figures, which its national rank and band are of",
        "as the row's unit"),
    "national_rank": Column(
        "National rank", "The council's rank among all councils with a published figure that"
        " year, 1 the best by the measure's polarity (as DfE's LAIT); a dash where neither"
        " direction is better", "text"),
    "national_band": Column(
        "Quartile band", "The council's quartile band among all councils, A (the best quarter)"
        " to D (the worst), as DfE's LAIT", "text"),
    "national_polarity": Column(
        "Which way is better", "The measure's polarity, as DfE's LAIT: higher is better, lower"
        " is better, or neither", "text"),
    "national_change": Column(
        "Change since the year before", "The council's published figure less its figure the"
        " year before", "as the row's unit"),
    "national_direction": Column(
        "Better or worse", "Whether the change since the year before is better or worse by the"
        " measure's polarity (up or down where neither is better)", "text"),
    "vs_england": Column(
        "Compared with England", "Whether England's figure lies outside this council's 95%"
        " interval: higher or lower beyond chance, or within chance", "text"),
    # quality.csv
    "item": Column("Item", "What is counted: records read, loaded, rejected, merged, plans"
                   " measured, or a data-quality rule by its number", "text"),
    "description": Column("Description", "What the item means, or the rule's message", "text"),
    "count": Column("Count", "How many records or findings", "records"),
    # data_dictionary.csv itself
    "column": Column("Column name in the CSV files", "A column's name as the CSV files and"
                     " metrics.json give it", "text"),
    "heading": Column("Heading on pages and in the workbook", "What the pages and the workbook"
                      " call the column", "text"),
    "meaning": Column("Meaning", "What the column holds", "text"),
    "files": Column("Files", "The pack's CSV files that have the column", "text"),
    # the child protection pathway (`pathway.py`)
    "period": Column("Period", "The period the row counts: the month, the year to date (from 1"
                     " April) or the 12 months to the reporting date", "text"),
    "date": Column("Date", "The date the row is measured at", "date"),
    "median_working_days": Column(
        "Median working days", "The median working days from a section 47 enquiry's start to its"
        " initial conference (Monday to Friday less bank holidays; DfE C4)", "working days"),
    "days_0_10": Column("0 to 10 working days", "Initial conferences held 0 to 10 working days"
                        " after the enquiry started (DfE C4 band)", "conferences"),
    "days_11_15": Column("11 to 15 working days", "Initial conferences held 11 to 15 working"
                         " days after the enquiry started (DfE C4 band)", "conferences"),
    "days_16_20": Column("16 to 20 working days", "Initial conferences held 16 to 20 working"
                         " days after the enquiry started (DfE C4 band)", "conferences"),
    "days_21_plus": Column("21 or more working days", "Initial conferences held 21 or more"
                           " working days after the enquiry started (DfE C4 band)",
                           "conferences"),
    "days_unknown": Column("Working days not known", "Initial conferences whose working days"
                           " cannot be counted: a date outside the bank holidays shipped"
                           " (2012-2028)", "conferences"),
    "rolling_n": Column("12 months: number", "The number over the 12 months to the month end",
                        _COUNTED),
    "rolling_of": Column("12 months: out of", "The whole it is out of over the 12 months to the"
                         " month end", _COUNTED),
    "rolling_pct": Column("12 months: per cent", "The number as a percentage of the whole, over"
                          " the 12 months to the month end", _PCT),
    "rolling_ci_low": Column("12 months: 95% interval from", "The lower end of " + _CI, _PCT),
    "rolling_ci_high": Column("12 months: 95% interval to", "The upper end of " + _CI, _PCT),
    "late": Column("A review held late", "Children whose plan had a review held after the date"
                   " it was due", "children"),
    "overdue": Column("A review overdue", "Children whose next review was due before the date"
                      " and not held", "children"),
    "enquiries": Column("Enquiries started", "Section 47 enquiries started in the period",
                        "enquiries"),
    "conference": Column("Led to a conference", "Enquiries whose initial child protection"
                         " conference was held by the reporting date", "enquiries"),
    "not_required": Column("Conference not required", "Enquiries after which a conference was"
                           " decided not to be needed (ICPCnotRequired)", "enquiries"),
    "too_recent": Column("Too recent to tell", "Enquiries with neither, started 15 working days"
                         " or fewer before the reporting date", "enquiries"),
    "no_outcome": Column("No outcome recorded", "Enquiries with neither, started more than 15"
                         " working days before the reporting date", "enquiries"),
    "unknown": Column("Not known", "Enquiries with neither whose working days to the reporting"
                      " date cannot be counted (a date outside the bank holidays shipped)",
                      "enquiries"),
    # time to return and time on plan (Kaplan-Meier: survival.py)
    "breakdown": Column("Breakdown", "How the ended plans are split: all of them, by whether the"
                        " plan was linked to domestic abuse, by initial category of abuse, or by"
                        " how long the ended plan lasted", "text"),
    "group": Column("Group", "The plans the row counts, within its breakdown", "text"),
    "within": Column("Back within", "How soon after the plan ended: 3, 6, 12 or 24 months (a"
                     " month is 365/12 days: within 3 months is up to 91 days)", "text"),
    "returned": Column("Back on a plan", "Ended plans whose child was seen back on a plan within"
                       " the row's time", "plans"),
    "at_risk": Column("Still followed", "Plans followed beyond the row's time with nothing"
                      " happening by then: not back on a plan (returns), or still open (time on"
                      " plan)", "plans"),
    "on_plan_at": Column("Still on the plan at", "Months since the plan started (a month is"
                         " 365/12 days: 24 months is 730 days on plan, DfE's two years or more)",
                         "text"),
    "started": Column("Plans started", "The dates the plans counted started between: from where"
                      " the data begin to the reporting date", "text"),
    "still_open": Column("Still open", "Plans still open at the reporting date, followed up to"
                         " it", "plans"),
    "median_days": Column("Median days on a plan", "The day on a plan by which half the plans"
                          " had ended (Kaplan-Meier); blank while fewer than half have ended",
                          "days"),
    "median_ci_low": Column("Median: 95% interval from", "The lower end of the median's 95%"
                            " interval", "days"),
    "median_ci_high": Column("Median: 95% interval to", "The upper end of the median's 95%"
                             " interval (blank when it is open-ended)", "days"),
    # regional packs (regional.py, region_now.py): councils side by side, funnels, the region now
    "la": Column("LA number", "The council's DfE local authority number; for the pooled region's"
                 " row, its DfE region code (blank for a group of councils that is no DfE"
                 " region)", "text"),
    "council": Column("Council", "The council the row counts, or the region pooled from its"
                      " councils' data (the last row)", "text"),
    "replan_n": Column("Re-plans", "Plans started in the period that were a child's second or"
                       " subsequent plan", "plans"),
    "replan_of": Column("Re-plans: out of", "Plans started in the period", "plans"),
    "replan_pct": Column("Re-plans (%)", "Plans started in the period that were second or"
                         " subsequent, % of plans started (DfE D3's definition)", _PCT),
    "ended_2y_n": Column("Ended after 2 years or more", "Plans ended in the period that had"
                         " lasted 730 days or more", "plans"),
    "ended_2y_of": Column("Ended after 2 years or more: out of", "Plans ended in the period",
                          "plans"),
    "ended_2y_pct": Column("Ended after 2 years or more (%)", "Plans ended in the period that"
                           " had lasted 2 years or more, % of plans ended", _PCT),
    "icpc_15_n": Column("Conferences within 15 working days", "Initial conferences held in the"
                        " period within 15 working days of the section 47 enquiry starting",
                        "conferences"),
    "icpc_15_of": Column("Conferences within 15 working days: out of", "Initial conferences held"
                         " in the period (their working days known)", "conferences"),
    "icpc_15_pct": Column("Conferences within 15 working days (%)", "Initial conferences within"
                          " 15 working days, % of those held in the period (DfE C4)", _PCT),
    "reviews_n": Column("Reviewed in time", "Children on a plan 3 months or more at the"
                        " reporting date whose every review that fell due was held on time",
                        "children"),
    "reviews_of": Column("Reviewed in time: out of", "Children on a plan 3 months or more at the"
                         " reporting date", "children"),
    "reviews_pct": Column("Reviewed in time (%)", "Children on a plan 3 months or more reviewed"
                          " in time, % (DfE D6)", _PCT),
    "dv_n": Column("Linked to domestic abuse", "Plans started in the period linked to an"
                   " assessment recording domestic violence or abuse (factors 3A, 3B, 3C)",
                   "plans"),
    "dv_of": Column("Linked to domestic abuse: out of", "Plans started in the period", "plans"),
    "dv_pct": Column("Linked to domestic abuse (%)", "Plans started in the period linked to"
                     " domestic violence or abuse, % of plans started", _PCT),
    "lower_95": Column("95% limit: lower", "The lower 95% funnel limit at the council's size:"
                       " the Wilson interval of the region's figure at this denominator",
                       "as the table's measure"),
    "upper_95": Column("95% limit: upper", "The upper 95% funnel limit at the council's size",
                       "as the table's measure"),
    "lower_99_8": Column("99.8% limit: lower", "The lower 99.8% funnel limit at the council's"
                         " size", "as the table's measure"),
    "upper_99_8": Column("99.8% limit: upper", "The upper 99.8% funnel limit at the council's"
                         " size", "as the table's measure"),
    "target": Column("Region", "The pooled region's figure the funnel is drawn around (every"
                     " council's children or plans counted together)", "as the table's measure"),
    "published_region": Column("Region (published)", "The region's own figure as DfE published"
                               " it, in the latest year published by the reporting date (blank"
                               " for a group of councils that is no DfE region)",
                               "as the row's unit"),
    "region_now": Column("The region now", "The region pooled from its councils' data for the"
                         " same period and reporting date, by the same definitions as this"
                         " council's figure ([c]: it rests on a small count)",
                         "as the row's unit"),
    # year-end outlook (outlook.py)
    "year_end_plans": Column("Plans by 31 March", "Plans counted so far this financial year plus"
                             " those expected by 31 March at this year's rate so far", "plans"),
    "projected": Column("Projected year end", "The figure the financial year is projected to"
                        " end at on 31 March, on current trends (the median projection)", _PCT),
    "projected_low": Column("80% interval from", "The lower end of the projection's 80%"
                            " interval: the final figure falls below it 1 time in 10", _PCT),
    "projected_high": Column("80% interval to", "The upper end of the projection's 80%"
                             " interval: the final figure falls above it 1 time in 10", _PCT),
}


def heading(name: object) -> str:
    """The heading a reader sees for column `name` (a column it does not know keeps its name)."""
    if name is None or (isinstance(name, float) and pd.isna(name)):
        return UNNAMED_INDEX
    entry = COLUMNS.get(str(name))
    return entry.heading if entry is not None else str(name)


def plain(df: pd.DataFrame) -> pd.DataFrame:
    """`df` with plain headings for its columns and index (a copy; values unchanged)."""
    out = df.rename(columns=lambda c: heading(c) if isinstance(c, str) else c)
    out.index = out.index.set_names([heading(n) for n in out.index.names])
    return out


def csv_columns(path: Path) -> list[str]:
    """A CSV file's column names (its heading row)."""
    with open(path, newline="", encoding="utf-8") as f:
        return next(csv.reader(f), [])


def columns_in(csv_files: Iterable[Path], folder: Path) -> dict[str, list[str]]:
    """Each column name found in `csv_files`, in the order first found, with the files (relative
    to `folder`) that have it."""
    found: dict[str, list[str]] = {}
    for path in csv_files:
        for name in csv_columns(path):
            found.setdefault(name, []).append(path.relative_to(folder).as_posix())
    return found


def entry(name: str) -> Column:
    """The dictionary's entry for column `name`; one that says so where it has none."""
    return COLUMNS.get(name, Column(name, NOT_DESCRIBED, ""))


def write(folder: Path) -> Path:
    """Write `folder/data_dictionary.csv`: every column of every CSV file in the pack (the
    tables first, then the pack's own files, this one included), one row each."""
    target = folder / FILE
    csv_files = sorted((p for p in folder.rglob("*.csv") if p != target),
                       key=lambda p: (p.parent == folder, p.as_posix()))
    found = columns_in(csv_files, folder)
    for name in FIELDS:
        found.setdefault(name, []).append(FILE)
    with open(target, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(FIELDS)
        for name, files in found.items():
            e = entry(name)
            w.writerow([name, e.heading, e.meaning, e.unit, " ".join(files)])
    return target
