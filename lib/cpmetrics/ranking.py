"""Where a council stands nationally on a published measure: rank and quartile band, as LAIT.

DfE's Local Authority Interactive Tool (LAIT) shows, for a council and a
measure, its "Latest National Rank" and "Quartile Banding" A to D and the
"Change from previous year". This module does the same, for every measure of
`benchmarks.MEASURES` and any year, from LAIT's own code
(`dfe-analytical-services/local-authority-interactive-tool`, commit 2e30e395:
`R/fn_analysis.R` `calculate_rank`, `calculate_quartile_band`,
`calculate_change_from_prev_yr`; `R/lait_modules/mod_la_lvl_table.R`):

- **Who is ranked**: every council with a published value that year (regions
  and England are not ranked; a suppressed or missing value has no rank and
  does not count). `of` says how many were ranked.
- **Rank**: 1 is the best by the measure's polarity (the highest value when
  higher is better, the lowest when lower is better). Ties share the best
  (lowest) rank of their group and the next rank is skipped, R's
  `rank(ties.method = "min")`: 10, 12, 12, 15 lower-is-better rank 1, 2, 2, 4.
- **Quartiles**: R's `quantile()` default (type 7: the value at position
  `1 + (n - 1) p` of the sorted values, interpolating linearly between
  neighbours) of the ranked values, giving Q0 (the minimum), Q1, Q2, Q3 and
  Q4 (the maximum).
- **Band**, lower is better: A when value <= Q1, B when Q1 < value <= Q2,
  C when Q2 < value <= Q3, D above Q3. Higher is better: D when value <= Q1,
  C when Q1 < value <= Q2, B when Q2 < value <= Q3, A above Q3. A value equal
  to a quartile therefore goes to the band below it in value: the better band
  when lower is better, the worse one when higher is better, as LAIT does.
- **Polarity "neither"** (LAIT's `-`: children on a plan, starts, rates of
  enquiries): no rank and no band; LAIT shows `-` in both. LAIT also shows no
  band for a measure its data dictionary marks `No_Quartile = N` ("data range
  is too small"); none of the measures here is so marked.
- **Change from the previous year**: this year's value minus last year's,
  missing unless both are published.

Each measure's polarity is LAIT's (the `Polarity` column of LAIT's data
dictionary, shipped in `published/dfe/`) where LAIT holds the measure, named
in `LAIT_CODES`; the few it does not hold have theirs set in `OWN_POLARITY`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import pandas as pd

from cpmetrics.errors import InputError

HIGHER, LOWER, NEITHER = "higher is better", "lower is better", "neither"
#: LAIT's Polarity column -> ours ("-" and anything else: neither)
LAIT_POLARITY = {"High": HIGHER, "Low": LOWER}
BANDS = ("A", "B", "C", "D")

#: each published measure LAIT also holds -> LAIT's short code; its polarity is LAIT's
LAIT_CODES: dict[str, str] = {
    "on_plan": "CPP_Num",
    "on_plan_rate_per_10k": "CPP_rate",
    "starts": "CPP_Abuse",
    "starts_rate_per_10k": "CPP_Abuse_Rate",
    "starts_second_or_subsequent_pct": "PrevRegCPR",
    "ended_2y_plus_pct": "CPPlans2yrs",
    "on_plan_2y_plus_pct": "CPPlans2yrsActive",
    "section47_rate_per_10k": "Section_47",
    "icpc_rate_per_10k": "ISCP_Conf",
    "icpc_within_15_days_pct": "CP_conf_15days",
    "icpc_0_10_days_pct": "10_ICPC",
    "icpc_11_15_days_pct": "15_ICPC",
    "icpc_16_20_days_pct": "20_ICPC",
    "icpc_21_plus_days_pct": "21_ICPC",
    "on_plan_3m_plus": "CPP_31March_3MnthorMore",
    "reviewed_in_time": "CPP_Reviewed_InReqTimeScl",
    "reviews_in_time_pct": "RevCP",
}
#: published measures LAIT does not hold, and their polarity, decided here (docs/methods.md)
OWN_POLARITY: dict[str, str] = {
    # how long the children on a plan have been on it: no band is better in itself
    "on_plan_3m_or_less_pct": NEITHER,
    "on_plan_3m_to_6m_pct": NEITHER,
    "on_plan_6m_to_1y_pct": NEITHER,
    "on_plan_1y_to_2y_pct": NEITHER,
    # how often assessments record domestic abuse: need, not performance
    "assessments_da_3a_pct": NEITHER,
    "assessments_da_3b_pct": NEITHER,
    "assessments_da_3c_pct": NEITHER,
    # counts of conferences: size, not performance
    "icpcs": NEITHER,
    "icpcs_within_15_days": NEITHER,
    # fewer working days from enquiry to conference is timelier, as LAIT's CP_conf_15days
    # (higher is better) says for the share within 15 days
    "icpc_median_working_days": LOWER,
}


@lru_cache(maxsize=1)
def lait_dictionary() -> dict[str, dict[str, str]]:
    """LAIT's data dictionary (shipped byte for byte), by short code: `Measure`, `Polarity`
    (High, Low or -) and `No_Quartile` (N: LAIT shows no band) of each measure."""
    from cpmetrics.benchmarks import _read_csv, _require

    raw = _read_csv("lait_dictionary")
    _require(raw, "lait_dictionary", ["Measure_short", "Polarity", "No_Quartile", "Measure"])
    rows = raw.drop_duplicates("Measure_short")
    return {
        str(r["Measure_short"]): {k: str(r[k]).strip() for k in ("Measure", "Polarity",
                                                                   "No_Quartile")}
        for _, r in rows.iterrows()
    }


def _lait_row(code: str) -> dict[str, str]:
    from cpmetrics.benchmarks import FILES

    row = lait_dictionary().get(code)
    if row is None:
        raise InputError(FILES["lait_dictionary"], None, f"no row for LAIT measure {code!r}")
    return row


def polarity(measure: str) -> str:
    """Which way is better for a published measure: HIGHER, LOWER or NEITHER."""
    if measure in LAIT_CODES:
        return LAIT_POLARITY.get(str(_lait_row(LAIT_CODES[measure])["Polarity"]).strip(), NEITHER)
    if measure in OWN_POLARITY:
        return OWN_POLARITY[measure]
    raise InputError(None, None, f"no polarity for measure {measure!r}")


def polarity_basis(measure: str) -> str:
    """Where a measure's polarity comes from: "LAIT PrevRegCPR (Low)" or "cpmetrics"."""
    if measure in LAIT_CODES:
        code = LAIT_CODES[measure]
        return f"LAIT {code} ({str(_lait_row(code)['Polarity']).strip()})"
    return "cpmetrics (LAIT does not hold this measure)"


