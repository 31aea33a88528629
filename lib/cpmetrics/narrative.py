"""Plain-English paragraphs for a scrutiny report, written from the numbers, never typed.

Each function takes what the analysis modules return and says it the way a
council officer would ("The proportion of the cohort with a second or
subsequent plan is 25.5%, equating to 70 children and young people").
Disclosure control applies to the words too: a count from 1 to
threshold-1 comes out as "fewer than 5", and a percentage resting on such a
count is not given.
"""

from __future__ import annotations

import pandas as pd

from cpmetrics.cohort import band_summary
from cpmetrics.periods import Period
from cpmetrics.proportion import Proportion
from cpmetrics.tables import Tables
from cpmetrics.unavailable import NotAvailable, no_assessments


def count(n: int | None, threshold: int = 5) -> str:
    """A count in words' company: "70", "1,204", "none", or "fewer than 5" for 1..threshold-1."""
    if n is None or pd.isna(n):
        return "not known"
    n = int(n)
    if n == 0:
        return "none"
    if n < threshold:
        return f"fewer than {threshold}"
    return f"{n:,}"


def suppressed(p: Proportion, threshold: int = 5) -> bool:
    """True when the numerator or denominator is a small count (1..threshold-1)."""
    return 0 < p.n < threshold or 0 < p.of < threshold


def pct(value: float | None) -> str:
    """A percentage to 1 decimal place, as packs show them."""
    return "not available" if value is None or pd.isna(value) else f"{value:.1f}%"


def share(p: Proportion, what: str, threshold: int = 5) -> str:
    """ "27.1% (30 of the 112 plans started)", or without the % when a count is small."""
    if not p.of:
        return f"not available (no {what})"
    if suppressed(p, threshold):
        return f"{count(p.n, threshold)} of the {count(p.of, threshold)} {what}"
    return f"{pct(p.pct)} ({count(p.n, threshold)} of the {count(p.of, threshold)} {what})"


def compare(now: float | None, then: float | None, *, higher: str = "higher",
            lower: str = "lower", tolerance: float = 0.05) -> str:
    """ "higher than", "lower than" or "about the same as", on 1-decimal-place figures."""
    if now is None or then is None or pd.isna(now) or pd.isna(then):
        return "not comparable with"
    if abs(round(now, 1) - round(then, 1)) < tolerance:
        return "about the same as"
    return f"{higher} than" if now > then else f"{lower} than"


def _date(ts: pd.Timestamp) -> str:
    return f"{ts.day} {ts:%B %Y}"


def cohort_paragraph(trend: pd.DataFrame, threshold: int = 5) -> str:
    """How many children are on a plan, against the reference band, and a year ago."""
    s = band_summary(trend)
    if not s["months"]:
        return "There are no month-end figures for this period."
    first, last = s["first_month"], s["latest_month"]
    text = (f"The number of children subject of a child protection plan was "
            f"{count(s['latest'], threshold)} at {_date(last)}, "
            f"{'within' if s['latest_position'] == 'within' else s['latest_position']} "
            f"the reference band of {s['band']}.")
    if s["months_outside"] == 0:
        text += (f" Every month-end figure from {first:%B %Y} to {last:%B %Y} was within "
                 f"the band.")
    else:
        above = sum(1 for _, _, p in s["outside"] if p == "above")
        below = s["months_outside"] - above
        parts = [f"{above} above" if above else "", f"{below} below" if below else ""]
        text += (f" Of the {s['months']} month ends from {first:%B %Y} to {last:%B %Y}, "
                 f"{s['months_outside']} were outside it ({' and '.join(p for p in parts if p)}); "
                 f"the highest was {count(s['peak'], threshold)} in {s['peak_month']:%B %Y}.")
    if s["year_ago"] is not None:
        text += (f" At the same time last year the figure was "
                 f"{count(s['year_ago'], threshold)}.")
    return text


