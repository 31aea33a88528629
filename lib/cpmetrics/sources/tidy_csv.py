"""Reader for the tidy CSV format: a folder with plans.csv and optional files beside it.

The optional files are children.csv, assessments.csv and, for the pathway
measures, section47.csv, reviews.csv and visits.csv. A measure whose file is
absent is not available (`null`), never zero: without section47.csv the
conference measures, without reviews.csv reviews in time, without visits.csv
the visit measures. A date or yes/no that cannot be read in a pathway file is
kept as missing and reported (rule L15, `sources.pathway_records`).

The format is documented in docs/tidy-csv.md. Column names are the canonical
ones of `cpmetrics.tables`; dates are ISO (YYYY-MM-DD, a time after it is
ignored). One SQL query against any case system (Liquidlogic, Mosaic, Eclipse)
can produce plans.csv. Plan records go through `history.build_plans`, exactly as
CIN census and Annex A records do, so rejects, findings and counts mean the same.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from cpmetrics.errors import InputError, raise_collected
from cpmetrics.history import build_plans, parse_dates
from cpmetrics.sources.pathway_records import pathway_table
from cpmetrics.sources.text import norm, read_rows, reword
from cpmetrics.tables import (
    ASSESSMENT_COLUMNS,
    CHILD_COLUMNS,
    DATE,
    FINDING_COLUMNS,
    PLAN_COLUMNS,
    REVIEW_COLUMNS,
    SECTION47_COLUMNS,
    VISIT_COLUMNS,
    Tables,
    conform,
)

#: plans.csv: columns that must be present (values may be blank where the format allows)
PLAN_REQUIRED: dict[str, str] = {
    "child_id": "the child's identifier (LAchildID)",
    "start_date": "the plan's start date, YYYY-MM-DD",
    "end_date": "the plan's end date, YYYY-MM-DD, blank while the plan is open",
    "initial_category": "initial category of abuse: NEG, EMO, PHY, SAB or MUL",
    "latest_category": "latest category of abuse: NEG, EMO, PHY, SAB or MUL",
    "previous_plans": "number of previous child protection plans (NumberOfPreviousCPP)",
}
PLAN_OPTIONAL = (
    "episode_id",
    "review_count",
    "last_review_date",
    "team",
    "collection_year",
)
CHILD_REQUIRED: dict[str, str] = {"child_id": "the child's identifier, as in plans.csv"}
ASSESSMENT_REQUIRED: dict[str, str] = {
    "episode_id": "the CIN episode the assessment belongs to, as in plans.csv",
    "child_id": "the child's identifier, as in plans.csv",
    "authorisation_date": "the assessment's authorisation date, YYYY-MM-DD (may be blank)",
    "factors": "assessment factor codes, comma separated, e.g. \"3A,4B\"",
}
SECTION47_REQUIRED: dict[str, str] = {
    "child_id": "the child's identifier, as in plans.csv",
    "start_date": "the section 47 enquiry's start date (S47ActualStartDate), YYYY-MM-DD",
    "date_of_initial_cpc": "the initial child protection conference's date, YYYY-MM-DD,"
    " blank when none has been held",
}
SECTION47_OPTIONAL = ("icpc_not_required", "initial_cpc_target", "episode_id")
REVIEW_REQUIRED: dict[str, str] = {
    "child_id": "the child's identifier, as in plans.csv",
    "plan_start_date": "the start date of the plan reviewed, as start_date in plans.csv",
    "review_date": "the review conference's date, YYYY-MM-DD",
}
VISIT_REQUIRED: dict[str, str] = {
    "child_id": "the child's identifier, as in plans.csv",
    "visit_date": "the statutory visit's date, YYYY-MM-DD",
}
VISIT_OPTIONAL = ("seen_alone", "plan_start_date")
#: the optional pathway files: name -> (required columns, canonical table, its main date column)
PATHWAY_FILES: dict[str, tuple[dict[str, str], dict[str, str], str]] = {
    "section47.csv": (SECTION47_REQUIRED, SECTION47_COLUMNS, "start_date"),
    "reviews.csv": (REVIEW_REQUIRED, REVIEW_COLUMNS, "review_date"),
    "visits.csv": (VISIT_REQUIRED, VISIT_COLUMNS, "visit_date"),
}
#: CIN census element names in `history` reasons -> this format's column names
WORDS = {
    "CPPstartDate": "start_date",
    "CPPendDate": "end_date",
    "LAchildID": "child_id",
    "NumberOfPreviousCPP": "previous_plans",
}
_DATE_COLUMNS = {
    "children": ("birth_date", "expected_birth_date", "death_date"),
    "assessments": ("actual_start_date", "internal_review_date", "authorisation_date"),
}


def read_table(path: Path, required: dict[str, str]) -> pd.DataFrame:
    """One tidy CSV file as text columns, headings matched loosely to the canonical names.

    Adds `location` ("line N"). InputError naming the file and the column when a
    required column is missing, and what that column must hold.
    """
    rows = read_rows(path)
    line, header = rows[0]
    names = [norm(h).replace(" ", "_") for h in header]
    missing = [c for c in required if c not in names]
    if missing:
        col = missing[0]
        found = ", ".join(h.strip() for h in header if h.strip())[:200]
        more = f" (and {len(missing) - 1} more: {', '.join(missing[1:])})" if missing[1:] else ""
        raise InputError(
            path,
            f"line {line}",
            f"required column '{col}' is missing{more}: it must hold {required[col]}; "
            f"columns found: {found}",
        )
    dup = sorted({n for n in names if n and names.count(n) > 1})
    if dup:
        raise InputError(path, f"line {line}", f"column '{dup[0]}' appears more than once")
    wanted = [i for i, n in enumerate(names) if n]
    records = []
    for ln, fields in rows[1:]:
        rec = {names[i]: (fields[i].strip() if i < len(fields) else "") for i in wanted}
        rec["location"] = f"line {ln}"
        records.append(rec)
    columns = [names[i] for i in wanted] + ["location"]
    frame = pd.DataFrame.from_records(records, columns=columns).astype("string")
    return frame.replace("", pd.NA)


def _check_iso(frame: pd.DataFrame, column: str, path: Path) -> None:
    """InputError when a date column holds dates but none is ISO: the file uses another form.

    Only the form is judged here: '2017-02-31' is ISO in form, and a record
    holding it is rejected on its own, not the file.
    """
    if column not in frame:
        return
    given = frame[column].dropna()
    if given.empty or given.str.match(r"^\s*\d{4}-\d{1,2}-\d{1,2}").any():
        return
    first = frame.loc[given.index[0]]
    raise InputError(
        path,
        str(first["location"]),
        f"{column} '{given.iloc[0]}' is not an ISO date, and no {column} in the file is: "
        "dates must be written YYYY-MM-DD",
    )


def read_plans_csv(path: Path) -> tuple[pd.DataFrame, list[str]]:
    """plans.csv as raw plan records for `history.build_plans`."""
    raw = read_table(path, PLAN_REQUIRED)
    _check_iso(raw, "start_date", path)
    raw["source_file"] = str(path)
    raw["file_order"] = 0
    year = pd.to_numeric(raw.get("collection_year", pd.Series(pd.NA, index=raw.index)),
                         errors="coerce")
    raw["collection_year"] = year.where(year == year.round()).astype("Int64")
    if "review_count" in raw:
        rc = pd.to_numeric(raw["review_count"], errors="coerce")
        raw["review_count"] = rc.where(rc == rc.round()).astype("Int64")
    if "last_review_date" in raw:
        raw["last_review_date"] = parse_dates(raw["last_review_date"])
    for col in ("initial_category", "latest_category"):
        if col in raw:
            raw[col] = raw[col].str.upper()
    return raw, [str(path)]


def read_tidy_csv(folder: str | Path) -> Tables:
    """Canonical tables from a tidy CSV folder; InputError naming every file that cannot be read.

    Every file is read before anything is assembled, so a folder holding one bad
    file fails whole rather than half-loading. No assessments.csv means the
    source has no assessment data: domestic violence measures are not available.
    """
    folder = Path(folder)
    files = {p.name.lower(): p for p in folder.iterdir() if p.is_file()}
    plans_path = files.get("plans.csv")
    if plans_path is None:
        raise InputError(folder, None, "no plans.csv: a tidy CSV folder must hold plans.csv")
    errors: list[InputError] = []
    raw = children = assessments = None
    try:
        raw, _ = read_plans_csv(plans_path)
    except InputError as exc:
        errors.append(exc)
    if "children.csv" in files:
        try:
            children = read_table(files["children.csv"], CHILD_REQUIRED)
        except InputError as exc:
            errors.append(exc)
    if "assessments.csv" in files:
        try:
            assessments = read_table(files["assessments.csv"], ASSESSMENT_REQUIRED)
        except InputError as exc:
            errors.append(exc)
    pathway: dict[str, pd.DataFrame] = {}
    for name, (required, _, main_date) in PATHWAY_FILES.items():
        if name in files:
            try:
                pathway[name] = read_table(files[name], required)
                _check_iso(pathway[name], main_date, files[name])
            except InputError as exc:
                errors.append(exc)
    raise_collected(errors, folder)
    assert raw is not None

    plans, rejects, findings, counts = build_plans(raw)
    counts.check(str(plans_path))
    reword(rejects, findings, WORDS)

    if children is not None:
        children["source_file"] = str(files["children.csv"])
        for c in _DATE_COLUMNS["children"]:
            if c in children:
                children[c] = parse_dates(children[c])
        children = conform(children.drop(columns="location"), CHILD_COLUMNS)
    else:
        children = conform(pd.DataFrame(columns=list(CHILD_COLUMNS)), CHILD_COLUMNS)

    if assessments is not None:
        assessments["source_file"] = str(files["assessments.csv"])
        for c in _DATE_COLUMNS["assessments"]:
            if c in assessments:
                assessments[c] = parse_dates(assessments[c])
        assessments["factors"] = (
            assessments["factors"].str.replace(" ", "", regex=False).str.upper()
        )
        assessments = conform(assessments.drop(columns="location"), ASSESSMENT_COLUMNS)

    read: dict[str, pd.DataFrame] = {}
    found = [findings]
    for name, raw_file in pathway.items():
        columns = PATHWAY_FILES[name][1]
        read[name], more = pathway_table(raw_file, columns, str(files[name]), {})
        found.append(more)
    found = [f for f in found if len(f)]

    used = [str(p) for p in (plans_path, files.get("children.csv"), files.get("assessments.csv"),
                             *(files[name] for name in pathway))]
    return Tables(
        plans=plans,
        children=children,
        assessments=assessments,
        section47=read.get("section47.csv"),
        reviews=read.get("reviews.csv"),
        visits=read.get("visits.csv"),
        findings=conform(pd.concat(found, ignore_index=True), FINDING_COLUMNS) if found
        else findings,
        rejects=rejects,
        counts=counts,
        source="csv",
        files=tuple(u for u in used if u != "None"),
    )


def write_tidy_csv(tables: Tables, folder: str | Path) -> list[Path]:
    """Write canonical tables as a tidy CSV folder (the inverse of `read_tidy_csv`)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    cols = [c for c in PLAN_COLUMNS if c not in ("source_file", "location")]
    plans = tables.plans[cols].copy()
    for c in ("start_date", "end_date", "last_review_date"):
        plans[c] = plans[c].dt.strftime("%Y-%m-%d")
    out.append(folder / "plans.csv")
    plans.to_csv(out[-1], index=False)
    if len(tables.children):
        children = tables.children[[c for c in CHILD_COLUMNS if c != "source_file"]].copy()
        for c in _DATE_COLUMNS["children"]:
            children[c] = children[c].dt.strftime("%Y-%m-%d")
        out.append(folder / "children.csv")
        children.to_csv(out[-1], index=False)
    if tables.assessments is not None:
        a = tables.assessments[[c for c in ASSESSMENT_COLUMNS if c != "source_file"]].copy()
        for c in _DATE_COLUMNS["assessments"]:
            a[c] = a[c].dt.strftime("%Y-%m-%d")
        out.append(folder / "assessments.csv")
        a.to_csv(out[-1], index=False)
    for name, (_, columns, _) in PATHWAY_FILES.items():
        frame = getattr(tables, name.removesuffix(".csv"))
        if frame is None:
            continue
        keep = [c for c in columns if c not in ("source_file", "collection_year", "location")]
        frame = frame[keep].copy()
        for c in keep:
            if columns[c] == DATE:
                frame[c] = frame[c].dt.strftime("%Y-%m-%d")
            elif columns[c] == "boolean":
                frame[c] = frame[c].map({True: "yes", False: "no"}).astype("string")
        out.append(folder / name)
        frame.to_csv(out[-1], index=False)
    return out