def _banded(measure: str) -> bool:
    """False where LAIT's dictionary marks the measure No_Quartile = N (range too small)."""
    if measure not in LAIT_CODES:
        return True
    return str(_lait_row(LAIT_CODES[measure])["No_Quartile"]).strip() != "N"


def quartiles(values: pd.Series | list[float]) -> tuple[float, float, float, float, float]:
    """Q0 (minimum), Q1, median, Q3, Q4 (maximum) of the values, missing ones left out, as R's
    `quantile()` default (type 7) works them out; LAIT's band edges."""
    x = sorted(float(v) for v in values if v is not None and not pd.isna(v))
    if not x:
        return (math.nan,) * 5
    out = []
    for p in (0.0, 0.25, 0.5, 0.75, 1.0):
        index = (len(x) - 1) * p  # R: 1 + (n - 1) p, counting from 1
        lo, hi = math.floor(index), math.ceil(index)
        h = index - lo
        out.append(x[lo] if h == 0 or x[hi] == x[lo] else (1 - h) * x[lo] + h * x[hi])
    return tuple(out)  # type: ignore[return-value]


def band(value: float | None, q: tuple[float, ...], direction: str) -> str | None:
    """The quartile band A (best) to D of one value, given the quartiles, as LAIT's
    `calculate_quartile_band`; None for a missing value or a measure with no direction."""
    if value is None or pd.isna(value) or direction == NEITHER or any(pd.isna(v) for v in q):
        return None
    quarter = 0 if value <= q[1] else 1 if value <= q[2] else 2 if value <= q[3] else 3
    return BANDS[quarter] if direction == LOWER else BANDS[3 - quarter]


def _ranks(values: np.ndarray, direction: str) -> np.ndarray:
    """Rank 1 = best; ties share the lowest rank of their group (R's ties.method "min");
    0 for a missing value."""
    present = np.sort(values[~np.isnan(values)])
    if direction == LOWER:
        better = np.searchsorted(present, values, side="left")  # how many are lower
    else:
        better = len(present) - np.searchsorted(present, values, side="right")  # how many higher
    return np.where(np.isnan(values), 0, better + 1)


