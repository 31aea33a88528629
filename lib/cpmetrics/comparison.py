"""Local figures set out as tables, beside the published neighbours' and England's figures.

Two things every analysis notebook needs: a row per proportion with its 95%
Wilson interval, and the published figure to compare it with. "Published"
means what a council could have read on its reporting date: DfE releases the
year ending 31 March T in the autumn of T (taken here as 1 November), so a
pack for September 2018 compares with 2016-17, as a scrutiny report written
then did. Where a table starts later than that year (C3 begins in 2017-18),
the earliest published year is used and its label says so.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pandas as pd

from cpmetrics.periods import DateLike, as_date
from cpmetrics.proportion import Proportion
from cpmetrics.ranking import LOWER, NEITHER

#: month in which DfE's Children in need release for the year just ended is taken as published
PUBLICATION_MONTH = 11


def proportion_rows(rows: Mapping[str, Proportion | None], label: str = "measure") -> pd.DataFrame:
    """One row per proportion: n, of, pct and its 95% Wilson interval (pct columns in %).

    A missing proportion (None: the source has no such data) is a row of blanks, never zeros.
    """
    out = []
    for name, p in rows.items():
        if p is None:
            out.append({label: name, "n": pd.NA, "of": pd.NA, "pct": None, "ci_low": None,
                        "ci_high": None})
            continue
        ci = p.wilson()
        out.append({label: name, "n": p.n, "of": p.of, "pct": p.pct,
                    "ci_low": ci[0] if ci else None, "ci_high": ci[1] if ci else None})
    df = pd.DataFrame(out, columns=[label, "n", "of", "pct", "ci_low", "ci_high"])
    df[label] = df[label].astype("string")
    for c in ("n", "of"):
        df[c] = df[c].astype("Int64")
    for c in ("pct", "ci_low", "ci_high"):
        df[c] = df[c].astype("float64")
    return df


def latest_published_year(at: DateLike) -> int:
    """DfE `time_period` of the latest Children in need release out by `at` (2018-09-30 -> 2017)."""
    d = as_date(at)
    return d.year if d.month >= PUBLICATION_MONTH else d.year - 1


def _values(measure: str) -> pd.DataFrame:
    from cpmetrics.benchmarks import published_measure

    return published_measure(measure)


def comparison_year(at: DateLike, measure: str) -> int:
    """The published year to compare with at `at`: the latest out by then, within the table."""
    from cpmetrics.benchmarks import ENGLAND

    v = _values(measure)
    years = sorted(v.loc[(v["area"] == ENGLAND) & v["value"].notna(), "time_period"].unique())
    want = latest_published_year(at)
    if not years:
        return want
    earlier = [y for y in years if y <= want]
    return int(earlier[-1] if earlier else years[0])


def neighbours(la: str, year: int, sn_grouping: str | None = None) -> tuple[list[str], str]:
    """The council's statistical neighbours (DfE numbers) and the grouping's name.

    `sn_grouping` None or "auto" (as params files say): the grouping in force
    that year; otherwise a key of `benchmarks.GROUPINGS` ("april_2021",
    "may_2025") to use instead.
    """
    from cpmetrics import benchmarks as b

    if sn_grouping in (None, "auto"):
        nb = b.statistical_neighbours(la, year)
        return [str(x) for x in nb["la"]], str(nb.attrs["grouping"])
    g = {x.key: x for x in b.GROUPINGS}[sn_grouping]
    table = b._grouping_table(g.file)
    mine = table[table["la"] == b.lookup_la(la).dfe_number].sort_values("rank")
    return [str(x) for x in mine["neighbour"]], g.name


def neighbours_label(pub: dict) -> str:
    """How many neighbours a `published_figure` mean rests on: "10 of 10", "none of 10
    published", or "not available" when the neighbours could not be found (never "0 of 0")."""
    if not pub.get("neighbours_of"):
        return "not available"
    if not pub.get("neighbours_n"):
        return f"none of {pub['neighbours_of']} published"
    return f"{pub['neighbours_n']} of {pub['neighbours_of']}"


def neighbours_area(pub: dict) -> str:
    """The neighbours' row label: "Statistical neighbours' mean, 2016-17 (10 of 10)"."""
    year = f", {pub['year_label']}" if pub.get("year_label") else ""
    return f"Statistical neighbours' mean{year} ({neighbours_label(pub)})"


