"""A region's councils side by side on this period's data, against the pooled region.

The regional pack's questions, each answered from the councils' own tables
(`{la: Tables}`) and the region pooled from them (`cpmetrics.pooling`), never
from DfE figures a year and a half old:

- every council and the region on the headline measures (`figures`,
  `side_by_side`): on a plan now and per 10,000 children, plans started in the
  year to date, the re-plan share, plans ended after 2 years or more, initial
  conferences within 15 working days, reviews in time, domestic abuse at start;
- which councils are out of the ordinary for their size (`funnel`): a funnel of
  the councils around the pooled region's figure, with 95% and 99.8% limits;
- the region's months on an SPC chart (`region_spc`);
- the region's own published figures and England's beside the pooled region
  (`published_context`).

Everything here is aggregate; what leaves in a pack goes through the same
disclosure control as a council's (`DEPENDS`, `FUNNEL_DISCLOSURE`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from cpmetrics.measures import (
    ended_2y_plus,
    on_plan,
    starts,
    starts_dv,
    starts_second_or_subsequent,
)
from cpmetrics.narrative import count, pct, suppressed
from cpmetrics.pathway import icpc_within_15_days, reviews_in_time
from cpmetrics.periods import DateLike, Period, as_date
from cpmetrics.pooling import pool
from cpmetrics.proportion import Proportion
from cpmetrics.stats import funnel_table
from cpmetrics.tables import Tables

#: each share of the side-by-side table: its column prefix, what it is and the counts' names
SHARES: dict[str, tuple[str, str, str]] = {
    "replan": ("Plans started that were second or subsequent", "re-plans", "plans started"),
    "ended_2y": ("Plans ended that had lasted 2 years or more", "plans of 2 years or more",
                 "plans ended"),
    "icpc_15": ("Initial conferences within 15 working days", "conferences within 15 days",
                "conferences held"),
    "reviews": ("Children on a plan 3 months or more: reviewed in time",
                "children reviewed in time", "children on a plan 3 months or more"),
    "dv": ("Plans started linked to domestic violence/abuse", "plans linked to domestic abuse",
           "plans started"),
}
#: the side-by-side table's columns, in order
COLUMNS = ["la", "council", "on_plan", "rate_per_10k", "starts",
           *(f"{p}_{s}" for p in SHARES for s in ("n", "of", "pct"))]
#: the counts each figure of the side-by-side table rests on (`show_table(..., depends=DEPENDS)`)
DEPENDS: dict[str, tuple[str, ...]] = {
    "rate_per_10k": ("on_plan",),
    **{f"{p}_pct": (f"{p}_n", f"{p}_of") for p in SHARES},
}
#: the funnel measures: what is counted (n of `of`) and how the figure is scaled
FUNNELS: dict[str, tuple[str, str, float]] = {
    # key: (what, unit, scale from a proportion)
    "replan": ("Plans started that were re-plans", "%", 100.0),
    "rate_per_10k": ("Children on a plan per 10,000 children", "per 10,000", 10_000.0),
}
#: how `disclosure.suppress_table` reads a funnel table (`show_table(..., **FUNNEL_DISCLOSURE)`)
FUNNEL_DISCLOSURE: dict[str, tuple[str, ...]] = {
    "derived": ("value", "lower_95", "upper_95", "lower_99_8", "upper_99_8"),
    "labels": ("target",),
}


@dataclass(frozen=True)
class UnitFigures:
    """One council's (or the pooled region's) headline figures for a period.

    `population` is the ONS estimate of children aged 0-17 DfE divides by for
    the period's year (None where it is not shipped); a share a source cannot
    give (no assessments, no section 47 data, no reviews) is None.
    """

    la: str
    name: str
    on_plan: int
    population: float | None
    starts: int
    replan: Proportion
    ended_2y: Proportion
    icpc_15: Proportion | None
    reviews: Proportion | None
    dv: Proportion | None

    @property
    def rate_per_10k(self) -> float | None:
        """Children on a plan per 10,000 children aged 0-17, to 1 dp as DfE gives it."""
        from cpmetrics.population import round1

        return round1(self.on_plan / self.population * 10_000) if self.population else None

    def share(self, prefix: str) -> Proportion | None:
        return getattr(self, prefix)


def child_population(la: str, at: DateLike) -> float | None:
    """ONS children aged 0-17 in the council that DfE divides a figure at `at` by (mid-year
    T-1 for the year ending 31 March T); None when not shipped."""
    from cpmetrics.population import mid_year_for, population, year_ending

    try:
        return population(la, mid_year_for(year_ending(as_date(at))))
    except Exception:  # a council unknown to the shipped tables: no rate
        return None


def unit_figures(tables: Tables, period: Period, la: str, name: str,
                 population: float | None) -> UnitFigures:
    """The headline figures of one council (or the pooled region) for the period: on a plan at
    its end, starts and shares over it (the year to date for `Period.ending`)."""
    d = period.end
    return UnitFigures(
        la=str(la), name=name, on_plan=on_plan(tables.plans, d), population=population,
        starts=starts(tables.plans, period),
        replan=starts_second_or_subsequent(tables.plans, period),
        ended_2y=ended_2y_plus(tables.plans, period),
        icpc_15=icpc_within_15_days(tables, period),
        reviews=reviews_in_time(tables, d),
        dv=starts_dv(tables, period),
    )


def region_label(name: str, councils: int) -> str:
    """The pooled region's row: "North West (pooled, 3 councils)"."""
    return f"{name} (pooled, {councils} council{'s' if councils != 1 else ''})"