def rank_and_band(values: pd.Series, direction: str) -> pd.DataFrame:
    """LAIT's rank (1 = best, ties sharing the lowest rank of their group) and quartile band of
    each value among all of them. Missing values get neither and are not counted.

    Returns `value`, `rank` (Int64) and `band` (string), with the index of `values`;
    `attrs["quartiles"]` holds (Q0, Q1, Q2, Q3, Q4) and `attrs["of"]` how many were ranked.
    """
    v = pd.to_numeric(values, errors="coerce").astype("float64")
    x = v.to_numpy()
    q = quartiles(x)
    out = pd.DataFrame({"value": v}, index=values.index)
    if direction == NEITHER:
        out["rank"] = pd.array([pd.NA] * len(v), dtype="Int64")
        out["band"] = pd.array([pd.NA] * len(v), dtype="string")
    else:
        r = _ranks(x, direction)
        out["rank"] = pd.array([int(k) if k else pd.NA for k in r], dtype="Int64")
        out["band"] = pd.array([band(k, q, direction) for k in x], dtype="string")
    out.attrs.update({"quartiles": q, "of": int(v.notna().sum()), "polarity": direction})
    return out


@lru_cache(maxsize=1)
def _names() -> dict[str, str]:
    """DfE number -> the council's latest name in the shipped tables."""
    from cpmetrics.benchmarks import _la_years

    names = _la_years().sort_values("time_period").drop_duplicates("area", keep="last")
    return dict(zip(names["area"], names["la_name"], strict=True))


@dataclass(frozen=True)
class _Ranked:
    """One measure and year: each council's (value, marker, rank, band), and the quartiles."""

    by_la: dict[str, tuple[float | None, str | None, int | None, str | None]]
    quartiles: tuple[float, ...]
    of: int
    polarity: str
    banded: bool


@lru_cache(maxsize=64)
def _year(year: int) -> dict[str, _Ranked]:
    """Every measure's national ranks for one year, worked out together (one pass of the
    published table)."""
    from cpmetrics.benchmarks import MEASURES, published_values

    v = published_values()
    v = v[(v["time_period"] == year) & (v["geographic_level"] == "Local authority")]
    v = v.drop_duplicates(["measure", "area"])
    rows: dict[str, tuple[list, list, list]] = {m.key: ([], [], []) for m in MEASURES}
    for m, a, x, mk in zip(v["measure"], v["area"], v["value"], v["marker"], strict=True):
        if m in rows:
            areas, values, markers = rows[m]
            areas.append(str(a))
            values.append(float(x))
            markers.append(None if pd.isna(mk) else str(mk))
    out = {}
    for m, (areas, values, markers) in rows.items():
        x = np.array(values, dtype="float64")
        direction, banded = polarity(m), _banded(m)
        q = quartiles(x)
        r = _ranks(x, direction) if direction != NEITHER else np.zeros(len(x), dtype=int)
        by_la = {}
        for a, val, mk, k in zip(areas, x, markers, r, strict=True):
            missing = bool(np.isnan(val))
            by_la[a] = (None if missing else float(val), mk if missing else None,
                        int(k) if k else None,
                        band(float(val), q, direction) if banded and not missing else None)
        out[m] = _Ranked(by_la, q, int((~np.isnan(x)).sum()), direction, banded)
    return out


def national_ranks(measure: str, year: int) -> pd.DataFrame:
    """Every council's published value for a measure and year, its rank and band, best first.

    Columns: `la` (DfE number), `name`, `value`, `marker` (why a value is missing),
    `rank` (Int64), `band` (A-D). `attrs`: `polarity`, `quartiles` (Q0-Q4), `of`
    (councils ranked), `measure`, `year`. Councils with no value come last, unranked.
    """
    from cpmetrics.benchmarks import MEASURE_BY_KEY, _check_year

    if measure not in MEASURE_BY_KEY:
        raise InputError(None, None, f"unknown measure {measure!r}")
    year = _check_year(year)
    r = _year(year)[measure]
    names = _names()
    items = list(r.by_la.items())
    out = pd.DataFrame({
        "la": pd.array([a for a, _ in items], dtype="string"),
        "name": pd.array([names.get(a) for a, _ in items], dtype="string"),
        "value": pd.array([t[0] for _, t in items], dtype="Float64").astype("float64"),
        "marker": pd.array([t[1] for _, t in items], dtype="string"),
        "rank": pd.array([t[2] for _, t in items], dtype="Int64"),
        "band": pd.array([t[3] for _, t in items], dtype="string"),
    })
    out = out.sort_values(["rank", "value", "la"], na_position="last").reset_index(drop=True)
    out.attrs.update({"polarity": r.polarity, "quartiles": r.quartiles, "of": r.of,
                      "measure": measure, "year": year, "banded": r.banded})
    return out