def cohort_replans_paragraph(now: Proportion, year_ago: Proportion, threshold: int = 5) -> str:
    """Children on a plan now who are on a second or subsequent plan, against a year ago."""
    if not now.of:
        return "No children were on a plan at the reporting date."
    if suppressed(now, threshold):
        return (f"{count(now.n, threshold).capitalize()} of the {count(now.of, threshold)} "
                f"children on a plan are on a second or subsequent plan.")
    text = (f"The proportion of the cohort with a second or subsequent plan is {pct(now.pct)}, "
            f"equating to {count(now.n, threshold)} children and young people.")
    if year_ago.of and not suppressed(year_ago, threshold):
        text += (f" This is {compare(now.pct, year_ago.pct)} at the same time last year "
                 f"({pct(year_ago.pct)}).")
    return text


def starts_replans_paragraph(period: Period, this_year: Proportion, last_full_year: Proportion,
                             recent: Proportion, recent_months: int, neighbours: float | None,
                             england: float | None, published_year: str | None,
                             threshold: int = 5) -> str:
    """Plans started this year that were second or subsequent, against last year and published."""
    text = (f"With regard to re-plans, {share(last_full_year, 'plans', threshold)} that started "
            f"in the previous financial year were a second or subsequent plan. ")
    text += (f"So far this year ({period.label()}) the figure is "
             f"{share(this_year, 'plans started', threshold)}")
    if suppressed(this_year, threshold) or suppressed(last_full_year, threshold):
        text += "."
    else:
        text += f", {compare(this_year.pct, last_full_year.pct)} last year."
    n = "no" if recent.n == 0 else count(recent.n, threshold)
    text += (f" There {'has' if recent.n == 1 else 'have'} been {n} "
             f"re-plan{'' if recent.n == 1 else 's'} in the last {recent_months} months.")
    if england is not None and not suppressed(this_year, threshold):
        text += (f" This year's proportion is {compare(this_year.pct, neighbours)} the latest "
                 f"published figure ({published_year}) for statistical neighbours "
                 f"({pct(neighbours)}) and {compare(this_year.pct, england)} the national "
                 f"average ({pct(england)}).")
    return text


def long_plans_paragraph(on_plan_2y: Proportion, ended_2y: Proportion,
                         neighbours_ended: float | None, england_ended: float | None,
                         threshold: int = 5) -> str:
    """Children on a plan two years or more, and plans ending after two years or more."""
    text = (f"Of the children on a plan now, {share(on_plan_2y, 'children', threshold)} have "
            f"been on it for two years or more. Of the plans ended this year, "
            f"{share(ended_2y, 'plans ended', threshold)} had lasted two years or more")
    if (neighbours_ended and ended_2y.of and not suppressed(ended_2y, threshold)
            and ended_2y.pct is not None):
        ratio = ended_2y.pct / neighbours_ended
        text += (f", {compare(ended_2y.pct, neighbours_ended)} statistical neighbours "
                 f"({pct(neighbours_ended)}; about {ratio:.1f} times their proportion)")
        if england_ended:
            text += f" and England ({pct(england_ended)})"
    return text + "."


def gap_sentence(p: Proportion, target: float | None, measure: str, *, items: str,
                 counted: str, target_name: str = "the statistical neighbours'",
                 threshold: int = 5) -> str:
    """The gap between the council's share and a published one (the neighbours' mean) as a
    number of children (`comparison.gap_in_children`, with the published measure's polarity):
    "To match the statistical neighbours' 19.8%, about 8 fewer of this year's 112 plans would
    have been re-plans (30 were, 26.8%)." Empty when there is nothing to compare; no figure
    when a count is small."""
    from cpmetrics.comparison import gap_in_children
    from cpmetrics.ranking import polarity

    gap = gap_in_children(p.n, p.of, target, polarity(measure), threshold=threshold)
    if gap is None:
        return ""
    return gap.sentence(target_name, items=items, counted=counted, threshold=threshold)