def figures(tables_by_la: Mapping[str, Tables], period: Period,
            names: Mapping[str, str] | None = None, region_name: str = "Region",
            pooled: Tables | None = None, region_code: str | None = None) -> list[UnitFigures]:
    """Every council's figures in LA order, then the pooled region's (last).

    `names` gives each council's name (default its LA number); `pooled` the
    region's pooled tables if already made (`pooling.pool`). The region's
    population is the sum of its councils' (None if any is missing), so its
    rate is pooled children on a plan per 10,000 of the councils' children.
    """
    names = dict(names or {})
    out = []
    for la in sorted(tables_by_la):
        out.append(unit_figures(tables_by_la[la], period, la, names.get(la, str(la)),
                                child_population(la, period.end)))
    pops = [u.population for u in out]
    region_pop = None if any(p is None for p in pops) else float(sum(pops))
    pooled = pooled if pooled is not None else pool(tables_by_la)
    out.append(unit_figures(pooled, period, region_code or "",
                            region_label(region_name, len(tables_by_la)), region_pop))
    return out


def side_by_side(units: Sequence[UnitFigures]) -> pd.DataFrame:
    """One row per council and the pooled region (as `figures` orders them): on a plan, the
    rate per 10,000, starts, and each share of `SHARES` as n, of and %. A share the council's
    data cannot give is blank, never zero. Show with `show_table(..., depends=DEPENDS)`."""
    rows = []
    for u in units:
        row = {"la": u.la, "council": u.name, "on_plan": u.on_plan,
               "rate_per_10k": u.rate_per_10k, "starts": u.starts}
        for p in SHARES:
            s = u.share(p)
            row |= {f"{p}_n": s.n if s else None, f"{p}_of": s.of if s else None,
                    f"{p}_pct": s.pct if s else None}
        rows.append(row)
    out = pd.DataFrame(rows, columns=COLUMNS)
    for c in ("la", "council"):
        out[c] = out[c].astype("string")
    for c in ("on_plan", "starts", *(f"{p}_{s}" for p in SHARES for s in ("n", "of"))):
        out[c] = out[c].astype("Int64")
    for c in ("rate_per_10k", *(f"{p}_pct" for p in SHARES)):
        out[c] = out[c].astype("float64")
    return out