@dataclass(frozen=True)
class Standing:
    """One council's place among all councils for one published measure and year."""

    measure: str
    year: int
    la: str
    polarity: str
    value: float | None
    marker: str | None
    rank: int | None
    of: int
    band: str | None
    quartiles: tuple[float, ...]
    previous_value: float | None = None
    previous_rank: int | None = None
    previous_of: int | None = None
    previous_band: str | None = None
    change: float | None = None
    note: str | None = field(default=None, compare=False)

    @property
    def direction(self) -> str | None:
        """The change since last year in words: "better", "worse", "no change", or "up" and
        "down" for a measure that is neither; None when either year is missing."""
        if self.change is None:
            return None
        if self.change == 0:
            return "no change"
        if self.polarity == NEITHER:
            return "up" if self.change > 0 else "down"
        return "better" if (self.change > 0) == (self.polarity == HIGHER) else "worse"

    def rank_text(self) -> str:
        """ "91st of 152", "-" for a measure with no direction, or "not ranked"."""
        if self.polarity == NEITHER:
            return "-"
        if self.rank is None:
            return "not ranked"
        return f"{ordinal(self.rank)} of {self.of}"

    def as_dict(self) -> dict:
        """JSON-ready: missing values are None."""
        return {
            "polarity": self.polarity, "rank": self.rank, "of": self.of, "band": self.band,
            "quartiles": [None if pd.isna(q) else round(float(q), 3) for q in self.quartiles],
            "change": self.change, "direction": self.direction,
            "previous": {"year": self.year - 1, "value": self.previous_value,
                         "rank": self.previous_rank, "of": self.previous_of,
                         "band": self.previous_band},
        }  # fmt: skip


def ordinal(n: int) -> str:
    """1 -> "1st", 12 -> "12th", 22 -> "22nd"."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _digits(measure: str) -> int:
    from cpmetrics.benchmarks import MEASURE_BY_KEY

    return 0 if MEASURE_BY_KEY[measure].unit == "count" else 1


def _row(measure: str, year: int, la: str) -> tuple[float | None, str | None, int | None, int,
                                                   str | None, tuple[float, ...]]:
    r = _year(year)[measure]
    value, marker, rank, grade = r.by_la.get(la, (None, "absent", None, None))
    return value, marker, rank, r.of, grade, r.quartiles


def standing(la: str | int, measure: str, year: int) -> Standing:
    """A council's rank, band and change since last year for one published measure and year.

    `la` a DfE number, ONS code or name; `year` the time_period (2017 = 2016-17).
    The previous year's figures are missing where that year is not published.
    """
    from cpmetrics.benchmarks import MEASURE_BY_KEY, _check_year, lookup_la, published_values

    if measure not in MEASURE_BY_KEY:
        raise InputError(None, None, f"unknown measure {measure!r}")
    year = _check_year(year)
    code = lookup_la(la, year).dfe_number
    value, marker, rank, of, grade, q = _row(measure, year, code)
    prev = (None, None, None, None, None, None)
    if year - 1 >= int(published_values()["time_period"].min()):
        prev = _row(measure, year - 1, code)
    change = None
    if value is not None and prev[0] is not None:
        change = round(value - prev[0], _digits(measure))
    return Standing(
        measure=measure, year=year, la=code, polarity=polarity(measure), value=value,
        marker=marker, rank=rank, of=of, band=grade, quartiles=q,
        previous_value=prev[0], previous_rank=prev[2], previous_of=prev[3],
        previous_band=prev[4], change=change,
    )  # fmt: skip


def place(value: float | None, measure: str, year: int, la: str | None = None
          ) -> tuple[int | None, int, str | None]:
    """Where a figure of the council's own (this year to date, say) would stand among the
    councils' published values for `year`: (rank, out of, band), the council's own published
    value (`la`) left out. The band uses that year's quartiles. None for a missing value or a
    measure with no direction."""
    t = national_ranks(measure, year)
    others = t[t["value"].notna() & (t["la"] != (la or ""))]
    direction = t.attrs["polarity"]
    of = len(others) + 1
    if value is None or pd.isna(value) or direction == NEITHER:
        return None, of, None
    better = others["value"] > value if direction == HIGHER else others["value"] < value
    return int(better.sum()) + 1, of, band(value, t.attrs["quartiles"], direction)


#: LAIT's method in one sentence, for `cpmetrics benchmark --json` and page notes
METHOD = (
    "National rank and quartile band as DfE's LAIT works them out: councils with a published "
    "value that year are ranked, 1 = best by the measure's polarity, ties sharing the lowest "
    "rank of their group; quartiles are R's quantile() (type 7) of those values; band A is the "
    "best quarter and D the worst, a value on a quartile going to the band below it in value; "
    "a measure whose polarity is neither has no rank or band."
)
