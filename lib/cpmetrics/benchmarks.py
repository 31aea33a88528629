"""A council beside its statistical neighbours, its region and England, from DfE's published tables.

Everything here reads the files shipped in `cpmetrics/published/dfe/` (see the
README there for provenance, licence and how to drop in a newer release).
`year` is always DfE's `time_period`, the year ending 31 March: 2017 is
1 April 2016 to 31 March 2017 ("2016-17"), and "at 31 March" figures are the
snapshot on 31 March 2017.

Published markers (`c` suppressed, `x` not available, `z` not applicable,
`u` low reliability, `k` rounds to zero, `low`, LAIT's `-`) are kept as a
missing value with the marker beside it, never as zero. `absent` means the
table has no row for that area and year (an LA that did not exist yet, or a
table that starts later, such as C3 from 2018).

Statistical neighbours: the April 2021 groupings apply to every year up to
and including 2023-24 (`time_period` <= 2024), the May 2025 groupings from
2024-25 (`time_period` >= 2025). The 2025 groupings were published in May
2025; the first Children in need release after them was the one for 2024-25,
and that is the first year compared against them. No list from before April
2021 is shipped, so earlier years also use the April 2021 list. An LA with no
row in the list in force (Cumberland and Westmorland and Furness in 2023-24)
falls back to the May 2025 list, and the grouping name says so.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache, lru_cache
from importlib.resources import files
from importlib.resources.abc import Traversable

import numpy as np
import pandas as pd

from cpmetrics.errors import InputError
from cpmetrics.rounding import round1

# The shipped files, by role. A newer release changes only these names.
FILES: dict[str, str] = {
    "d3": "d3_cpps_subsequent_plan_2013_to_2025.csv",
    "d5": "d5_cpps_at31march_by_duration_2013_to_2025.csv",
    "c3": "c3_factors_identified_at_end_of_assessment_2018_to_2025.csv",
    "c4": "c4_children_in_need_section_47s_and_icpcs_2013_to_2025.csv",
    "population": "ons_mid-year_population_estimates_2012_to_2024.csv",
    "lait": "bds_long_0.parquet",
    "sn2021": "New_Statistical_Neighbour_Groupings_April_2021.csv",
    "sn2025": "sn_model_2025_wide.csv",
    "las": "las.csv",
    "lait_dictionary": "lait_data_dictionary.csv",
}

MARKERS: dict[str, str] = {
    "c": "suppressed",
    "x": "not available",
    "z": "not applicable",
    "u": "low reliability",
    "k": "rounds to zero",
    "low": "low",
    "-": "missing or suppressed (LAIT)",
    "absent": "no published row for this area and year",
}

ENGLAND = "E92000001"
EES_KEYS = [
    "time_period", "time_identifier", "geographic_level", "country_code", "country_name",
    "region_code", "region_name", "old_la_code", "new_la_code", "la_name",
]  # fmt: skip

# LAIT numbers its aggregate areas; these are the EES codes for the same areas.
LAIT_AREAS: dict[int, str] = {
    970: ENGLAND, 980: "E12000001", 981: "E12000002", 982: "E12000003", 983: "E12000004",
    984: "E12000005", 985: "E12000006", 986: "E12000007", 987: "E13000001", 988: "E13000002",
    989: "E12000008", 990: "E12000009",
}  # fmt: skip
LAIT_MEASURES = (
    "CPPlans2yrs", "CPRDuration",  # table D7: ceased plans that lasted 2 years or more
    "CP_conf_15days",  # table C4's conferences within 15 working days, % (C4 gives only bands)
    "CPP_31March_3MnthorMore", "CPP_Reviewed_InReqTimeScl", "RevCP",  # table D6: reviews
)  # fmt: skip

# Councils abolished in a reorganisation, and the councils that took over their area.
REORGANISATIONS: dict[str, tuple[str, ...]] = {
    "835": ("838", "839"),  # Dorset county -> Dorset Council; Christchurch went to BCP (2019)
    "836": ("839",),  # Poole -> Bournemouth, Christchurch and Poole (2019)
    "837": ("839",),  # Bournemouth -> Bournemouth, Christchurch and Poole (2019)
    "928": ("940", "941"),  # Northamptonshire -> North and West Northamptonshire (2021)
    "909": ("942", "943"),  # Cumbria -> Cumberland, Westmorland and Furness (2023)
}


def published_path(key: str) -> Traversable:
    """The shipped file for a role in FILES (a package resource, never ../shared)."""
    return files("cpmetrics").joinpath("published", "dfe", FILES[key])


def year_label(year: int) -> str:
    """DfE's label for a time_period: 2017 -> "2016-17"."""
    return f"{year - 1}-{year % 100:02d}"