def published_figure(la: str, measure: str, at: DateLike, sn_grouping: str | None = None,
                     comparators: Sequence[str | int] = ()) -> dict:
    """Neighbours' mean and England for one published measure, in the year to compare with at `at`.

    Keys: `year` (time_period), `year_label` ("2016-17"), `neighbours`
    (plain mean of the published values, suppressed ones left out),
    `neighbours_n`, `neighbours_of`, `grouping`, `england`, `comparators`
    (one dict per named council, in order: `la`, `name`, `value`, `marker`,
    `rank`, `band`; see `comparator_figures`), `note` (why a figure is
    missing). Values are None when unpublished or unavailable; they never
    become zero.
    """
    from cpmetrics import benchmarks as b

    out = {"measure": measure, "year": None, "year_label": None, "neighbours": None,
           "neighbours_n": 0, "neighbours_of": 0, "grouping": None, "england": None,
           "comparators": [], "note": None}
    try:
        year = comparison_year(at, measure)
        out.update(year=year, year_label=b.year_label(year))
        v = _values(measure)
        v = v[v["time_period"] == year].set_index("area")["value"]
        eng = v.get(b.ENGLAND)
        out["england"] = None if eng is None or pd.isna(eng) else float(eng)
        codes, grouping = neighbours(la, year, sn_grouping)
        vals = [v.get(c) for c in codes]
        mean, n = b.neighbours_mean([None if x is None or pd.isna(x) else float(x) for x in vals])
        out.update(neighbours=mean, neighbours_n=n, neighbours_of=len(codes), grouping=grouping)
        out["comparators"] = comparator_figures(comparators, measure, year)
    except Exception as exc:  # benchmarks unavailable for this council or year: say so, go on
        out["note"] = str(exc)
    return out


def comparator_figures(comparators: Sequence[str | int], measure: str, year: int) -> list[dict]:
    """Each named council's published figure for one measure and year, in the order given:
    `la` (DfE number), `name`, `value` (None when not published), `marker` (why not), `rank`,
    `of` and `band` (`ranking.standing`). A name that is not a council raises InputError."""
    from cpmetrics.benchmarks import resolve_comparators
    from cpmetrics.ranking import standing

    out = []
    for c in resolve_comparators(comparators, year):
        s = standing(c.dfe_number, measure, year)
        out.append({"la": c.dfe_number, "name": c.name, "value": s.value, "marker": s.marker,
                    "rank": s.rank, "of": s.of, "band": s.band})
    return out


def comparator_lines(pub: dict) -> dict[str, float | None]:
    """A `published_figure`'s comparators as {name: value}, what the charts' `comparators=`
    takes (a council with no published value keeps its name with None: the chart says so)."""
    return {c["name"]: c["value"] for c in pub.get("comparators", [])}


def comparators_at(comparators: Sequence[str | int], measure: str, at: DateLike
                   ) -> dict[str, float | None]:
    """Named councils' published figures for one measure in the year to compare with at `at`, as
    {name: value} for the charts' `comparators=` (empty without comparators)."""
    if not comparators:
        return {}
    return comparator_lines({"comparators": comparator_figures(
        comparators, measure, comparison_year(at, measure))})


def published_standing(la: str, measure: str, at: DateLike) -> dict:
    """Where the council stands nationally on a published measure, in the year to compare with at
    `at` (`comparison_year`): LAIT's rank and quartile band, and the change since the year before.

    Keys: `measure`, `year`, `year_label`, `polarity` ("higher is better",
    "lower is better", "neither"), `value` (the council's published figure),
    `rank`, `of` (councils ranked), `band` (A best to D), `rank_text`
    ("91st of 152", "-" for a measure that is neither), `change` (this
    year's value minus last year's), `direction` ("better", "worse", "no
    change"; "up"/"down" for a measure that is neither), `previous_rank`,
    `previous_of`, `previous_band`, `note` (why a figure is missing). Never
    raises: a figure that cannot be had is None and `note` says why.
    """
    from cpmetrics import benchmarks as b
    from cpmetrics.ranking import standing

    out = {"measure": measure, "year": None, "year_label": None, "polarity": None,
           "value": None, "rank": None, "of": None, "band": None, "rank_text": None,
           "change": None, "direction": None, "previous_rank": None, "previous_of": None,
           "previous_band": None, "note": None}
    try:
        year = comparison_year(at, measure)
        out.update(year=year, year_label=b.year_label(year))
        s = standing(la, measure, year)
        out.update(polarity=s.polarity, value=s.value, rank=s.rank, of=s.of, band=s.band,
                   rank_text=s.rank_text(), change=s.change, direction=s.direction,
                   previous_rank=s.previous_rank, previous_of=s.previous_of,
                   previous_band=s.previous_band)
    except Exception as exc:  # benchmarks unavailable for this council or year: say so, go on
        out["note"] = str(exc)
    return out