def funnel(units: Sequence[UnitFigures], measure: str = "replan") -> pd.DataFrame:
    """Each council (not the region) on a funnel around the pooled region's figure.

    `measure` is a key of `FUNNELS`: "replan" (re-plans of plans started, %) or
    "rate_per_10k" (children on a plan of the councils' children, per 10,000).
    The limits are `stats.funnel_table`'s: the Wilson interval of the region's
    proportion at each council's denominator, at 95% and 99.8%. Columns: `la`,
    `council`, `n`, `of`, `value`, the four limits and `target` in the measure's
    unit, and `position` ("above 95% limit"...). `attrs`: measure, what, unit,
    target, region.
    """
    if measure not in FUNNELS:
        raise ValueError(f"no regional funnel for {measure!r}: one of {', '.join(FUNNELS)}")
    what, unit, scale = FUNNELS[measure]
    *councils, region = units
    if measure == "replan":
        n = [u.replan.n for u in councils]
        of = [u.replan.of for u in councils]
        rn, rof = region.replan.n, region.replan.of
    else:
        n = [u.on_plan for u in councils]
        of = [u.population for u in councils]
        rn, rof = region.on_plan, region.population
    points = pd.DataFrame({"la": pd.array([u.la for u in councils], dtype="string"),
                           "council": pd.array([u.name for u in councils], dtype="string"),
                           "n": pd.array(n, dtype="Int64"),
                           "of": pd.array([None if x is None else round(x) for x in of],
                                          dtype="Int64")})
    target = 100 * rn / rof if rof else None
    if target is None:
        table = points.assign(value=float("nan"), lower_95=float("nan"), upper_95=float("nan"),
                              lower_99_8=float("nan"), upper_99_8=float("nan"),
                              target=float("nan"), position=pd.NA)
    else:
        table = funnel_table(points, target)
        factor = scale / 100  # funnel_table works in %
        for c in ("pct", "lower_95", "upper_95", "lower_99_8", "upper_99_8", "target_pct"):
            table[c] = table[c] * factor
        table = table.rename(columns={"pct": "value", "target_pct": "target"})
    cols = ["la", "council", "n", "of", "value", "lower_95", "upper_95", "lower_99_8",
            "upper_99_8", "target", "position"]
    out = table[cols].copy()
    out["position"] = out["position"].astype("string")
    out.attrs.update({"measure": measure, "what": what, "unit": unit,
                      "target": None if target is None else target * scale / 100,
                      "region": region.name})
    return out


def _small(row: pd.Series, threshold: int | None) -> bool:
    """True when a funnel row's count or denominator is from 1 to threshold-1 (suppressed)."""
    return threshold is not None and any(
        pd.notna(row[c]) and 0 < int(row[c]) < threshold for c in ("n", "of"))


def outside(funnel_rows: pd.DataFrame, threshold: int | None = None) -> list[str]:
    """The councils outside the 95% limits, as "Bolton (above 99.8% limit)", in table order.

    With `threshold`, a council whose count or denominator is from 1 to
    threshold-1 is left out (its figure is suppressed, so its position is too).
    """
    return [f"{r['council']} ({r['position']})" for _, r in funnel_rows.iterrows()
            if pd.notna(r["position"]) and r["position"] != "within 95% limits"
            and not _small(r, threshold)]


def _value(v: float | None, unit: str) -> str:
    if v is None or pd.isna(v):
        return "not available"
    return f"{v:.1f}%" if unit == "%" else f"{v:.1f} per 10,000"


def funnel_sentence(funnel_rows: pd.DataFrame, threshold: int | None = None) -> str:
    """The funnel's finding in words: which councils lie outside the region's 95% limits."""
    a = funnel_rows.attrs
    what, unit = a["what"].lower(), a["unit"]
    target = _value(a.get("target"), unit)
    if a.get("target") is None:
        return f"The region has no figure for {what} this period, so no funnel can be drawn."
    out = outside(funnel_rows, threshold)
    hidden = sum(1 for _, r in funnel_rows.iterrows()
                 if pd.isna(r["position"]) or _small(r, threshold))
    tail = (f" Not placed: {hidden} council{'s' if hidden != 1 else ''} whose figure is "
            "suppressed (small numbers) or has nothing to count." if hidden else "")
    if not out:
        return (f"Every council's {what} lies within the 95% limits around the region's "
                f"{target}: no council is out of the ordinary for its size.{tail}")
    return (f"Against the region's {target}, {len(out)} of {len(funnel_rows)} councils lie "
            f"outside the 95% limits for {what}: {'; '.join(out)}.{tail}")


