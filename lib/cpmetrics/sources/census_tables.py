"""Turn the raw records of one or more CIN census files into canonical tables."""

from __future__ import annotations

import pandas as pd

from cpmetrics.history import build_history, findings_frame, parse_dates
from cpmetrics.periods import collection_year
from cpmetrics.sources.cin_census import RawCensus
from cpmetrics.tables import (
    ASSESSMENT_COLUMNS,
    CHILD_COLUMNS,
    CIN_PLAN_COLUMNS,
    DATE,
    EPISODE_COLUMNS,
    FINDING_COLUMNS,
    PLAN_COLUMNS,
    SECTION47_COLUMNS,
    Tables,
    conform,
)

KNOWN_FACTORS = frozenset(
    "1A 1B 1C 2A 2B 2C 3A 3B 3C 4A 4B 4C 5A 5B 5C 6A 6B 6C 7A 8B 8C 8D 8E 8F 9A 10A 11A "
    "12A 13A 14A 15A 16A 17A 18A 18B 18C 19A 19B 19C 20 21 22A 23A 24A".split()
)
_TRUE = {"1", "true", "y", "yes"}
_FALSE = {"0", "false", "n", "no"}


def _year_of(raw: RawCensus) -> int | None:
    """The collection year (year ending 31 March) of a file, from its ReferenceDate or Year."""
    ref = parse_dates(pd.Series([raw.reference_date], dtype="object")).iloc[0]
    if pd.notna(ref):
        return collection_year(ref)
    if raw.year and raw.year.isdigit():
        return int(raw.year)
    return None


def _reference_date(raw: RawCensus, year: int | None) -> pd.Timestamp | None:
    """A return's ReferenceDate as written, or 31 March of its Year where that is all it gives."""
    ref = parse_dates(pd.Series([raw.reference_date], dtype="object")).iloc[0]
    if pd.notna(ref):
        return pd.Timestamp(ref)
    return pd.Timestamp(year, 3, 31) if year is not None else None


def _frame(raws: list[RawCensus], attr: str, years: list[int | None]) -> pd.DataFrame:
    parts = []
    for order, (raw, year) in enumerate(zip(raws, years, strict=True)):
        df = getattr(raw, attr)
        if df.empty:
            continue
        df = df.copy()
        df["collection_year"] = year
        df["file_order"] = order
        parts.append(df)
    if not parts:
        return pd.DataFrame({"collection_year": [], "file_order": []})
    return pd.concat(parts, ignore_index=True)


def _episode_id(child: pd.Series, referral: pd.Series) -> pd.Series:
    """Child id and CINreferralDate (as an ISO date where it is one, else as written)."""
    codes, distinct = pd.factorize(referral)  # each distinct date written out once
    distinct = pd.Series(distinct, dtype="string")
    day = parse_dates(distinct).dt.strftime("%Y-%m-%d").astype("string").fillna(distinct)
    ref = pd.Series(pd.array(day, dtype="string").take(codes, allow_fill=True),
                    index=referral.index)
    return child.astype("string").str.strip() + "|" + ref


def _flag(values: pd.Series) -> pd.Series:
    """CIN census yes/no values (1/0, true/false) as booleans; anything else missing."""
    v = values.astype("string").str.strip().str.lower()
    out = pd.Series(pd.NA, index=values.index, dtype="boolean")
    out[v.isin(_TRUE).fillna(False).to_numpy()] = True
    out[v.isin(_FALSE).fillna(False).to_numpy()] = False
    return out


def _latest(df: pd.DataFrame, key: list[str]) -> pd.DataFrame:
    """One row per key: the one from the latest collection year, then the latest file."""
    if df.empty:
        return df
    # files are stacked in that order already unless a file's year is unknown
    if not (df["collection_year"].is_monotonic_increasing
            and df["file_order"].is_monotonic_increasing):
        df = df.sort_values(["collection_year", "file_order"], kind="stable")
    return df.drop_duplicates(key, keep="last")


def _table(raws: list[RawCensus], attr: str, years: list[int | None], columns: dict[str, str],
           key: list[str], episode: bool = True) -> pd.DataFrame:
    """One canonical table from every file's raw records, one row per key, the latest kept."""
    df = _frame(raws, attr, years)
    if len(df):
        if episode:
            df["episode_id"] = _episode_id(df["child_id"], df["referral_date"])
        for c, dtype in columns.items():
            if c not in df or c == "collection_year":
                continue
            if dtype == DATE:
                df[c] = parse_dates(df[c])
            elif dtype == "boolean":
                df[c] = _flag(df[c])
        df = _latest(df, key)
    return conform(df, columns)