def split_markers(raw: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Published text values -> (float values, marker text where there is no number).

    `c`, `x`, `z`, `u`, `k`, `low` and LAIT's `-` become a missing value with
    the marker kept; float artefacts such as `17.899999999999999` are read as
    numbers (round them where they are shown).
    """
    text = raw.astype("string").str.strip()
    values = pd.to_numeric(
        text.where(text.str.fullmatch(r"-?\d+(\.\d+)?([eE][-+]?\d+)?")), errors="coerce"
    ).astype("float64")
    marker = text.fillna("").replace("", "absent").where(values.isna()).astype("string")
    return values, marker


def _read_csv(key: str) -> pd.DataFrame:
    with published_path(key).open("rb") as fh:
        return pd.read_csv(fh, dtype=str, keep_default_na=False, encoding="utf-8-sig")


def _require(frame: pd.DataFrame, key: str, columns: list[str]) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise InputError(FILES[key], None, f"expected column {missing[0]!r} is missing")


@cache
def read_ees(key: str) -> pd.DataFrame:
    """One EES file (d3, d5, c3, c4, population) as a long table: one row per area, year, column.

    Columns: `time_period` (int), `geographic_level`, `area` (DfE LA number for
    an LA, region code for a region, E92000001 for England), `region_code`,
    `region_name`, `ons_code`, `la_name`, `column` (DfE's column name),
    `value` (float) and `marker` (missing where there is a value).
    """
    raw = _read_csv(key)
    _require(raw, key, EES_KEYS)
    value_cols = [c for c in raw.columns if c not in EES_KEYS and c != "category"]
    if key == "population":
        value_cols = ["population_estimate"]
    _require(raw, key, value_cols)
    level = raw["geographic_level"]
    area = np.where(
        level == "National",
        ENGLAND,
        np.where(level == "Regional", raw["region_code"], raw["old_la_code"]),
    )
    base = pd.DataFrame(
        {
            "time_period": raw["time_period"].astype(int),
            "geographic_level": level,
            "area": pd.array(area, dtype="string"),
            "region_code": raw["region_code"],
            "region_name": raw["region_name"],
            "ons_code": raw["new_la_code"],
            "la_name": raw["la_name"],
        }
    )
    parts = []
    for col in value_cols:
        values, marker = split_markers(raw[col])
        parts.append(base.assign(column=col, value=values, marker=marker))
    return pd.concat(parts, ignore_index=True)


@lru_cache(maxsize=1)
def read_lait() -> pd.DataFrame:
    """The child protection measures DfE's LAIT holds and the EES files shipped here do not.

    `CPPlans2yrs` (% of plans ceasing in the year that had lasted 2 years or
    more, DfE table D7) and `CPRDuration` (their number); `CP_conf_15days`
    (% of initial conferences held within 15 working days of the section 47
    enquiry starting, from table C4's data); `CPP_31March_3MnthorMore`,
    `CPP_Reviewed_InReqTimeScl` and `RevCP` (children on a plan at 31 March
    for 3 months or more, those reviewed within the required timescales and
    their %: table D6, which is not shipped as an EES file). LAIT starts in
    2015-16 (`time_period` 2016). Columns as `read_ees`, with `column` the
    LAIT short code; values rounded to 1 dp (LAIT stores float artefacts) and
    `-` kept as the marker.
    """
    import pyarrow.parquet as pq

    columns = ["Short Desc", "Years", "LA and Regions", "Values", "LA Number"]
    with published_path("lait").open("rb") as fh:
        schema = pq.read_schema(fh)
        _require(pd.DataFrame(columns=schema.names), "lait", columns)
        fh.seek(0)  # the rows of these measures only (1% of the file's rows)
        raw = pq.read_table(
            fh, columns=columns, filters=[("Short Desc", "in", list(LAIT_MEASURES))]
        ).to_pandas()
    number = raw["LA Number"].astype(int)
    area = [LAIT_AREAS.get(n, str(n)) for n in number]
    level = np.where(
        number == 970, "National", np.where(number >= 980, "Regional", "Local authority")
    )
    values, marker = split_markers(raw["Values"])
    out = pd.DataFrame(
        {
            "time_period": raw["Years"].astype(int),
            "geographic_level": level,
            "area": pd.array(area, dtype="string"),
            "la_name": raw["LA and Regions"],
            "column": raw["Short Desc"],
            "value": values.round(1),
            "marker": marker,
        }
    )
    return out.reset_index(drop=True)


# --------------------------------------------------------------------------- LA lookup


@dataclass(frozen=True)
class LocalAuthority:
    """A council as DfE numbers it, with the ONS code and region it had in a given year."""

    dfe_number: str
    name: str
    ons_code: str
    region_code: str
    region_name: str
    first_year: int
    last_year: int
    ons_codes: tuple[str, ...] = ()
    predecessors: tuple[str, ...] = ()
    successors: tuple[str, ...] = ()

    def as_dict(self) -> dict:
        return {
            "dfe_number": self.dfe_number,
            "name": self.name,
            "ons_code": self.ons_code,
            "region_code": self.region_code,
            "region_name": self.region_name,
        }


@lru_cache(maxsize=1)
def _la_years() -> pd.DataFrame:
    """One row per LA and year from D3 and D5: its ONS code, name and region that year."""
    rows = pd.concat([read_ees("d3"), read_ees("d5")])
    rows = rows[rows["geographic_level"] == "Local authority"]
    rows = rows.drop_duplicates(["area", "time_period"])
    return rows[["area", "time_period", "ons_code", "la_name", "region_code", "region_name"]]


def _normalise(name: str) -> str:
    s = name.lower().replace("&", " and ")
    s = re.sub(r"\(pre lg\)", " ", s)
    s = re.sub(r"[^a-z0-9 ]", " ", s)
    return re.sub(r"\s+", " ", s).strip()


def _name_variants(name: str) -> set[str]:
    n = _normalise(name)
    out = {n}
    for suffix in (" city of", " county of"):
        if n.endswith(suffix):  # "Bristol, City of" -> "bristol", "city of bristol"
            stem = n[: -len(suffix)]
            out |= {stem, f"{suffix.strip()} {stem}"}
    if n.startswith("county "):
        out.add(n[len("county ") :])
    return out


@lru_cache(maxsize=1)
def _aliases() -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """(ONS code -> DfE numbers, normalised name -> DfE numbers) from every shipped source."""
    by_code: dict[str, set[str]] = {}
    by_name: dict[str, set[str]] = {}
    known = set(_la_years()["area"])

    def add(table: dict[str, set[str]], key: str, dfe: str) -> None:
        if key and dfe in known:
            table.setdefault(key, set()).add(dfe)

    for r in _la_years().itertuples():
        add(by_code, r.ons_code, r.area)
        for v in _name_variants(r.la_name):
            add(by_name, v, r.area)
    las = _read_csv("las")
    for r in las.itertuples():
        if "/" not in r.new_la_code and r.old_la_code.isdigit():
            add(by_code, r.new_la_code, r.old_la_code)
            for v in _name_variants(r.la_name):
                add(by_name, v, r.old_la_code)
    lait = read_lait()
    for r in (
        lait[lait["geographic_level"] == "Local authority"].drop_duplicates("area").itertuples()
    ):
        for v in _name_variants(r.la_name):
            add(by_name, v, r.area)
    for r in _read_csv("sn2021").itertuples():  # "Bournemouth, Christchurch & Poole"
        for v in _name_variants(r[2]):
            add(by_name, v, r[1])
    add(by_name, "bcp", "839")
    return by_code, by_name


def _candidates(query: str) -> set[str]:
    by_code, by_name = _aliases()
    q = query.strip()
    if re.fullmatch(r"\d{3}", q):
        return {q} if q in set(_la_years()["area"]) else set()
    if re.fullmatch(r"[Ee]\d{8}", q):
        return set(by_code.get(q.upper(), ()))
    return set(by_name.get(_normalise(q), ()))


def _describe(numbers: tuple[str, ...] | list[str]) -> str:
    years = _la_years()
    names = [f"{years[years['area'] == n]['la_name'].iloc[-1]} ({n})" for n in numbers]
    return ", ".join(names)


@cache
def la_names() -> dict[str, str]:
    """Every council's DfE number -> DfE's latest name for it, from table D3 (which the published
    figures read anyway: a few milliseconds, where `lookup_la` builds DfE's whole LA list)."""
    d3 = read_ees("d3")
    las = d3[d3["geographic_level"] == "Local authority"].sort_values("time_period")
    return dict(zip(las["area"].astype(str), las["la_name"].astype(str), strict=False))


def lookup_la(
    query: str | int, year: int | None = None, follow_successor: bool = False
) -> LocalAuthority:
    """Find a council by its 3-digit DfE number, its ONS code (old or new) or its name.

    With `year` (time_period), the council must have existed that year:
    "Dorset" is 835 up to 2018-19 and 838 from 2019-20; Buckinghamshire,
    North Yorkshire and Somerset keep their DfE number across their ONS code
    changes. Asking for an abolished council after it went (or a new one
    before it existed) raises InputError naming the councils that covered the
    area that year; with `follow_successor`, a council whose whole area passed
    to one council (Bournemouth, Poole -> BCP) resolves to that council
    instead. Years past the newest release count as the newest year.
    """
    return _lookup_la(str(query).strip(), None if year is None else int(year), follow_successor)


@lru_cache(maxsize=256)
def _lookup_la(
    text: str, year: int | None = None, follow_successor: bool = False
) -> LocalAuthority:
    """`lookup_la` on a stripped query, remembered: the shipped tables do not change while a
    process runs."""
    found = _candidates(text)
    if not found:
        raise InputError(None, None, f"unknown local authority {text!r}")
    years = _la_years()
    span = years.groupby("area")["time_period"].agg(["min", "max"])
    newest, oldest = int(years["time_period"].max()), int(years["time_period"].min())
    if year is not None:
        when = min(max(int(year), oldest), newest)
        live = sorted(a for a in found if span.loc[a, "min"] <= when <= span.loc[a, "max"])
        if not live:
            a = sorted(found)[0]
            after = REORGANISATIONS.get(a, ())
            if follow_successor and when > span.loc[a, "max"] and len(after) == 1:
                return lookup_la(after[0], year)
            if when > span.loc[a, "max"] and after:
                raise InputError(
                    None, None,
                    f"{_describe([a])} has no published figures for {year_label(int(year))}: "
                    f"its area passed to {_describe(REORGANISATIONS[a])}",
                )  # fmt: skip
            before = tuple(p for p, succ in REORGANISATIONS.items() if a in succ)
            if when < span.loc[a, "min"] and before:
                raise InputError(
                    None, None,
                    f"{_describe([a])} did not exist in {year_label(int(year))}: "
                    f"its area was covered by {_describe(before)}",
                )  # fmt: skip
            raise InputError(
                None, None, f"local authority {text!r} has no published figures for {year}"
            )
        found = set(live)
    else:
        when = newest
    if len(found) > 1:
        latest = max(found, key=lambda a: span.loc[a, "max"])
        if sum(span.loc[a, "max"] == span.loc[latest, "max"] for a in found) > 1:
            raise InputError(
                None, None, f"local authority {text!r} is ambiguous: {_describe(sorted(found))}"
            )
        found = {latest}
    code = found.pop()
    mine = years[years["area"] == code].sort_values("time_period")
    row = mine[mine["time_period"] <= when].iloc[-1] if (mine["time_period"] <= when).any() \
        else mine.iloc[0]  # fmt: skip
    by_code, _ = _aliases()
    return LocalAuthority(
        dfe_number=code,
        name=str(row["la_name"]),
        ons_code=str(row["ons_code"]),
        region_code=str(row["region_code"]),
        region_name=str(row["region_name"]),
        first_year=int(span.loc[code, "min"]),
        last_year=int(span.loc[code, "max"]),
        ons_codes=tuple(sorted(c for c, ns in by_code.items() if code in ns)),
        predecessors=tuple(p for p, succ in REORGANISATIONS.items() if code in succ),
        successors=REORGANISATIONS.get(code, ()),
    )


# --------------------------------------------------------------------------- neighbours


@dataclass(frozen=True)
class Grouping:
    """A published set of statistical neighbour groupings and the years it is used for."""

    key: str
    name: str
    file: str
    first_year: int | None
    last_year: int | None
    source: str = field(default="", compare=False)


GROUPINGS: tuple[Grouping, ...] = (
    Grouping(
        "april_2021", "DfE statistical neighbours, April 2021 (LGR version)", "sn2021", None, 2024,
        "Children's services statistical neighbour benchmarking tool, LGR version, April 2021",
    ),
    Grouping(
        "may_2025", "DfE statistical neighbours, May 2025", "sn2025", 2025, None,
        "DfE statistical neighbour model, May 2025 update",
    ),
)  # fmt: skip


def grouping_for_year(year: int) -> Grouping:
    """The statistical neighbour grouping in force for a time_period (see the module docstring)."""
    for g in GROUPINGS:
        if (g.first_year is None or year >= g.first_year) and (
            g.last_year is None or year <= g.last_year
        ):
            return g
    raise InputError(None, None, f"no statistical neighbour grouping covers {year}")


@cache
def _grouping_table(key: str) -> pd.DataFrame:
    """A grouping file as rows of (la, rank, neighbour, closeness)."""
    raw = _read_csv(key)
    if key == "sn2021":
        la_col, nb = (
            "LA num",
            [(f"SN{k}", "SNP" if k == 1 else f"SNP.{k - 1}") for k in range(1, 11)],
        )
    else:
        la_col, nb = "old_la_code", [(f"SN_{k}", f"SN_{k}P") for k in range(1, 11)]
    _require(raw, key, [la_col] + [c for pair in nb for c in pair])
    rows = [
        (r[la_col], k, r[code], r[close].strip())
        for _, r in raw.iterrows()
        for k, (code, close) in enumerate(nb, start=1)
        if r[code].strip()
    ]
    return pd.DataFrame(rows, columns=["la", "rank", "neighbour", "closeness"]).astype(
        {"la": "string", "neighbour": "string", "closeness": "string"}
    )


def statistical_neighbours(
    la: str | int, year: int, sn_grouping: str | None = None
) -> pd.DataFrame:
    """The council's ten statistical neighbours in rank order, from the grouping in force that year.

    Columns: `rank`, `la` (DfE number), `name`, `closeness`. `attrs["grouping"]`
    holds the grouping's name, to be stated wherever the neighbours are used.
    `sn_grouping` (a params file's): None or "auto" for the grouping in force,
    or a key of GROUPINGS ("april_2021", "may_2025") to use that one instead.
    """
    key = sn_grouping or "auto"
    out = _statistical_neighbours(lookup_la(la, year).dfe_number, int(year), key)
    return out.copy()  # the caller's own: the cached table stays as it was


@lru_cache(maxsize=64)
def _statistical_neighbours(la: str, year: int, sn_grouping: str = "auto") -> pd.DataFrame:
    me = lookup_la(la, year)
    if sn_grouping == "auto":
        g = grouping_for_year(year)
    else:
        chosen = [x for x in GROUPINGS if x.key == sn_grouping]
        if not chosen:
            raise InputError(
                None, None,
                f"unknown sn_grouping {sn_grouping!r}: auto or one of "
                f"{', '.join(x.key for x in GROUPINGS)}",
            )  # fmt: skip
        g = chosen[0]
    table = _grouping_table(g.file)
    mine = table[table["la"] == me.dfe_number]
    name = g.name
    if mine.empty and sn_grouping == "auto":
        later = [x for x in GROUPINGS if x.first_year is not None and x.first_year > year]
        for alt in later:
            alt_rows = _grouping_table(alt.file)
            mine = alt_rows[alt_rows["la"] == me.dfe_number]
            if not mine.empty:
                name = f"{alt.name} ({g.name} has no row for {me.name})"
                break
    if mine.empty:
        raise InputError(None, None, f"{me.name} ({me.dfe_number}) has no statistical neighbours")
    out = mine.sort_values("rank")[["rank", "neighbour", "closeness"]].rename(
        columns={"neighbour": "la"}
    )
    names = _la_years().sort_values("time_period").drop_duplicates("area", keep="last")
    names = names.set_index("area")["la_name"]
    out.insert(2, "name", out["la"].map(names).astype("string"))
    out = out.reset_index(drop=True)
    out.attrs["grouping"] = name
    return out


# --------------------------------------------------------------------------- headline measures


@dataclass(frozen=True)
class Measure:
    """A headline measure DfE publishes, where it comes from and how to show it."""

    key: str
    label: str
    unit: str  # "count", "%", "per 10,000"
    source: str


DURATION_BANDS: dict[str, tuple[str, str]] = {
    "3_months_or_less": ("3m_or_less", "3 months or less"),
    "more_than_3_months_6_months": ("3m_to_6m", "more than 3 months, up to 6 months"),
    "more_than_6_months_less_than_1_year": ("6m_to_1y", "more than 6 months, less than 1 year"),
    "1_year_less_than_2_years": ("1y_to_2y", "1 year, less than 2 years"),
    "2_years_or_more": ("2y_plus", "2 years or more"),
}
DOMESTIC_ABUSE: dict[str, tuple[str, str]] = {
    "Domestic_Abuse_child": ("3a", "3A child subject of domestic abuse"),
    "Domestic_Abuse_parent": ("3b", "3B parent/carer subject of domestic abuse"),
    "Domestic_Abuse_person": ("3c", "3C other person in household subject of domestic abuse"),
}
#: C4's working-day bands from the section 47 enquiry's start to the initial conference
ICPC_BANDS: dict[str, tuple[str, str, str]] = {
    "Duration_0-10_days": ("0_10", "0-10", "10_ICPC"),
    "Duration_11-15_days": ("11_15", "11-15", "15_ICPC"),
    "Duration_16-20_days": ("16_20", "16-20", "20_ICPC"),
    "Duration_21+_days": ("21_plus", "21+", "21_ICPC"),
}

MEASURES: tuple[Measure, ...] = (
    Measure("on_plan", "Children on a plan at 31 March", "count", "D5 CPP_At31"),
    Measure("on_plan_rate_per_10k", "Children on a plan at 31 March per 10,000", "per 10,000",
            "D5 CPP_At31 / ONS mid-year (T-1) 0-17"),
    Measure("starts", "Plans started in the year", "count", "D3 CPP_start"),
    Measure("starts_rate_per_10k", "Plans started per 10,000", "per 10,000",
            "D3 CPP_start / ONS mid-year (T-1) 0-17"),
    Measure("starts_second_or_subsequent_pct", "Plans started that were second or subsequent",
            "%", "D3 CPP_subsequent_percent"),
    Measure("ended_2y_plus_pct", "Plans ended that had lasted 2 years or more", "%",
            "LAIT CPPlans2yrs (D7)"),
    *(Measure(f"on_plan_{k}_pct", f"On a plan at 31 March: {label}", "%", f"D5 {col}_percent")
      for col, (k, label) in DURATION_BANDS.items()),
    *(Measure(f"assessments_da_{k}_pct", f"Assessments with factors: {label}", "%",
              f"C3 {col} / Episodes_with_assessment_factor")
      for col, (k, label) in DOMESTIC_ABUSE.items()),
    Measure("section47_rate_per_10k", "Section 47 enquiries per 10,000", "per 10,000",
            "C4 Section47 / ONS mid-year (T-1) 0-17"),
    Measure("icpc_rate_per_10k", "Initial child protection conferences per 10,000", "per 10,000",
            "C4 ICPC / ONS mid-year (T-1) 0-17"),
    # The child protection pathway (metrics.md): conferences on time (C4), reviews on time (D6)
    Measure("icpcs", "Initial child protection conferences in the year", "count", "C4 ICPC"),
    Measure("icpcs_within_15_days", "Initial conferences within 15 working days", "count",
            "C4 Duration_0-10_days + Duration_11-15_days"),
    Measure("icpc_within_15_days_pct", "Initial conferences within 15 working days", "%",
            "LAIT CP_conf_15days (C4); before 2015-16, C4 (0-10 + 11-15 days) / ICPC"),
    *(Measure(f"icpc_{k}_days_pct", f"Initial conferences: {label} working days", "%",
              f"C4 {col} / ICPC (LAIT {lait})")
      for col, (k, label, lait) in ICPC_BANDS.items()),
    Measure("icpc_median_working_days", "Initial conferences: median working days", "days",
            "C4 Duration_median"),
    Measure("on_plan_3m_plus", "On a plan at 31 March for 3 months or more", "count",
            "LAIT CPP_31March_3MnthorMore (D6)"),
    Measure("reviewed_in_time", "Of those, reviewed within the required timescales", "count",
            "LAIT CPP_Reviewed_InReqTimeScl (D6)"),
    Measure("reviews_in_time_pct", "On a plan 3 months or more: reviewed in time", "%",
            "LAIT RevCP (D6)"),
)  # fmt: skip
MEASURE_BY_KEY = {m.key: m for m in MEASURES}


def _pick(key: str, column: str) -> pd.DataFrame:
    t = read_ees(key) if key != "lait" else read_lait()
    t = t[t["column"] == column]
    return t[["time_period", "geographic_level", "area", "value", "marker"]].reset_index(drop=True)


def _sum(*parts: pd.DataFrame) -> pd.DataFrame:
    """The published counts added, matched on area and year; missing (with the first part's
    marker) unless every part is published, so a suppressed band never counts as zero."""
    out = parts[0].copy()
    for part in parts[1:]:
        m = out.merge(part, on=["time_period", "area"], how="left", suffixes=("", "_b"))
        out["value"] = (m["value"] + m["value_b"]).to_numpy()
        marker = m["marker"].fillna(m["marker_b"]).fillna("absent")
        out["marker"] = marker.where(out["value"].isna()).astype("string").to_numpy()
    return out


def _ratio(num: pd.DataFrame, den: pd.DataFrame, scale: float, den_shift: int = 0) -> pd.DataFrame:
    """num / den x scale, 1 dp, matched on area and year; a marker on either side is kept."""
    den = den.assign(time_period=den["time_period"] + den_shift)
    m = num.merge(den, on=["time_period", "area"], how="left", suffixes=("", "_den"))
    ok = m["value"].notna() & (m["value_den"] > 0)
    value = (m["value"] / m["value_den"].where(ok) * scale).map(round1, na_action="ignore")
    marker = m["marker"].fillna(m["marker_den"]).fillna("absent").where(~ok)
    return pd.DataFrame(
        {
            "time_period": m["time_period"],
            "geographic_level": m["geographic_level"],
            "area": m["area"],
            "value": value.astype("float64"),
            "marker": marker.astype("string"),
        }
    )


def published_measure(measure: str) -> pd.DataFrame:
    """The rows of `published_values()` for one measure (every area and year).

    The table is split by measure once and the split kept with it, since every
    comparison on every page asks for one measure at a time.
    """
    table = published_values()
    if not _BY_MEASURE or _BY_MEASURE[0] is not table:
        _BY_MEASURE[:] = [table, dict(tuple(table.groupby("measure", sort=False, observed=True)))]
    rows = _BY_MEASURE[1].get(measure)
    return table.iloc[:0] if rows is None else rows.copy(deep=False)


_BY_MEASURE: list = []  # [the published_values() table, {measure: its rows}]


@lru_cache(maxsize=1)
def published_values() -> pd.DataFrame:
    """Every headline measure for every area and year, tidy.

    Columns: `time_period`, `geographic_level` (National, Regional, Local
    authority), `area` (DfE LA number, region code or E92000001), `measure`
    (a key of MEASURES), `value` (float: published to 1 dp, or computed from
    published counts and rounded to 1 dp as DfE does) and `marker`.
    """
    pop = _pick("population", "population_estimate")
    parts = {
        "on_plan": _pick("d5", "CPP_At31"),
        "on_plan_rate_per_10k": _ratio(_pick("d5", "CPP_At31"), pop, 10_000, den_shift=1),
        "starts": _pick("d3", "CPP_start"),
        "starts_rate_per_10k": _ratio(_pick("d3", "CPP_start"), pop, 10_000, den_shift=1),
        "starts_second_or_subsequent_pct": _pick("d3", "CPP_subsequent_percent"),
        "ended_2y_plus_pct": _pick("lait", "CPPlans2yrs"),
        "section47_rate_per_10k": _ratio(_pick("c4", "Section47"), pop, 10_000, den_shift=1),
        "icpc_rate_per_10k": _ratio(_pick("c4", "ICPC"), pop, 10_000, den_shift=1),
    }
    for col, (k, _) in DURATION_BANDS.items():
        parts[f"on_plan_{k}_pct"] = _pick("d5", f"{col}_percent")
    icpcs = _pick("c4", "ICPC")
    within = _sum(_pick("c4", "Duration_0-10_days"), _pick("c4", "Duration_11-15_days"))
    lait15 = _pick("lait", "CP_conf_15days")
    early = _ratio(within, icpcs, 100)  # LAIT starts in 2015-16; C4's counts go back to 2012-13
    early = early[early["time_period"] < lait15["time_period"].min()]
    parts |= {
        "icpcs": icpcs,
        "icpcs_within_15_days": within,
        "icpc_within_15_days_pct": pd.concat([early, lait15], ignore_index=True),
    }
    for col, (k, _, _) in ICPC_BANDS.items():
        parts[f"icpc_{k}_days_pct"] = _ratio(_pick("c4", col), icpcs, 100)
    parts |= {
        "icpc_median_working_days": _pick("c4", "Duration_median"),
        "on_plan_3m_plus": _pick("lait", "CPP_31March_3MnthorMore"),
        "reviewed_in_time": _pick("lait", "CPP_Reviewed_InReqTimeScl"),
        "reviews_in_time_pct": _pick("lait", "RevCP"),
    }
    episodes = _pick("c3", "Episodes_with_assessment_factor")
    for col, (k, _) in DOMESTIC_ABUSE.items():
        parts[f"assessments_da_{k}_pct"] = _ratio(_pick("c3", col), episodes, 100)
    out = pd.concat([p.assign(measure=k) for k, p in parts.items()], ignore_index=True)
    out["measure"] = out["measure"].astype("string")
    return out[["time_period", "geographic_level", "area", "measure", "value", "marker"]]


def _value(values: pd.DataFrame, area: str, measure: str) -> tuple[float | None, str | None]:
    hit = values[(values["area"] == area) & (values["measure"] == measure)]
    if hit.empty:
        return None, "absent"
    v, m = hit["value"].iloc[0], hit["marker"].iloc[0]
    return (None, str(m)) if pd.isna(v) else (float(v), None)


def neighbours_mean(values: list[float | None]) -> tuple[float | None, int]:
    """Plain mean of the neighbours' published values without the missing ones, and its count.

    A suppressed or missing value is None (never zero) and is left out; the
    mean is rounded to 1 dp, as the values it averages are.
    """
    present = [v for v in values if v is not None and v == v]
    if not present:
        return None, 0
    return round1(sum(present) / len(present)), len(present)


def neighbour_values(la: str | int, year: int, measure: str) -> pd.DataFrame:
    """Each neighbour's published value for one measure and year, and whether the mean uses it.

    Columns: `rank`, `la`, `name`, `value`, `marker`, `used`.
    """
    if measure not in MEASURE_BY_KEY:
        raise InputError(None, None, f"unknown measure {measure!r}")
    nbrs = statistical_neighbours(la, year)
    values = published_values()
    values = values[values["time_period"] == int(year)]
    got = [_value(values, code, measure) for code in nbrs["la"]]
    out = nbrs[["rank", "la", "name"]].copy()
    out["value"] = pd.array([v for v, _ in got], dtype="float64")
    out["marker"] = pd.array([m for _, m in got], dtype="string")
    out["used"] = out["value"].notna()
    out.attrs["grouping"] = nbrs.attrs["grouping"]
    return out


def _check_year(year: int) -> int:
    years = published_values()["time_period"]
    lo, hi = int(years.min()), int(years.max())
    if not lo <= int(year) <= hi:
        raise InputError(
            None, None,
            f"no published figures for the year ending 31 March {year}: "
            f"the shipped tables cover {lo} to {hi}",
        )  # fmt: skip
    return int(year)


def _year_lookup(year: int) -> dict[tuple[str, str], tuple[float | None, str | None]]:
    """(area, measure) -> (value, marker) for one year, as `_value` answers it, built once."""
    v = published_values()
    v = v[v["time_period"] == year]
    return {
        (a, m): ((None, str(mk)) if pd.isna(x) else (float(x), None))
        for a, m, x, mk in zip(v["area"], v["measure"], v["value"], v["marker"], strict=True)
    }


def resolve_comparators(names: Iterable[str | int], year: int | None = None
                        ) -> list[LocalAuthority]:
    """Named comparator councils (DfE names in any case, DfE numbers or ONS codes), in the order
    given, each once. InputError for a name that is not a council (`lookup_la`'s message)."""
    out: list[LocalAuthority] = []
    for name in names:
        la = lookup_la(name, year)
        if la.dfe_number not in [x.dfe_number for x in out]:
            out.append(la)
    return out


def benchmark_table(la: str, year: int, sn_grouping: str | None = None,
                    comparators: Iterable[str | int] = ()) -> pd.DataFrame:
    """The council, its neighbours' mean, its region and England for each headline measure,
    with the council's national rank, quartile band and change since last year.

    `la` is a DfE number, ONS code or name; `year` the time_period (2017 =
    2016-17). One row per measure in MEASURES. Value columns are floats
    (percentages and rates to 1 dp, as published; counts whole) and missing
    where DfE published a marker, which sits in the matching `*_marker`
    column. `neighbours_n` is how many neighbours the mean rests on, out of
    `neighbours_of`; `neighbours_missing` names the ones left out.
    `sn_grouping` as `statistical_neighbours` (None: the list in force that year).

    Where the council stands (`cpmetrics.ranking`, LAIT's method): `polarity`,
    `national_rank` of `national_of` councils ranked (1 = best; missing for a
    measure whose polarity is "neither", or a value not published),
    `national_band` A (best quarter) to D, `la_previous_value` (last year's),
    `la_change` (this year's minus last year's), `national_previous_rank`,
    `national_previous_of` and `national_previous_band`.

    `comparators`: councils to set beside these (names, DfE numbers or ONS
    codes); for each, `comparator_<DfE number>_value`, `_marker`, `_rank` and
    `_band`, and `attrs["comparators"]` lists them in order.
    """
    from cpmetrics.ranking import standing

    year = _check_year(year)
    me = lookup_la(la, year)
    nbrs = statistical_neighbours(me.dfe_number, year, sn_grouping)
    others = resolve_comparators(comparators, year)
    lookup = _year_lookup(year)

    def value(area: str, measure: str) -> tuple[float | None, str | None]:
        return lookup.get((area, measure), (None, "absent"))

    rows = []
    for m in MEASURES:
        la_v, la_m = value(me.dfe_number, m.key)
        reg_v, reg_m = value(me.region_code, m.key)
        eng_v, eng_m = value(ENGLAND, m.key)
        got = [value(code, m.key) for code in nbrs["la"]]
        mean, n = neighbours_mean([v for v, _ in got])
        missing = [
            f"{name} ({mk})" for name, (v, mk) in zip(nbrs["name"], got, strict=True) if v is None
        ]
        s = standing(me.dfe_number, m.key, year)
        row = {
            "measure": m.key, "label": m.label, "unit": m.unit,
            "la_value": la_v, "la_marker": la_m,
            "neighbours_mean": mean, "neighbours_n": n, "neighbours_of": len(nbrs),
            "neighbours_missing": "; ".join(missing) or None,
            "region_value": reg_v, "region_marker": reg_m,
            "england_value": eng_v, "england_marker": eng_m,
            "source": m.source,
            "polarity": s.polarity, "national_rank": s.rank, "national_of": s.of,
            "national_band": s.band, "la_previous_value": s.previous_value,
            "la_change": s.change, "national_previous_rank": s.previous_rank,
            "national_previous_of": s.previous_of, "national_previous_band": s.previous_band,
        }  # fmt: skip
        for c in others:
            cs = standing(c.dfe_number, m.key, year)
            row |= {f"comparator_{c.dfe_number}_value": cs.value,
                    f"comparator_{c.dfe_number}_marker": cs.marker,
                    f"comparator_{c.dfe_number}_rank": cs.rank,
                    f"comparator_{c.dfe_number}_band": cs.band}  # fmt: skip
        rows.append(row)
    out = pd.DataFrame(rows)
    floats = ["la_value", "neighbours_mean", "region_value", "england_value", "la_previous_value",
              "la_change", *(f"comparator_{c.dfe_number}_value" for c in others)]
    for col in floats:
        out[col] = out[col].astype("float64")
    ints = ["national_rank", "national_of", "national_previous_rank", "national_previous_of",
            *(f"comparator_{c.dfe_number}_rank" for c in others)]
    for col in ints:
        out[col] = pd.array(out[col].astype(object).where(out[col].notna(), None),
                            dtype="Float64").astype("Int64")
    texts = ["measure", "label", "unit", "la_marker", "neighbours_missing", "region_marker",
             "england_marker", "source", "polarity", "national_band", "national_previous_band",
             *(f"comparator_{c.dfe_number}_{k}" for c in others for k in ("marker", "band"))]
    for col in texts:
        out[col] = out[col].astype("string")
    out["grouping"] = pd.array([nbrs.attrs["grouping"]] * len(out), dtype="string")
    out.attrs.update(
        {
            "la": me.as_dict(),
            "year": year,
            "year_label": year_label(year),
            "region": {"code": me.region_code, "name": me.region_name},
            "grouping": nbrs.attrs["grouping"],
            "neighbours": nbrs[["rank", "la", "name"]].to_dict("records"),
            "comparators": [c.as_dict() for c in others],
        }
    )
    return out


#: each published pathway figure (a key of MEASURES): its DfE table and the published counts
#: it is "n of N" of, as (file, columns added up) for n and for N; None for the median
PATHWAY: dict[str, tuple[str, tuple[tuple[str, tuple[str, ...]], ...] | None]] = {
    "icpc_within_15_days_pct": ("C4", (("c4", ("Duration_0-10_days", "Duration_11-15_days")),
                                       ("c4", ("ICPC",)))),
    **{f"icpc_{k}_days_pct": ("C4", (("c4", (col,)), ("c4", ("ICPC",))))
       for col, (k, _, _) in ICPC_BANDS.items()},
    "icpc_median_working_days": ("C4", None),
    "reviews_in_time_pct": ("D6", (("lait", ("CPP_Reviewed_InReqTimeScl",)),
                                   ("lait", ("CPP_31March_3MnthorMore",)))),
}  # fmt: skip


@lru_cache(maxsize=1)
def _pathway_counts() -> dict[tuple[int, str, str], tuple[float | None, float | None]]:
    """(year, area, pathway measure) -> (n, N) from the published counts; None where either is
    suppressed or not published."""
    out: dict[tuple[int, str, str], tuple[float | None, float | None]] = {}
    for measure, (_, counts) in PATHWAY.items():
        if counts is None:
            continue
        (nkey, ncols), (dkey, dcols) = counts
        num = _sum(*(_pick(nkey, c) for c in ncols))
        den = _sum(*(_pick(dkey, c) for c in dcols))
        m = num.merge(den, on=["time_period", "area"], how="outer", suffixes=("", "_of"))
        n = m["value"].astype(object).where(m["value"].notna(), None)
        of = m["value_of"].astype(object).where(m["value_of"].notna(), None)
        keys = zip(m["time_period"].astype(int), m["area"].astype(str), strict=True)
        out |= {(y, a, measure): v for (y, a), v in zip(keys, zip(n, of, strict=True),
                                                         strict=True)}  # fmt: skip
    return out


def pathway_benchmarks(la: str | int, year: int, sn_grouping: str | None = None) -> pd.DataFrame:
    """DfE's published child protection pathway figures for the council, its statistical
    neighbours, its region and England: tables C4 (initial conferences within 15 working days
    of the section 47 enquiry starting, LAIT `CP_conf_15days`; C4's working-day bands 0-10,
    11-15, 16-20, 21+ and the median) and D6 (children on a plan at 31 March for 3 months or
    more reviewed within the required timescales, LAIT `RevCP` of `CPP_31March_3MnthorMore`).

    The published side of metrics.md's `icpc_within_15_days`, `icpc_working_days_bands` and
    `reviews_in_time`. One row per key of PATHWAY, with `benchmark_table`'s columns (the
    neighbours' figure is the plain mean of their published %s, suppressed ones left out,
    and says how many it rests on) plus the published counts behind each %: `la_n`, `la_of`,
    `region_n`, `region_of`, `england_n`, `england_of` (missing where suppressed or not
    published, never zero) and `table` ("C4" or "D6"). LAIT holds D6 and `CP_conf_15days`
    from 2015-16 (`time_period` 2016): before that the % within 15 working days is worked
    out from C4's counts and rounded to 1 dp, and D6 is missing with marker "absent".
    For a reporting date, take `year` from `cpmetrics.comparison.comparison_year`.
    """
    t = benchmark_table(str(la), year, sn_grouping)
    t = t[t["measure"].isin(list(PATHWAY))].reset_index(drop=True)
    counts = _pathway_counts()
    me, y = t.attrs["la"]["dfe_number"], int(t.attrs["year"])
    for who, area in (("la", me), ("region", t.attrs["region"]["code"]), ("england", ENGLAND)):
        got = [counts.get((y, area, m), (None, None)) for m in t["measure"]]
        t[f"{who}_n"] = pd.array([n for n, _ in got], dtype="Float64").astype("Int64")
        t[f"{who}_of"] = pd.array([of for _, of in got], dtype="Float64").astype("Int64")
    t.insert(3, "table", pd.array([PATHWAY[m][0] for m in t["measure"]], dtype="string"))
    return t


def _cell(value: float | None, marker: str | None) -> dict:
    v = None if value is None or value != value else float(value)
    return {"value": v, "marker": None if v is not None else marker}


def _int(v: object) -> int | None:
    return None if v is None or pd.isna(v) else int(v)


def _text(v: object) -> str | None:
    return None if v is None or pd.isna(v) else str(v)


def benchmark_json(la: str, year: int, comparators: Iterable[str | int] = (),
                   sn_grouping: str | None = None) -> dict:
    """`benchmark_table` as a JSON-ready dict (missing values are null with their marker).

    Each measure carries its `polarity`, the council's `national` rank, band
    and quartiles (`cpmetrics.ranking`, LAIT's method), its `change` since
    last year with last year's rank and band, and each comparator's value,
    rank and band keyed by DfE number; `comparators` at the top lists them.
    """
    from cpmetrics.ranking import METHOD, standing

    t = benchmark_table(la, year, sn_grouping, comparators)
    me, year = t.attrs["la"]["dfe_number"], int(t.attrs["year"])
    others = t.attrs["comparators"]
    measures = {}
    for r in t.to_dict("records"):
        s = standing(me, r["measure"], year).as_dict()
        measures[r["measure"]] = {
            "label": r["label"],
            "unit": r["unit"],
            "polarity": r["polarity"],
            "la": _cell(r["la_value"], r["la_marker"]),
            "national": {k: s[k] for k in ("rank", "of", "band", "quartiles")},
            "change": {
                "value": s["change"], "direction": s["direction"],
                "previous": {**s["previous"], "year_label": year_label(year - 1)},
            },
            "neighbours_mean": {
                "value": None if pd.isna(r["neighbours_mean"]) else float(r["neighbours_mean"]),
                "n": int(r["neighbours_n"]),
                "of": int(r["neighbours_of"]),
                "missing": None if pd.isna(r["neighbours_missing"]) else r["neighbours_missing"],
            },
            "region": _cell(r["region_value"], r["region_marker"]),
            "england": _cell(r["england_value"], r["england_marker"]),
            "comparators": {
                c["dfe_number"]: {
                    **_cell(r[f"comparator_{c['dfe_number']}_value"],
                            r[f"comparator_{c['dfe_number']}_marker"]),
                    "rank": _int(r[f"comparator_{c['dfe_number']}_rank"]),
                    "band": _text(r[f"comparator_{c['dfe_number']}_band"]),
                }
                for c in others
            },
            "source": r["source"],
        }  # fmt: skip
    out = {
        **{k: t.attrs[k] for k in ("la", "year", "year_label", "region", "grouping")},
        "neighbours": [
            {"rank": int(n["rank"]), "la": str(n["la"]), "name": str(n["name"])}
            for n in t.attrs["neighbours"]
        ],
        "comparators": others,
        "measures": measures,
        "ranking": METHOD,
        "markers": MARKERS,
        "attribution": ATTRIBUTION,
    }
    json.dumps(out)  # fail here, not in the caller, if anything is not JSON
    return out


ATTRIBUTION = (
    "Contains public sector information licensed under the Open Government Licence v3.0. "
    "Source: Department for Education, Children in need statistics and LAIT; "
    "ONS mid-year population estimates."
)


def _fmt(value: float | None, marker: str | None, unit: str) -> str:
    if value is None or value != value:
        return str(marker) if marker is not None and marker == marker else ""
    if unit == "count":
        return f"{value:,.0f}"
    return f"{value:.1f}"


def _rank_cell(rank: object, of: object, polarity: object) -> str:
    """ "91/152"; "-" for a measure that is neither (LAIT shows "-"); "" when not ranked."""
    if polarity == "neither":
        return "-"
    return "" if rank is None or pd.isna(rank) else f"{int(rank)}/{int(of)}"


def _change_cell(change: object, unit: str) -> str:
    if change is None or pd.isna(change):
        return ""
    if change == 0:
        return "0" if unit == "count" else "0.0"
    return f"{change:+,.0f}" if unit == "count" else f"{change:+.1f}"


def format_benchmark(df: pd.DataFrame) -> str:
    """A plain-text table of `benchmark_table`'s result, for the terminal or a text pack."""
    a = df.attrs
    la_name = a.get("la", {}).get("name", "LA")
    region = a.get("region", {}).get("name", "Region")
    others = a.get("comparators", [])
    ranked = "national_rank" in df
    head = ["Measure", la_name, *(["Better", "Rank", "Band", "Change", "Last year"] if ranked
                                  else []),
            "Neighbours' mean", "(n of N)", region, "England", *(c["name"] for c in others)]
    rows = []
    for r in df.to_dict("records"):
        unit = r["unit"]
        shown_unit = " (%)" if unit == "%" else ""
        standing = []
        if ranked:
            better = {"higher is better": "higher", "lower is better": "lower"}
            before = _rank_cell(r["national_previous_rank"], r["national_previous_of"],
                                r["polarity"])
            if r["polarity"] != "neither" and isinstance(r["national_previous_band"], str):
                before += f" {r['national_previous_band']}"
            standing = [
                better.get(r["polarity"], "-"),
                _rank_cell(r["national_rank"], r["national_of"], r["polarity"]),
                r["national_band"] if isinstance(r["national_band"], str)
                else "-" if r["polarity"] == "neither" else "",
                _change_cell(r["la_change"], unit),
                before,
            ]  # fmt: skip
        rows.append(
            [
                f"{r['label']}{shown_unit}",
                _fmt(r["la_value"], r["la_marker"], unit),
                *standing,
                _fmt(r["neighbours_mean"], None, "%" if unit == "count" else unit),
                f"({r['neighbours_n']} of {r['neighbours_of']})",
                _fmt(r["region_value"], r["region_marker"], unit),
                _fmt(r["england_value"], r["england_marker"], unit),
                *(_fmt(r[f"comparator_{c['dfe_number']}_value"],
                       r[f"comparator_{c['dfe_number']}_marker"], unit) for c in others),
            ]
        )
    widths = [max(len(str(x[i])) for x in [head, *rows]) for i in range(len(head))]

    def line(cells: list[str]) -> str:
        first = cells[0].ljust(widths[0])
        rest = [c.rjust(w) for c, w in zip(cells[1:], widths[1:], strict=True)]
        return "  ".join([first, *rest]).rstrip()

    title = []
    if a:
        la = a["la"]
        title = [
            f"{la['name']} (DfE {la['dfe_number']}, {la['ons_code']}), "
            f"year ending 31 March {a['year']} ({a['year_label']})",
            f"Statistical neighbours: {a['grouping']}",
            *(["Compared with: " + "; ".join(f"{c['name']} ({c['dfe_number']})"
                                              for c in others)] if others else []),
            "",
        ]
    notes = [""]
    if ranked:
        notes += [
            "Rank: among councils with a published value, 1 = best by the measure's polarity "
            "(Better); ties share a rank. Band: quartile, A = best quarter, D = worst (LAIT's "
            "method). - = no polarity, so no rank or band. Change: since last year; Last year: "
            "its rank and band.",
        ]
    missing = [
        (r["label"], r["neighbours_missing"] if r["neighbours_n"] else "none published")
        for r in df.to_dict("records")
        if isinstance(r["neighbours_missing"], str)
    ]
    if missing:
        notes.append("Neighbours left out of the mean (no published value):")
        notes += [f"  {label}: {who}" for label, who in missing]
    marker_cols = ["la_marker", "region_marker", "england_marker",
                   *(f"comparator_{c['dfe_number']}_marker" for c in others)]
    used = sorted({str(m) for col in marker_cols for m in df[col].dropna()})
    if used:
        notes.append("Markers: " + "; ".join(f"{m} = {MARKERS.get(m, m)}" for m in used))
    notes.append(ATTRIBUTION)
    return "\n".join(
        [*title, line(head), line(["-" * w for w in widths]), *map(line, rows), *notes]
    )


def published_series(la: str | int) -> pd.DataFrame:
    """What DfE published for this council, every year and measure, to set beside local figures.

    Columns: `time_period`, `year_label`, `measure`, `label`, `unit`, `value`,
    `marker`. Use `.pivot(index="time_period", columns="measure", values="value")`
    for a wide table.
    """
    me = lookup_la(la)
    v = published_values()
    v = v[v["area"] == me.dfe_number].copy()
    v["year_label"] = v["time_period"].map(year_label).astype("string")
    v["label"] = v["measure"].map({m.key: m.label for m in MEASURES}).astype("string")
    v["unit"] = v["measure"].map({m.key: m.unit for m in MEASURES}).astype("string")
    order = {m.key: i for i, m in enumerate(MEASURES)}
    v = v.sort_values(
        ["time_period", "measure"], key=lambda s: s.map(order) if s.name == "measure" else s
    )
    cols = ["time_period", "year_label", "measure", "label", "unit", "value", "marker"]
    return v[cols].reset_index(drop=True)


# --------------------------------------------------------------------------- funnel plots

FUNNEL_MEASURES: dict[str, tuple[str, str, str, str]] = {
    # measure: (file, numerator column, denominator column, England's published % column)
    "starts_second_or_subsequent": ("d3", "CPP_subsequent", "CPP_start", "CPP_subsequent_percent"),
    "on_plan_2y_plus": ("d5", "2_years_or_more", "CPP_At31", "2_years_or_more_percent"),
}


def funnel_data(measure: str, year: int) -> pd.DataFrame:
    """Every LA's proportion for a year against funnel limits around England's published %.

    `measure` is a key of FUNNEL_MEASURES (both counts are published, so the
    denominator is exact). Columns: `la`, `name`, `n`, `of`, `pct`, the 95%
    and 99.8% limits, `target_pct` (England) and `position` (cpmetrics.stats).
    """
    from cpmetrics.stats import funnel_table

    if measure not in FUNNEL_MEASURES:
        raise InputError(
            None, None, f"no funnel plot for {measure!r}; one of {list(FUNNEL_MEASURES)}"
        )
    year = _check_year(year)
    key, num, den, pct = FUNNEL_MEASURES[measure]
    t = read_ees(key)
    t = t[t["time_period"] == year]
    england = t[(t["area"] == ENGLAND) & (t["column"] == pct)]["value"]
    if england.empty or england.isna().all():
        raise InputError(None, None, f"England's {measure} is not published for {year}")
    las = t[t["geographic_level"] == "Local authority"]
    wide = las.pivot(index=["area", "la_name"], columns="column", values="value").reset_index()
    points = pd.DataFrame(
        {"la": wide["area"], "name": wide["la_name"], "n": wide[num], "of": wide[den]}
    )
    return funnel_table(points, float(england.iloc[0])).reset_index(drop=True)