def region_spc(tables_by_la: Mapping[str, Tables], pooled: Tables, end: DateLike, measure: str,
               **options) -> pd.DataFrame:
    """The pooled region's XmR chart of one monthly measure (`spc.monthly`), over the months
    every council's data cover: from the latest of the councils' first dates, so that no
    council's plans are missing from the region's early months."""
    from cpmetrics.coverage import first_date
    from cpmetrics.spc import MONTHS, monthly

    d = as_date(end)
    last = d + pd.offsets.MonthEnd(0)
    if last != d:
        last = last - pd.offsets.MonthEnd(1)
    months = options.pop("months", MONTHS)
    firsts = [f for f in (first_date(t) for t in tables_by_la.values()) if f is not None]
    if firsts:
        first = max(firsts) + pd.offsets.MonthEnd(0)
        months = max(1, min(months, len(pd.date_range(first, last, freq="ME"))))
    return monthly(pooled, end, measure, months=months, **options)


#: the published context's rows: a key of `UnitFigures`' figures, the published measure, the label
PUBLISHED_ROWS: tuple[tuple[str, str, str, str], ...] = (
    ("rate_per_10k", "on_plan_rate_per_10k", "Children on a plan per 10,000 children",
     "per 10,000"),
    ("replan", "starts_second_or_subsequent_pct", "Plans started: second or subsequent plan",
     "%"),
    ("on_plan_2y", "on_plan_2y_plus_pct", "Children on a plan: 2 years or more", "%"),
    ("ended_2y", "ended_2y_plus_pct", "Plans ended: lasted 2 years or more", "%"),
    ("icpc_15", "icpc_within_15_days_pct",
     "Initial conferences within 15 working days of the enquiry", "%"),
    ("reviews", "reviews_in_time_pct", "Children on a plan 3 months or more: reviewed in time",
     "%"),
)
PUBLISHED_COLUMNS = ["measure", "unit", "n", "of", "value", "ci_low", "ci_high",
                     "published_region", "england_value", "published_year"]
#: how `disclosure.suppress_table` reads `published_context` (the published columns are labels)
PUBLISHED_DEPENDS = {"value": ("n", "of"), "ci_low": ("n", "of"), "ci_high": ("n", "of")}


def published_figures(code: str | None, measure: str, at: DateLike) -> dict:
    """The region's (DfE region code `code`) and England's published figure for one measure in
    the year to compare with at `at` (`comparison.comparison_year`: the latest out by then).
    Keys `year` (time_period), `year_label`, `region`, `england`; None where unpublished."""
    from cpmetrics.benchmarks import ENGLAND, published_measure, year_label
    from cpmetrics.comparison import comparison_year

    year = comparison_year(at, measure)
    v = published_measure(measure)
    v = v[v["time_period"] == year].set_index("area")["value"]

    def get(area: str | None) -> float | None:
        x = v.get(area) if area else None
        return None if x is None or pd.isna(x) else float(x)

    return {"year": year, "year_label": year_label(year), "region": get(code),
            "england": get(ENGLAND)}


def published_context(region: UnitFigures, pooled: Tables, period: Period,
                      region_code: str | None) -> pd.DataFrame:
    """The pooled region this period beside the region's own published figure (DfE region code
    `region_code`; None for a group of councils that is no DfE region) and England's, in the
    latest year published by the period's end. One row per measure of `PUBLISHED_ROWS`: `n`,
    `of`, `value` with its 95% Wilson interval, `published_region`, `england_value`,
    `published_year`. Show with `show_table(..., depends=PUBLISHED_DEPENDS)`."""
    from cpmetrics.measures import on_plan_2y_plus

    rows = []
    for key, measure, label, unit in PUBLISHED_ROWS:
        pub = published_figures(region_code, measure, period.end)
        if key == "rate_per_10k":
            p, value = None, region.rate_per_10k
            n, of = region.on_plan, None
        else:
            p = on_plan_2y_plus(pooled.plans, period.end) if key == "on_plan_2y" \
                else region.share(key)
            value = p.pct if p is not None else None
            n, of = (p.n, p.of) if p is not None else (None, None)
        ci = p.wilson() if p is not None else None
        rows.append({"measure": label, "unit": unit, "n": n, "of": of, "value": value,
                     "ci_low": ci[0] if ci else None, "ci_high": ci[1] if ci else None,
                     "published_region": pub["region"], "england_value": pub["england"],
                     "published_year": pub["year_label"]})
    out = pd.DataFrame(rows, columns=PUBLISHED_COLUMNS)
    for c in ("measure", "unit", "published_year"):
        out[c] = out[c].astype("string")
    for c in ("n", "of"):
        out[c] = out[c].astype("Int64")
    for c in ("value", "ci_low", "ci_high", "published_region", "england_value"):
        out[c] = out[c].astype("float64")
    return out