def dv_paragraph(starts_dv: Proportion | None, episodes_dv: Proportion | None,
                 replan_with: Proportion | None, replan_without: Proportion | None,
                 top_factor: str | None = None, threshold: int = 5,
                 unavailable: str = "this data set holds no assessments") -> str:
    """Domestic violence/abuse among plan starts and assessments, and re-plans with and without.

    Without `starts_dv` (no assessments in the data) it says why, in `unavailable`'s words.
    """
    if starts_dv is None:
        return str(NotAvailable("the plans linked to domestic violence or abuse", unavailable))
    text = (f"Domestic violence or abuse was recorded at the assessment behind "
            f"{share(starts_dv, 'plans started this year', threshold)}.")
    if episodes_dv is not None:
        eps = share(episodes_dv, "episodes with a factor recorded at assessment this year",
                    threshold)
        text += f" Counting each episode once, it was recorded in {eps}."
    if replan_with is not None and replan_without is not None:
        if not (suppressed(replan_with, threshold) or suppressed(replan_without, threshold)):
            text += (f" Plans linked to it were second or subsequent plans in "
                     f"{pct(replan_with.pct)} of cases, against {pct(replan_without.pct)} of "
                     f"plans without it.")
    if top_factor:
        text += f" The factor recorded most often alongside it was {top_factor.lower()}."
    return text


def _or_why(p: Proportion | None, tables: Tables, table: str, what: str
            ) -> Proportion | NotAvailable:
    """The measure, or why the data cannot give it (`unavailable.not_held`)."""
    from cpmetrics.unavailable import not_held

    return not_held(tables, table, what) if p is None else p


def _against(p: Proportion, pub: dict, threshold: int) -> str:
    """ ", higher than statistical neighbours (80.5%) and England (77.2%) in 2016-17", or empty
    when the share is suppressed or nothing is published."""
    if suppressed(p, threshold) or not p.of or p.pct is None:
        return ""
    parts = [f"{compare(p.pct, v)} {who} ({pct(v)})"
             for who, v in (("statistical neighbours", pub.get("neighbours")),
                            ("England", pub.get("england"))) if v is not None]
    if not parts:
        return ""
    return ", " + " and ".join(parts) + (f" in {pub['year_label']}" if pub.get("year_label")
                                         else "")


def pathway_paragraph(icpc: Proportion | NotAvailable, icpc_pub: dict,
                      reviews: Proportion | NotAvailable, reviews_pub: dict,
                      threshold: int = 5) -> str:
    """Initial conferences within 15 working days this year (C4) and children reviewed in time
    (D6), each against the neighbours' and England's published figures (`published_figure`
    dicts); a measure the data cannot give says why (`NotAvailable`)."""
    if isinstance(icpc, NotAvailable):
        first = icpc.sentence()
    else:
        first = (f"Of the initial child protection conferences held this year, "
                 f"{share(icpc, 'conferences held', threshold)} were within 15 working days of "
                 f"the section 47 enquiry starting{_against(icpc, icpc_pub, threshold)}.")
    if isinstance(reviews, NotAvailable):
        second = reviews.sentence()
    else:
        second = (f"Of the children on a plan for 3 months or more, "
                  f"{share(reviews, 'children', threshold)} had every review on time"
                  f"{_against(reviews, reviews_pub, threshold)}.")
    return f"{first} {second}"


