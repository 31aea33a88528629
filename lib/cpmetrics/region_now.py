""""The region now": the pooled region's headline figures, as a comparator in a council's pack.

A council's headline table compares it with its statistical neighbours and
England as DfE last published them, a year and a half old. In a regional run
the same month's data of every council in the region are at hand, so each
council's pack also shows the region pooled from them (`cpmetrics.pooling`)
on the same measures, the same period and the same definitions.

`region_now` works the figures out once per region and period, as a plain
JSON-like dict (what papermill passes to each council's notebooks as the
`region_now` parameter, and what `metrics.json` can carry); `beside` adds them
to the headline table as the column "The region now", under disclosure control;
`paragraphs` says in words how the council stands against them. With
`region_now` None (a council's own run), both leave the page as it was.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from cpmetrics.disclosure import HIDDEN
from cpmetrics.measures import (
    ended,
    ended_2y_plus,
    on_plan,
    on_plan_2y_plus,
    on_plan_second_or_subsequent,
    starts,
    starts_dv,
    starts_second_or_subsequent,
)
from cpmetrics.narrative import compare
from cpmetrics.pathway import icpc_within_15_days, reviews_in_time
from cpmetrics.periods import Period
from cpmetrics.pooling import pool
from cpmetrics.tables import Tables

#: the headline table's rows (`summary.headline_table`'s measure labels) -> region_now's keys
#: (the keys of `cpmetrics metrics`, so metrics.json and the index can place them too)
ROWS: dict[str, str] = {
    "Children on a plan": "on_plan",
    "Children on a plan per 10,000 children": "rate_per_10k",
    "Children on a plan: second or subsequent plan": "on_plan_second_or_subsequent",
    "Plans started: second or subsequent plan": "starts_second_or_subsequent",
    "Children on a plan: 2 years or more": "on_plan_2y_plus",
    "Plans ended: lasted 2 years or more": "ended_2y_plus",
    "Plans started: linked to domestic violence/abuse": "starts_dv",
    "Initial conferences within 15 working days of the enquiry": "icpc_within_15_days",
    "Children on a plan 3 months or more: reviewed in time": "reviews_in_time",
}
#: the headline table's column for the region now, and where it goes (after England's)
COLUMN = "region_now"
AFTER = "england_value"
#: `show_table(..., labels=LABELS)`: the column is disclosure-controlled by `beside` already (a
#: pooled figure resting on a small count is shown as [c]), not by the council's own counts
LABELS = (COLUMN,)


def region_now(tables_by_la: Mapping[str, Tables], period: Period, name: str = "Region",
               pooled: Tables | None = None) -> dict:
    """The pooled region's headline figures for `period` (the same definitions as a council's):
    keys `region` (its name), `label` ("North West, 3 councils pooled"), `councils` (LA numbers),
    `period_start`, `period_end` and `figures`, keyed as `cpmetrics metrics` (and a pack's
    index) key them: `on_plan` (children), `starts`, `ended` (plans), `rate_per_10k` (per
    10,000 of the councils' children aged 0-17; None if a council's population is not
    shipped) and each share as `{n, of, pct}` (None where a council's source cannot give it).
    Raw figures: `beside` and `paragraphs` apply disclosure control, and `metrics.json` must
    pass them through `disclosure.suppress_metrics` (which keeps every key but the counts)."""
    from cpmetrics.population import round1
    from cpmetrics.regional import child_population

    pooled = pooled if pooled is not None else pool(tables_by_la)
    d = period.end
    pops = [child_population(la, d) for la in tables_by_la]
    n_on_plan = on_plan(pooled.plans, d)
    rate = None if any(p is None for p in pops) or not sum(pops) \
        else round1(n_on_plan / sum(pops) * 10_000)

    def share(p):
        return None if p is None else p.as_dict()

    figures = {
        "on_plan": n_on_plan,
        "rate_per_10k": rate,
        "on_plan_second_or_subsequent": share(on_plan_second_or_subsequent(pooled.plans, d)),
        "starts_second_or_subsequent": share(starts_second_or_subsequent(pooled.plans, period)),
        "on_plan_2y_plus": share(on_plan_2y_plus(pooled.plans, d)),
        "starts": starts(pooled.plans, period),
        "ended": ended(pooled.plans, period),
        "ended_2y_plus": share(ended_2y_plus(pooled.plans, period)),
        "starts_dv": share(starts_dv(pooled, period)),
        "icpc_within_15_days": share(icpc_within_15_days(pooled, period)),
        "reviews_in_time": share(reviews_in_time(pooled, d)),
    }
    n = len(tables_by_la)
    return {"region": name, "label": f"{name}, {n} council{'s' if n != 1 else ''} pooled",
            "councils": sorted(str(la) for la in tables_by_la),
            "period_start": period.start.date().isoformat(),
            "period_end": d.date().isoformat(), "figures": figures}


def _small(v: object, threshold: int) -> bool:
    return isinstance(v, int) and not isinstance(v, bool) and 0 < v < threshold


def figure(region: Mapping, key: str, threshold: int | None = None) -> float | str | None:
    """One of the region's figures in its row's unit, to 1 dp (a count whole): None where there
    is none, `[c]` where it rests on a count from 1 to threshold-1."""
    v = region["figures"].get(key)
    if v is None:
        return None
    t = threshold
    if isinstance(v, Mapping):
        if t is not None and (_small(v.get("n"), t) or _small(v.get("of"), t)):
            return HIDDEN
        return None if v.get("pct") is None else round(float(v["pct"]), 1)
    if key == "rate_per_10k":
        hidden = t is not None and _small(region["figures"].get("on_plan"), t)
        return HIDDEN if hidden else round(float(v), 1)
    return HIDDEN if t is not None and _small(v, t) else v


def beside(headline: pd.DataFrame, region: Mapping | None, threshold: int | None = None
           ) -> pd.DataFrame:
    """The headline table with the column "The region now" after England's (each row's pooled
    figure, `figure`); unchanged when `region` is None (a council's own run). Show it with
    `show_table(..., labels=LABELS)`."""
    if region is None:
        return headline
    values = [figure(region, ROWS[m], threshold) if m in ROWS else None
              for m in headline["measure"]]
    out = headline.copy()
    at = list(out.columns).index(AFTER) + 1 if AFTER in out else len(out.columns)
    out.insert(at, COLUMN, pd.Series(values, index=out.index, dtype=object))
    out.attrs["region_now"] = region.get("label")
    return out


def paragraphs(headline: pd.DataFrame, region: Mapping | None, threshold: int = 5
               ) -> list[str]:
    """How the council stands against the region now, in a sentence (none when `region` is
    None): each headline share the council and the region can both show, "higher than",
    "lower than" or "about the same as" the region's, with both figures."""
    if region is None:
        return []
    parts = []
    for _, row in headline.iterrows():
        key = ROWS.get(row["measure"])
        theirs = figure(region, key, threshold) if key else None
        if key in (None, "on_plan") or theirs is None or theirs == HIDDEN:
            continue
        mine = row["value"]
        n, of = row["n"], row["of"]
        if pd.isna(mine) or any(pd.notna(c) and 0 < int(c) < threshold for c in (n, of)):
            continue
        unit = "" if key == "rate_per_10k" else "%"
        mine, theirs = float(mine), float(theirs)
        parts.append(f"{row['measure'][0].lower()}{row['measure'][1:]}, {mine:.1f}{unit}, "
                     f"{compare(mine, theirs)} the region's {theirs:.1f}{unit}")
    end = pd.Timestamp(region["period_end"])
    period = f"{end.day} {end:%B %Y}"
    if not parts:
        return [f"The region now ({region['label']}, at {period}): no figure of this council's "
                "and the region's can be compared without revealing small numbers."]
    return [f"Against the region now ({region['label']}, the same months' data to {period}): "
            f"{'; '.join(parts)}."]