def region_code_of(name: str, code: str | None = None) -> str | None:
    """The DfE region code to compare with: `code` (region.yaml's) if given, else the code of a
    DfE region named `name`, else None (a group of councils that is no DfE region)."""
    if code:
        return code
    from cpmetrics.errors import InputError
    from cpmetrics.region import region_code

    try:
        return region_code(name)
    except InputError:
        return None


def load_region(folder: str | Path) -> tuple[object, dict[str, Tables]]:
    """The region in `folder` (`region.read_region`: strict) and each council's loaded tables,
    keyed by LA number in LA order. A council whose data cannot be read raises its InputError."""
    from cpmetrics.region import read_region
    from cpmetrics.sources import load

    region = read_region(folder)
    return region, {c.la: load(c.data) for c in region.councils}


def _share_words(p: Proportion | None, threshold: int) -> str:
    if p is None:
        return "not available"
    if not p.of:
        return "none to count"
    if suppressed(p, threshold):
        return f"{count(p.n, threshold)} of {count(p.of, threshold)}"
    return f"{pct(p.pct)} ({p.n:,} of {p.of:,})"


def _range_words(units: Sequence[UnitFigures], prefix: str, threshold: int) -> str:
    """ "from 18.2% in Bury to 31.0% in Bolton" over councils whose share may be shown."""
    shown = [(u.share(prefix).pct, u.name) for u in units
             if u.share(prefix) is not None and u.share(prefix).of
             and not suppressed(u.share(prefix), threshold)]
    if len(shown) < 2:
        return ""
    lo, hi = min(shown), max(shown)
    return f", from {pct(lo[0])} in {lo[1]} to {pct(hi[0])} in {hi[1]}"


def paragraphs(units: Sequence[UnitFigures], period: Period, threshold: int = 5,
               funnels: Sequence[pd.DataFrame] = ()) -> list[str]:
    """The regional pack's summary in sentences: the region now, the spread between councils,
    and the funnels' findings (disclosure-controlled: small counts read "fewer than 5")."""
    *councils, region = units
    d = f"{period.end.day} {period.end:%B %Y}"
    rate = region.rate_per_10k
    first = (f"At {d}, {count(region.on_plan, threshold)} children were on a child protection "
             f"plan across the {len(councils)} councils of {region.name.split(' (pooled')[0]}"
             + (f", {rate:.1f} per 10,000 children" if rate is not None
                and not 0 < region.on_plan < threshold else "") + ".")
    second = (f"From {period.start.day} {period.start:%B %Y}, {count(region.starts, threshold)} "
              f"plans started; {_share_words(region.replan, threshold)} were second or subsequent "
              f"plans{_range_words(councils, 'replan', threshold)}.")
    third = (f"Of the plans that ended, {_share_words(region.ended_2y, threshold)} had lasted "
             f"2 years or more{_range_words(councils, 'ended_2y', threshold)}.")
    out = [first, second, third]
    if region.icpc_15 is not None or region.reviews is not None:
        out.append(f"Initial conferences within 15 working days: "
                   f"{_share_words(region.icpc_15, threshold)}"
                   f"{_range_words(councils, 'icpc_15', threshold)}; children on a plan 3 months "
                   f"or more reviewed in time: {_share_words(region.reviews, threshold)}"
                   f"{_range_words(councils, 'reviews', threshold)}.")
    out += [funnel_sentence(f, threshold) for f in funnels]
    return out


def council_names(region: object) -> dict[str, str]:
    """{LA number: name} of a `region.Region`'s councils."""
    return {c.la: c.name for c in region.councils}