def scrutiny_summary(tables: Tables, period: Period, la: str, *, reference_level: float = 250,
                     tolerance_pct: float = 4.0, threshold: int = 5,
                     sn_grouping: str | None = None, recent_months: int = 2) -> list[str]:
    """The paragraphs of a child protection performance summary, in the order of a scrutiny
    report: numbers on a plan, re-plans in the cohort, re-plans at start, long plans, the
    pathway (conferences within 15 working days, reviews in time), drivers. The re-plan and
    long-plan paragraphs end with the year-end outlook (`outlook_sentence`)."""
    from cpmetrics import measures as m
    from cpmetrics import pathway
    from cpmetrics.cohort import cohort_trend
    from cpmetrics.comparison import published_figure
    from cpmetrics.drivers import dv_cooccurring, episode_factors
    from cpmetrics.outlook import outlook, outlook_sentence
    from cpmetrics.periods import financial_year_start
    from cpmetrics.replans import recent_replans
    from cpmetrics.tables import DV_FACTORS

    plans, d = tables.plans, period.end
    ago = d - pd.DateOffset(years=1)
    fy = financial_year_start(period.start)
    last_fy = Period(fy - pd.DateOffset(years=1), fy - pd.Timedelta(days=1))
    trend = cohort_trend(tables, d, reference_level=reference_level, tolerance_pct=tolerance_pct)
    rep = published_figure(la, "starts_second_or_subsequent_pct", d, sn_grouping)
    long_ = published_figure(la, "ended_2y_plus_pct", d, sn_grouping)
    this_year = m.starts_second_or_subsequent(plans, period)
    ended = m.ended_2y_plus(plans, period)
    replan_gap = gap_sentence(this_year, rep["neighbours"], "starts_second_or_subsequent_pct",
                              items="plans", counted="re-plans", threshold=threshold)
    long_gap = gap_sentence(ended, long_["neighbours"], "ended_2y_plus_pct",
                            items="plans ended", counted="plans that had lasted two years or more",
                            threshold=threshold)
    paras = [
        cohort_paragraph(trend, threshold),
        cohort_replans_paragraph(m.on_plan_second_or_subsequent(plans, d),
                                 m.on_plan_second_or_subsequent(plans, ago), threshold),
        " ".join(t for t in (starts_replans_paragraph(
            period, this_year, m.starts_second_or_subsequent(plans, last_fy),
            recent_replans(plans, d, recent_months), recent_months, rep["neighbours"],
            rep["england"], rep["year_label"], threshold), replan_gap,
            outlook_sentence(outlook(plans, d, "starts_second_or_subsequent"), threshold))
            if t),
        " ".join(t for t in (long_plans_paragraph(m.on_plan_2y_plus(plans, d), ended,
                                                  long_["neighbours"], long_["england"],
                                                  threshold), long_gap,
                             outlook_sentence(outlook(plans, d, "ended_2y_plus"), threshold))
                 if t),
    ]
    paras.append(pathway_paragraph(
        _or_why(pathway.icpc_within_15_days(tables, period), tables, "section47",
                "initial conferences within 15 working days"),
        published_figure(la, "icpc_within_15_days_pct", d, sn_grouping),
        _or_why(pathway.reviews_in_time(tables, d), tables, "reviews", "reviews in time"),
        published_figure(la, "reviews_in_time_pct", d, sn_grouping), threshold))
    gone = no_assessments(tables, "the plans linked to domestic violence or abuse")
    if gone is None:
        s = m.started(plans, period)
        from cpmetrics.linking import linked_dv

        dv = linked_dv(s, tables.assessments).to_numpy()
        r = s["is_replan"].to_numpy()
        ef = episode_factors(tables.assessments, period)
        eps = Proportion(int(ef.loc[ef["factor"].isin(DV_FACTORS), "episode_id"].nunique()),
                         int(ef["episode_id"].nunique()))
        co = dv_cooccurring(tables, period, top=1)
        top = str(co.index[0]) if isinstance(co, pd.DataFrame) and len(co) else None
        paras.append(dv_paragraph(m.starts_dv(tables, period), eps,
                                  Proportion(int(r[dv].sum()), int(dv.sum())),
                                  Proportion(int(r[~dv].sum()), int((~dv).sum())), top, threshold))
    else:
        paras.append(dv_paragraph(None, None, None, None, None, threshold,
                                  unavailable=gone.reason))
    return paras