def _reviews(raws: list[RawCensus]) -> pd.DataFrame:
    """Every file's raw reviews, `plan_row` counted over the plan records of all files in
    order (as `_frame` stacks them)."""
    parts, offset = [], 0
    for raw in raws:
        if len(raw.reviews):
            parts.append(pd.DataFrame({"plan_row": raw.reviews["plan_row"] + offset,
                                       "review_date": raw.reviews["review_date"]}))
        offset += len(raw.plans)
    if not parts:
        return pd.DataFrame({"plan_row": pd.Series(dtype="int64"),
                             "review_date": pd.Series(dtype="string")})
    return pd.concat(parts, ignore_index=True)


def _unknown_factors(factors: pd.Series) -> pd.Series:
    """The AssessmentFactors codes not in the code list, joined by ", ", for each assessment
    that has one (split in Arrow: a Python split per assessment is slow, and few have one)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    items = pc.split_pattern(pa.array(factors, pa.large_string()), ",")
    codes = pc.list_flatten(items)
    known = pa.array(sorted(KNOWN_FACTORS | {""}), pa.large_string())
    unknown = pc.invert(pc.is_in(codes, value_set=known))
    bad: dict[int, list[str]] = {}
    for at, code in zip(pc.list_parent_indices(items).filter(unknown).to_pylist(),
                        codes.filter(unknown).to_pylist(), strict=True):
        bad.setdefault(at, []).append(code)
    return pd.Series([", ".join(c) for c in bad.values()], index=factors.index[list(bad)],
                     dtype=object)


def assemble_census(raws: list[RawCensus]) -> Tables:
    """Canonical tables from CIN census files, merged into one history."""
    years = [_year_of(r) for r in raws]
    # later collection wins: order files by collection year, then by the order given
    order = sorted(range(len(raws)), key=lambda i: (years[i] or 0, i))
    raws = [raws[i] for i in order]
    years = [years[i] for i in order]

    plans_raw = _frame(raws, "plans", years)
    if len(plans_raw):
        plans_raw["episode_id"] = _episode_id(plans_raw["child_id"], plans_raw["referral_date"])
    history = build_history(
        plans_raw if len(plans_raw) else pd.DataFrame(columns=list(PLAN_COLUMNS) + ["file_order"]),
        _reviews(raws),
    )
    plans, rejects, findings, counts = history[:4]

    children = _table(raws, "children", years, CHILD_COLUMNS, ["child_id"], episode=False)
    episodes = _table(raws, "episodes", years, EPISODE_COLUMNS, ["episode_id"])

    assessments = _frame(raws, "assessments", years)
    extra_findings = []
    if len(assessments):
        assessments["episode_id"] = _episode_id(
            assessments["child_id"], assessments["referral_date"]
        )
        assessments["factors"] = assessments["factors"].fillna("")
        bad = _unknown_factors(assessments["factors"])
        if len(bad):
            rows = assessments.loc[bad.index, ["source_file", "location", "child_id"]]
            extra_findings.extend(
                {
                    "source_file": r.source_file,
                    "location": r.location,
                    "child_id": r.child_id,
                    "rule": "L10",
                    "message": "AssessmentFactors code not in the CIN census code list: " + b,
                    "action": "assessment kept; the unknown code matches no factor",
                }
                for r, b in zip(rows.itertuples(), bad, strict=True)
            )
        for c in ("actual_start_date", "internal_review_date", "authorisation_date"):
            if c in assessments:
                assessments[c] = parse_dates(assessments[c])
        assessments = _latest(assessments, ["episode_id", "actual_start_date"])
    assessments = conform(assessments, ASSESSMENT_COLUMNS)

    s47 = _table(raws, "section47", years, SECTION47_COLUMNS, ["episode_id", "start_date"])
    cin_plans = _table(raws, "cin_plans", years, CIN_PLAN_COLUMNS, ["episode_id", "start_date"])

    all_findings = [f for f in (findings, findings_frame(extra_findings)) if len(f)]
    return Tables(
        plans=plans,
        children=children,
        episodes=episodes,
        assessments=assessments,
        section47=s47,
        cin_plans=cin_plans,
        reviews=history.reviews,
        findings=conform(pd.concat(all_findings, ignore_index=True), FINDING_COLUMNS)
        if all_findings
        else findings,
        rejects=rejects,
        counts=counts,
        source="cin_census",
        la=next((r.la for r in reversed(raws) if r.la), None),
        files=tuple(str(r.path) for r in raws),
        reference_dates=tuple(d for d in (_reference_date(r, y) for r, y in zip(raws, years,
                                                                               strict=True))
                              if d is not None),
    )
