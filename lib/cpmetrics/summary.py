"""The headline table: each measure this period, a year ago, beside neighbours and England.

Rows follow metrics.md's headline measures; published columns come from DfE
D3 (re-plans at start), D5 (on a plan, 2 years or more), LAIT `CPPlans2yrs`
(ended after 2 years or more), D5 with ONS populations (rate per 10,000), C4
(initial conferences within 15 working days, this period's conferences) and D6
(children reviewed in time, at the reporting date), in the latest year
published by the reporting date. A pathway measure the source cannot give is a
row of blanks, never zeros. A gap to England is
"beyond chance" when England's figure lies outside the council's 95% Wilson
interval.

Where the council stands nationally, as DfE's LAIT shows it
(`comparison.published_standing`): its own published figure in that year, its
rank among all councils and quartile band A (best) to D by the measure's
polarity, and the change since the year before. These columns are named
`national_...`, so disclosure control reads them as published figures (a rank
of 3 is not a count of three children).
"""

from __future__ import annotations

import pandas as pd

from cpmetrics.comparison import published_figure, published_standing
from cpmetrics.measures import (
    ended_2y_plus,
    on_plan,
    on_plan_2y_plus,
    on_plan_second_or_subsequent,
    starts_dv,
    starts_second_or_subsequent,
)
from cpmetrics.pathway import icpc_within_15_days, reviews_in_time
from cpmetrics.periods import Period
from cpmetrics.proportion import Proportion
from cpmetrics.tables import Tables

COLUMNS = ["measure", "unit", "n", "of", "value", "ci_low", "ci_high", "year_ago_n",
           "year_ago_of", "year_ago", "neighbours_value", "england_value", "published_year",
           "vs_england", "national_value", "national_rank", "national_band", "national_polarity",
           "national_change", "national_direction"]
#: the published standing's keys behind each `national_` column
NATIONAL = {"national_value": "value", "national_rank": "rank_text", "national_band": "band",
            "national_polarity": "polarity", "national_change": "change",
            "national_direction": "direction"}
#: The counts each figure of the headline table rests on, for disclosure control: a row holds
#: this period's proportion and a year ago's, so a small count a year ago hides only the year
#: ago's figure (`show_table(..., depends=DEPENDS)`)
DEPENDS = {"value": ("n", "of"), "ci_low": ("n", "of"), "ci_high": ("n", "of"),
           "vs_england": ("n", "of"), "year_ago": ("year_ago_n", "year_ago_of")}


def versus(p: Proportion | None, england: float | None) -> str | None:
    """Whether England's figure lies outside the council's 95% Wilson interval, in words."""
    if p is None or england is None or not p.of:
        return None
    lo, hi = p.wilson()
    if england < lo:
        return "higher than England, beyond chance"
    if england > hi:
        return "lower than England, beyond chance"
    return "within chance of England"


def _rate(n: int, la: str, at: pd.Timestamp) -> float | None:
    from cpmetrics.population import rate_per_10k

    try:
        return rate_per_10k(n, la, at)
    except Exception:  # council unknown to the published tables: no rate
        return None


def headline_table(tables: Tables, period: Period, la: str, sn_grouping: str | None = None
                   ) -> pd.DataFrame:
    """One row per headline measure: n of N and % (95% Wilson interval) this period, the same a
    year ago, the neighbours' mean and England's published %, and whether the gap is beyond chance.

    Each column holds one kind of figure, so disclosure control can read it:
    `n`/`of` and `year_ago_n`/`year_ago_of` are counts; `value` and `year_ago`
    are in the row's `unit` and go with them (`value` with `n`/`of`, `year_ago`
    with `year_ago_n`/`year_ago_of`).
    """
    plans, d = tables.plans, period.end
    ago_d, ago = d - pd.DateOffset(years=1), period.year_earlier()
    rows = []

    def standing(key: str | None) -> dict:
        if key is None:
            return {}
        s = published_standing(la, key, d)
        return {col: s[k] for col, k in NATIONAL.items()}

    def add(label: str, now: Proportion | None, before: Proportion | None, key: str | None) -> None:
        pub = published_figure(la, key, d, sn_grouping) if key else {}
        ci = now.wilson() if now is not None else None
        rows.append({**standing(key),
            "measure": label, "unit": "%",
            "n": now.n if now is not None else None,
            "of": now.of if now is not None else None,
            "value": now.pct if now is not None else None,
            "ci_low": ci[0] if ci else None, "ci_high": ci[1] if ci else None,
            "year_ago_n": before.n if before is not None else None,
            "year_ago_of": before.of if before is not None else None,
            "year_ago": before.pct if before is not None else None,
            "neighbours_value": pub.get("neighbours"), "england_value": pub.get("england"),
            "published_year": pub.get("year_label"),
            "vs_england": versus(now, pub.get("england")),
        })

    n_now, n_ago = on_plan(plans, d), on_plan(plans, ago_d)
    rate_pub = published_figure(la, "on_plan_rate_per_10k", d, sn_grouping)
    rows.append({"measure": "Children on a plan", "unit": "children", "n": n_now, "of": None,
                 "value": n_now, "year_ago_n": n_ago, "year_ago": n_ago, **standing("on_plan")})
    rows.append({**standing("on_plan_rate_per_10k"),
                 "measure": "Children on a plan per 10,000 children", "unit": "per 10,000",
                 "n": n_now, "value": _rate(n_now, la, d), "year_ago_n": n_ago,
                 "year_ago": _rate(n_ago, la, ago_d),
                 "neighbours_value": rate_pub["neighbours"], "england_value": rate_pub["england"],
                 "published_year": rate_pub["year_label"], "vs_england": None})
    add("Children on a plan: second or subsequent plan",
        on_plan_second_or_subsequent(plans, d), on_plan_second_or_subsequent(plans, ago_d), None)
    add("Plans started: second or subsequent plan", starts_second_or_subsequent(plans, period),
        starts_second_or_subsequent(plans, ago), "starts_second_or_subsequent_pct")
    add("Children on a plan: 2 years or more", on_plan_2y_plus(plans, d),
        on_plan_2y_plus(plans, ago_d), "on_plan_2y_plus_pct")
    add("Plans ended: lasted 2 years or more", ended_2y_plus(plans, period),
        ended_2y_plus(plans, ago), "ended_2y_plus_pct")
    add("Plans started: linked to domestic violence/abuse", starts_dv(tables, period),
        starts_dv(tables, ago), None)
    add("Initial conferences within 15 working days of the enquiry",
        icpc_within_15_days(tables, period), icpc_within_15_days(tables, ago),
        "icpc_within_15_days_pct")
    add("Children on a plan 3 months or more: reviewed in time", reviews_in_time(tables, d),
        reviews_in_time(tables, ago_d), "reviews_in_time_pct")
    out = pd.DataFrame(rows, columns=COLUMNS)
    out["measure"] = out["measure"].astype("string")
    for c in ("n", "of", "year_ago_n", "year_ago_of"):
        out[c] = out[c].astype("Int64")
    for c in ("value", "ci_low", "ci_high", "year_ago", "neighbours_value", "england_value",
              "national_value", "national_change"):
        out[c] = out[c].astype("float64")
    for c in ("unit", "published_year", "vs_england", "national_rank", "national_band",
              "national_polarity", "national_direction"):
        out[c] = out[c].astype("string")
    out.attrs.update({"period": period.label(), "grouping": rate_pub["grouping"]})
    return out