@dataclass(frozen=True)
class Gap:
    """How many children a share's gap to a published figure comes to (`gap_in_children`)."""

    n: int
    of: int
    target_pct: float
    polarity: str
    #: n that the target share would have given: of x target / 100, unrounded
    expected: float
    #: |n - expected| rounded for reading: whole numbers below 100, then to the nearest 10
    children: int
    #: what matching the target takes: "fewer" (n is above the target's), "more" (below), or
    #: None when the gap rounds to no child
    direction: str | None
    #: True when the council is on the good side of the target already, None for "neither"
    better: bool | None
    #: the counts are small: no figure may be given (disclosure control)
    suppressed: bool = False

    @property
    def pct(self) -> float:
        return 100 * self.n / self.of

    def sentence(self, target: str = "the neighbours'", *, items: str = "plans",
                 counted: str = "re-plans", when: str = "this year's",
                 threshold: int = 5) -> str:
        """The gap in words, e.g. "To match the neighbours' 19.8%, about 24 fewer of this
        year's 261 plans would have been re-plans (76 were, 29.1%)." Never a negative count:
        a council already on the good side of the target is told so."""
        if self.suppressed:
            return (f"With fewer than {threshold} {counted} or {items}, the gap to {target} "
                    f"{self.target_pct:.1f}% is not given.")
        now = f"{self.n:,} of {when} {self.of:,} {items} were {counted} ({self.pct:.1f}%)"
        if self.direction is None:
            return f"{now[0].upper()}{now[1:]}, in line with {target} {self.target_pct:.1f}%."
        about = "about one" if self.children == 1 else f"about {self.children:,}"
        if self.better:
            side = "below" if self.polarity == LOWER else "above"
            than = "more" if self.direction == "fewer" else "fewer"  # n against the target's
            return (f"{now[0].upper()}{now[1:]}: already {side} {target} "
                    f"{self.target_pct:.1f}%, {about} {than} than that share would give.")
        return (f"To match {target} {self.target_pct:.1f}%, {about} {self.direction} of "
                f"{when} {self.of:,} {items} would have been {counted} "
                f"({self.n:,} were, {self.pct:.1f}%).")


def _nearest(x: float) -> int:
    """Half away from zero (2.5 -> 3), to a whole number below 100 and to 10 from 100."""
    step = 1 if x < 99.5 else 10
    return int(math.floor(x / step + 0.5)) * step


def gap_in_children(n: int, of: int, target_pct: float | None, polarity: str = LOWER, *,
                    threshold: int | None = None) -> Gap | None:
    """The council's share n/of against a published share (the neighbours' mean, England) as a
    number of children: how many fewer (or more) of the `of` would have been counted at the
    target share. For the narrative: "to match the neighbours' 19.8%, about 24 fewer of this
    year's 261 plans would have been re-plans".

    `polarity` (`ranking.HIGHER`, `LOWER`, `NEITHER`) says which side is good, so a council
    already better than the target is told so rather than given a negative count. None when
    there is nothing to compare (no `of`, no target). With `threshold` (a pack's suppression
    threshold), a numerator or denominator from 1 to threshold-1 gives a suppressed gap: its
    sentence gives no figure.
    """
    if not of or target_pct is None or pd.isna(target_pct):
        return None
    expected = of * float(target_pct) / 100
    diff = n - expected
    children = _nearest(abs(diff))
    direction = None if children == 0 else ("fewer" if diff > 0 else "more")
    better = None
    if direction is not None and polarity != NEITHER:
        better = (diff < 0) == (polarity == LOWER)
    small = threshold is not None and (0 < n < threshold or 0 < of < threshold)
    return Gap(n=int(n), of=int(of), target_pct=float(target_pct), polarity=polarity,
               expected=expected, children=children, direction=direction, better=better,
               suppressed=small)
