"""Reader for Ofsted's Annex A workbook, List 7 (child protection), as .xlsx or saved as CSV.

List 7 has one row per child protection plan open at the time of the return or
ended in the months before it, under 17 headings (HEADINGS). What it holds and
how it is mapped:

- Dates come as real Excel dates, Excel serial numbers or dd/mm/yyyy text;
  all become calendar dates. A date that does not exist (31/02/2017) is kept as
  written, so the record is rejected with that reason rather than guessed.
- Coded values carry letter prefixes ("a) Male", "s) NOBT"); the prefix is
  dropped. Categories of abuse are words ("Neglect") and become CIN census
  codes (NEG, EMO, PHY, SAB, MUL); a word not recognised is kept as written and
  reported by rule 8905/8910.
- "Number of Previous Child Protection Plans" is the count of earlier plans the
  child has had (List 7 carries no dates of those plans). It becomes
  `previous_plans`, the CIN census NumberOfPreviousCPP, so a plan is second or
  subsequent when the count is 1 or more, or when the list itself holds an
  earlier plan for the same child. A blank count is reported (rule 8730) and
  the plan history alone decides.
- "Allocated Team" becomes `team`, for breakdowns. "Allocated Worker" (a
  person's name) and the order columns are not loaded: no measure uses them.
- "Date of the Last Statutory Visit" and "Was the Child Seen Alone?" become the
  `visits` table, one row per List 7 row that gives either (the plan's latest
  visit only: List 7 keeps no earlier one), for the visit measures. The latest
  of them is `Tables.visits_to`: visits come every few weeks to every child on
  a plan, so the latest says how far the list runs (`coverage`), and at a date
  before it the latest visit then is not known (`pathway.visits_known_at`).
- List 5 (section 47 enquiries), where the workbook has it, becomes the
  `section47` table: "Strategy discussion initiating Section 47 Enquiry Start
  Date" is the enquiry's start (S47ActualStartDate), "Date of Initial Child
  Protection Conference" its conference and "Was an Initial Child Protection
  Conference deemed unnecessary?" ICPCnotRequired. Without List 5 (or with a
  List 5 sheet left blank) `section47` is None: the conference measures are not
  available, never zero. A List 5 that has rows but no heading row is refused,
  as List 7 is. List 7 saved as CSV has no List 5.
- List 7 has only each plan's latest review conference, not every review, so
  `reviews` is None: whether every review was in time (D6) cannot be told.
- Annex A has no assessments, so `assessments` is None: domestic violence
  measures are "not available" for this source, never zero. It has no
  collection reference date either, so the census-year rules (8720, 8930) do
  not apply to it.
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from pathlib import Path

import pandas as pd

from cpmetrics.errors import InputError
from cpmetrics.history import build_plans, parse_dates
from cpmetrics.sources.pathway_records import pathway_table
from cpmetrics.sources.text import norm, read_rows, reword
from cpmetrics.tables import (
    CHILD_COLUMNS,
    FINDING_COLUMNS,
    SECTION47_COLUMNS,
    VISIT_COLUMNS,
    Tables,
    conform,
)

SHEET = "List 7"
#: the child's columns every Annex A list opens with
CHILD_HEADINGS: tuple[str, ...] = (
    "Child Unique ID",
    "Gender",
    "Ethnicity",
    "Date of Birth",
    "Age",
    "Does the Child have a Disability",
)
#: List 7's headings, in order, as in Ofsted's template and the public samples
HEADINGS: tuple[str, ...] = (
    *CHILD_HEADINGS,
    "Child Protection Plan Start Date",
    "Initial Category of Abuse",
    "Latest Category of Abuse",
    "Date of the Last Statutory Visit",
    "Was the Child Seen Alone?",
    "Date of latest review conference",
    "Child Protection Plan End Date",
    "Subject to Emergency Protection Order or Protected Under Police Powers"
    " in Last Six Months (Y/N)",
    "Number of Previous Child Protection Plans",
    "Allocated Team",
    "Allocated Worker",
)
#: heading -> canonical column, for the headings a measure or a breakdown uses
COLUMNS: dict[str, str] = {
    "Child Unique ID": "child_id",
    "Gender": "sex",
    "Ethnicity": "ethnicity",
    "Date of Birth": "birth_date",
    "Does the Child have a Disability": "disabled",
    "Child Protection Plan Start Date": "start_date",
    "Initial Category of Abuse": "initial_category",
    "Latest Category of Abuse": "latest_category",
    "Date of the Last Statutory Visit": "last_visit_date",
    "Was the Child Seen Alone?": "seen_alone",
    "Date of latest review conference": "last_review_date",
    "Child Protection Plan End Date": "end_date",
    "Number of Previous Child Protection Plans": "previous_plans",
    "Allocated Team": "team",
}
#: headings without which the plan measures cannot be worked out: a file lacking one is refused
REQUIRED: tuple[str, ...] = (
    "Child Unique ID",
    "Child Protection Plan Start Date",
    "Child Protection Plan End Date",
    "Initial Category of Abuse",
    "Latest Category of Abuse",
    "Number of Previous Child Protection Plans",
)
#: other spellings seen in councils' returns, compared loosely (`text.norm`)
ALIASES: dict[str, str] = {
    "sex": "Gender",
    "child id": "Child Unique ID",
    "child unique identifier": "Child Unique ID",
    "number of previous cp plans": "Number of Previous Child Protection Plans",
    "sum of number of previous child protection plans": "Number of Previous Child Protection Plans",
    "cp plan start date": "Child Protection Plan Start Date",
    "cp plan end date": "Child Protection Plan End Date",
    "team": "Allocated Team",
}
_LOOKUP = {norm(h): h for h in HEADINGS} | ALIASES

LIST_5 = "List 5"
#: List 5's headings (section 47 enquiries), in order, as in Ofsted's template and the samples
HEADINGS_5: tuple[str, ...] = (
    *CHILD_HEADINGS,
    "Strategy discussion initiating Section 47 Enquiry Start Date",
    "Was an Initial Child Protection Conference deemed unnecessary?",
    "Date of Initial Child Protection Conference",
    "Did the Initial Child Protection Conference Result in a Child Protection Plan",
    "Number of Section 47 Enquiries in the last 12 months",
    "Number of ICPCs in the last 12 months",
    "Allocated Team",
    "Allocated Worker",
)
#: List 5 heading -> section 47 column; all four are needed for the pathway measures
COLUMNS_5: dict[str, str] = {
    "Child Unique ID": "child_id",
    "Strategy discussion initiating Section 47 Enquiry Start Date": "start_date",
    "Was an Initial Child Protection Conference deemed unnecessary?": "icpc_not_required",
    "Date of Initial Child Protection Conference": "date_of_initial_cpc",
}
_LOOKUP_5 = {norm(h): h for h in HEADINGS_5} | {
    "child id": "Child Unique ID",
    "child unique identifier": "Child Unique ID",
    "section 47 enquiry start date": "Strategy discussion initiating Section 47 Enquiry Start Date",
    "s47 start date": "Strategy discussion initiating Section 47 Enquiry Start Date",
    "date of icpc": "Date of Initial Child Protection Conference",
    "icpc date": "Date of Initial Child Protection Conference",
}

#: category of abuse as written in Annex A -> CIN census code
CATEGORY_WORDS: dict[str, str] = {
    "neglect": "NEG",
    "emotional abuse": "EMO",
    "emotional": "EMO",
    "physical abuse": "PHY",
    "physical": "PHY",
    "sexual abuse": "SAB",
    "sexual": "SAB",
    "multiple": "MUL",
    "mixed": "MUL",
    "multiple/mixed": "MUL",
    "multiple categories": "MUL",
    "multiple/not recommended": "MUL",
    "neg": "NEG",
    "emo": "EMO",
    "phy": "PHY",
    "sab": "SAB",
    "mul": "MUL",
}
_SEX = {"male": "M", "female": "F", "m": "M", "f": "F", "unknown": "U", "u": "U",
        "not known": "U", "indeterminate": "U", "not stated": "U", "other": "U"}
_PREFIX = re.compile(r"^\s*[a-z]{1,2}\)\s*", re.IGNORECASE)
_DMY = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")
_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})")
_EXCEL_1900 = dt.date(1899, 12, 30)  # serial 1 is 1 January 1900 (Excel's leap-year bug kept)
_EXCEL_1904 = dt.date(1904, 1, 1)
_HEADER_SEARCH = 10  # rows searched for the heading row (some returns put a title above it)


def strip_prefix(value: object) -> str | None:
    """'a) Male' -> 'Male'; blank -> None."""
    if value is None:
        return None
    text = _PREFIX.sub("", str(value)).strip()
    return text or None


def category_code(value: object) -> str | None:
    """'Neglect' -> 'NEG'; a word not recognised is returned as written (8905/8910 report it)."""
    text = strip_prefix(value)
    if text is None:
        return None
    return CATEGORY_WORDS.get(" ".join(text.lower().split()), text)


def date_text(value: object, epoch: dt.date = _EXCEL_1900) -> str | None:
    """An Excel date, serial number or dd/mm/yyyy (or ISO) text as ISO text.

    Text that is not a real date is returned as written, so that the record is
    rejected with its reason instead of being guessed at.
    """
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float):
        return _serial(value, epoch) or str(value)
    text = str(value).strip()
    if not text:
        return None
    if m := _DMY.match(text):
        day, month, year = (int(g) for g in m.groups())
        return _iso(year, month, day) or text
    if m := _ISO.match(text):
        year, month, day = (int(g) for g in m.groups())
        return _iso(year, month, day) or text
    if re.fullmatch(r"\d{1,6}(\.0+)?", text):
        return _serial(float(text), epoch) or text
    return text


def _iso(year: int, month: int, day: int) -> str | None:
    try:
        return dt.date(year, month, day).isoformat()
    except ValueError:
        return None


def _serial(value: float, epoch: dt.date) -> str | None:
    if not 1 <= value < 2958466:  # 2958465 is 31 December 9999
        return None
    return (epoch + dt.timedelta(days=int(value))).isoformat()


def _count_text(value: object) -> str | None:
    """Number of previous plans as written ('1', not '1.0'); blank -> None."""
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return strip_prefix(value)


def _id_text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    return text or None


# --------------------------------------------------------------------------- reading


def _header_map(row: list[object], where: str, path: Path) -> dict[str, int] | None:
    """Heading -> column index if `row` is List 7's heading row, else None."""
    found: dict[str, int] = {}
    for i, cell in enumerate(row):
        heading = _LOOKUP.get(norm(cell))
        if heading is not None and heading not in found:
            found[heading] = i
    if "Child Unique ID" not in found:
        return None
    missing = [h for h in REQUIRED if h not in found]
    if missing:
        seen = [str(c).strip() for c in row if c is not None and str(c).strip()]
        unknown = [s for s in seen if norm(s) not in _LOOKUP]
        shown = ", ".join(repr(u) for u in unknown[:5])
        hint = f"; headings not recognised: {shown}" if unknown else ""
        raise InputError(
            path,
            where,
            f"List 7 heading '{missing[0]}' is missing"
            + (f" (and {len(missing) - 1} more)" if len(missing) > 1 else "")
            + hint,
        )
    return found


def _records(rows, path: Path, sheet_label: str, epoch: dt.date) -> list[dict]:
    """Raw plan records from List 7's rows: (row number, cells) pairs."""
    header: dict[str, int] | None = None
    records: list[dict] = []
    for n, cells in rows:
        cells = list(cells)
        if header is None:
            if n > _HEADER_SEARCH:
                raise InputError(
                    path,
                    sheet_label,
                    f"no List 7 heading row ('Child Unique ID', ...) in the first {_HEADER_SEARCH}"
                    " rows",
                )
            header = _header_map(cells, f"{sheet_label}row {n}".strip(), path)
            continue
        if not any(c is not None and str(c).strip() for c in cells):
            continue
        rec: dict = {}
        for heading, col in COLUMNS.items():
            i = header.get(heading)
            rec[col] = cells[i] if i is not None and i < len(cells) else None
        records.append(
            {
                "child_id": _id_text(rec["child_id"]),
                "start_date": date_text(rec["start_date"], epoch),
                "end_date": date_text(rec["end_date"], epoch),
                "initial_category": category_code(rec["initial_category"]),
                "latest_category": category_code(rec["latest_category"]),
                "previous_plans": _count_text(rec["previous_plans"]),
                "last_review_date": date_text(rec["last_review_date"], epoch),
                "last_visit_date": date_text(rec["last_visit_date"], epoch),
                "seen_alone": strip_prefix(rec["seen_alone"]),
                "team": strip_prefix(rec["team"]),
                "sex": strip_prefix(rec["sex"]),
                "ethnicity": strip_prefix(rec["ethnicity"]),
                "birth_date": date_text(rec["birth_date"], epoch),
                "disabled": strip_prefix(rec["disabled"]),
                "location": f"{sheet_label}row {n}".strip(),
            }
        )
    if header is None:
        raise InputError(
            path, sheet_label.strip() or None, "no List 7 heading row: the list is empty"
        )
    return records


def _blank(cells: list[object]) -> bool:
    return not any(c is not None and str(c).strip() for c in cells)


def _list5_records(rows, path: Path, sheet_label: str, epoch: dt.date) -> list[dict] | None:
    """Section 47 records from List 5's rows; None when the sheet is blank (not filled in)."""
    header: dict[str, int] | None = None
    records: list[dict] = []
    for n, cells in rows:
        cells = list(cells)
        if _blank(cells):
            continue
        if header is None:
            found: dict[str, int] = {}
            for i, cell in enumerate(cells):
                heading = _LOOKUP_5.get(norm(cell))
                if heading is not None and heading not in found:
                    found[heading] = i
            if "Child Unique ID" not in found:
                if n >= _HEADER_SEARCH:
                    raise InputError(path, sheet_label.strip(), "no List 5 heading row"
                                     f" ('Child Unique ID', ...) in the first {_HEADER_SEARCH}"
                                     " rows")
                continue
            missing = [h for h in COLUMNS_5 if h not in found]
            if missing:
                raise InputError(path, f"{sheet_label}row {n}".strip(),
                                 f"List 5 heading '{missing[0]}' is missing"
                                 + (f" (and {len(missing) - 1} more)" if len(missing) > 1 else ""))
            header = found
            continue
        rec = {col: cells[header[h]] if header[h] < len(cells) else None
               for h, col in COLUMNS_5.items()}
        records.append({
            "child_id": _id_text(rec["child_id"]),
            "start_date": date_text(rec["start_date"], epoch),
            "date_of_initial_cpc": date_text(rec["date_of_initial_cpc"], epoch),
            "icpc_not_required": strip_prefix(rec["icpc_not_required"]),
            "location": f"{sheet_label}row {n}".strip(),
        })
    return records if header is not None else None


def _find_sheet(names: list[str], number: int = 7) -> str | None:
    """The sheet of List `number`: 'List 7', or a name such as 'List 7 - Child protection'."""
    for name in names:
        if norm(name) == f"list {number}":
            return name
    for name in names:
        if re.match(rf"^list\s*{number}(\b|[^0-9])", norm(name)):
            return name
    return None


def _read_xlsx(path: Path) -> tuple[list[dict], list[dict] | None]:
    """List 7's plan records, and List 5's section 47 records (None without List 5)."""
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    with open(path, "rb") as fh:
        head = fh.read(8)
    if not head.strip():
        raise InputError(path, None, "file is empty")
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise InputError(path, None, "is an old-style .xls workbook: save it as .xlsx")
    if not head.startswith(b"PK"):
        raise InputError(
            path, None, "is not an Excel workbook (an .xlsx file is a zip archive; this is not)"
        )
    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError) as exc:
        raise InputError(path, None, f"is not a readable Excel workbook ({_short(exc)})") from None
    except Exception as exc:  # defusedxml refusals, malformed parts: never a traceback
        raise InputError(path, None, f"is not a readable Excel workbook ({_short(exc)})") from None
    try:
        name = _find_sheet(wb.sheetnames)
        if name is None:
            shown = ", ".join(repr(s) for s in wb.sheetnames[:12])
            raise InputError(path, None, f"has no sheet '{SHEET}' (sheets: {shown})")
        ws = wb[name]
        is_1904 = getattr(wb, "epoch", None) == dt.datetime(1904, 1, 1)
        epoch = _EXCEL_1904 if is_1904 else _EXCEL_1900
        label = f"sheet '{name}' "
        rows = ((i, r) for i, r in enumerate(ws.iter_rows(values_only=True), start=1))
        try:
            plans = _records(rows, path, label, epoch)
        except InputError:
            raise
        except Exception as exc:
            raise InputError(path, label.strip(), f"cannot be read ({_short(exc)})") from None
        name5 = _find_sheet(wb.sheetnames, 5)
        if name5 is None:
            return plans, None
        label = f"sheet '{name5}' "
        rows = ((i, r) for i, r in enumerate(wb[name5].iter_rows(values_only=True), start=1))
        try:
            return plans, _list5_records(rows, path, label, epoch)
        except InputError:
            raise
        except Exception as exc:
            raise InputError(path, label.strip(), f"cannot be read ({_short(exc)})") from None
    finally:
        wb.close()


def _short(exc: BaseException) -> str:
    text = str(exc).splitlines()[0] if str(exc) else ""
    return f"{type(exc).__name__}: {text[:120]}" if text else type(exc).__name__


def read_annex_a(path: str | Path) -> Tables:
    """Canonical tables from an Annex A workbook (sheet 'List 7') or List 7 saved as CSV.

    A CSV whose headings are the tidy CSV format's (child_id, start_date, ...) is
    read as a tidy plans file instead.
    """
    path = Path(path)
    if path.suffix.lower() == ".csv":
        rows = read_rows(path)
        names = {norm(h).replace(" ", "_") for h in rows[0][1]}
        if {"child_id", "start_date"} <= names:
            return _tidy_plans_file(path)
        records, enquiries = _records(iter(rows), path, "", _EXCEL_1900), None
    else:
        records, enquiries = _read_xlsx(path)
    return _tables(records, path, enquiries)


def _tidy_plans_file(path: Path) -> Tables:
    from cpmetrics.sources.tidy_csv import WORDS, read_plans_csv

    raw, files = read_plans_csv(path)
    plans, rejects, findings, counts = build_plans(raw)
    counts.check(str(path))
    reword(rejects, findings, WORDS)
    return Tables(plans=plans, findings=findings, rejects=rejects, counts=counts, source="csv",
                  files=tuple(files))


_PLAN_FIELDS = ("child_id", "start_date", "end_date", "initial_category", "latest_category",
                "previous_plans", "last_review_date", "team", "location")
_READABLE = {
    "CPPstartDate": "Child Protection Plan Start Date",
    "CPPendDate": "Child Protection Plan End Date",
    "LAchildID": "Child Unique ID",
    "NumberOfPreviousCPP": "Number of Previous Child Protection Plans",
}


#: canonical column -> its List 5 or List 7 heading, for findings' messages
_NAMES_5 = {col: h for h, col in COLUMNS_5.items()}
_NAMES_7 = {"child_id": "Child Unique ID", "visit_date": "Date of the Last Statutory Visit",
            "seen_alone": "Was the Child Seen Alone?"}


def _tables(records: list[dict], path: Path, enquiries: list[dict] | None = None) -> Tables:
    src = str(path)
    raw = pd.DataFrame.from_records(records, columns=[*_PLAN_FIELDS, "sex", "ethnicity",
                                                      "birth_date", "disabled",
                                                      "last_visit_date", "seen_alone"])
    plan_raw = raw[list(_PLAN_FIELDS)].astype("object").copy()
    plan_raw["source_file"] = src
    plan_raw["collection_year"] = pd.Series(pd.NA, index=plan_raw.index, dtype="Int64")
    plan_raw["file_order"] = 0
    plan_raw["episode_id"] = pd.NA
    plans, rejects, findings, counts = build_plans(plan_raw)
    counts.check(src)
    reword(rejects, findings, _READABLE)

    children = raw[["child_id", "sex", "ethnicity", "birth_date", "disabled"]].copy()
    children = children[children["child_id"].notna()].drop_duplicates("child_id", keep="last")
    sex = children["sex"].map(lambda s: _SEX.get(str(s).lower(), s) if s is not None else None)
    children = children.assign(
        sex=sex,
        birth_date=pd.to_datetime(children["birth_date"], format="%Y-%m-%d", errors="coerce"),
        disabled=children["disabled"].map(
            lambda v: {"yes": True, "no": False, "y": True, "n": False}.get(str(v).lower(), pd.NA)
        ).astype("boolean"),
        source_file=src,
    )
    # each plan's latest visit, where List 7 gives its date or whether the child was seen alone
    given = raw["child_id"].notna() & (raw["last_visit_date"].notna() | raw["seen_alone"].notna())
    v = raw[given]
    visits, visit_findings = pathway_table(
        pd.DataFrame({"child_id": v["child_id"], "plan_start_date": parse_dates(v["start_date"]),
                      "visit_date": v["last_visit_date"], "seen_alone": v["seen_alone"],
                      "location": v["location"]}),
        VISIT_COLUMNS, src, _NAMES_7)
    section47, found = None, [findings, visit_findings]
    if enquiries is not None:
        section47, s47_findings = pathway_table(
            pd.DataFrame.from_records(enquiries, columns=[*COLUMNS_5.values(), "location"]),
            SECTION47_COLUMNS, src, _NAMES_5)
        found.append(s47_findings)
    found = [f for f in found if len(f)]
    return Tables(
        plans=plans,
        children=conform(children, CHILD_COLUMNS),
        assessments=None,  # Annex A has no assessments: DV measures are not available
        section47=section47,  # List 5, where the workbook has it
        reviews=None,  # List 7 has each plan's latest review only
        visits=visits,
        findings=conform(pd.concat(found, ignore_index=True), FINDING_COLUMNS) if found
        else findings,
        rejects=rejects,
        counts=counts,
        source="annex_a",
        files=(src,),
        visits_to=_latest(raw["last_visit_date"]),
    )


def _latest(dates: pd.Series) -> pd.Timestamp | None:
    """The latest of a column of ISO date texts (the rest ignored), or None."""
    latest = parse_dates(dates).max()
    return None if pd.isna(latest) else pd.Timestamp(latest)


# --------------------------------------------------------------------------- writing


def to_annex_a(
    tables: Tables,
    path: str | Path,
    as_at: str | dt.date | pd.Timestamp,
    months: int = 6,
) -> Path:
    """Write List 7 as asked for at `as_at`: plans open then or ended in the `months` before.

    Used to compare the same council's data as CIN census and as Annex A. The
    number of previous plans written is the larger of the recorded count and the
    child's earlier plans in `tables`, so the workbook carries the history that
    List 7 cannot list. Dates are written as real Excel dates.
    """
    import openpyxl

    at = pd.Timestamp(as_at).normalize()
    since = at - pd.DateOffset(months=months)
    p = tables.plans.sort_values(["child_id", "start_date"]).copy()
    earlier = p.groupby("child_id").cumcount()
    p["n_previous"] = pd.concat(
        [p["previous_plans"].fillna(0).astype("int64"), earlier.astype("int64")], axis=1
    ).max(axis=1)
    keep = (p["start_date"] <= at) & (p["end_date"].isna() | (p["end_date"] > since))
    p = p[keep]
    kids = tables.children.drop_duplicates("child_id", keep="last").set_index("child_id")
    words = {"NEG": "Neglect", "EMO": "Emotional abuse", "PHY": "Physical abuse",
             "SAB": "Sexual abuse", "MUL": "Multiple/mixed"}
    sexes = {"M": "a) Male", "F": "b) Female", "U": "c) Unknown"}

    def day(v):
        return None if pd.isna(v) else v.to_pydatetime()

    wb = openpyxl.Workbook()
    wb.active.title = "List 1"
    ws = wb.create_sheet(SHEET)
    ws.append(list(HEADINGS))
    for r in p.itertuples():
        kid = kids.loc[r.child_id] if r.child_id in kids.index else None
        end = r.end_date if pd.notna(r.end_date) and r.end_date <= at else pd.NaT
        birth = kid["birth_date"] if kid is not None else pd.NaT
        ws.append(
            [
                r.child_id,
                sexes.get(kid["sex"]) if kid is not None and pd.notna(kid["sex"]) else None,
                kid["ethnicity"] if kid is not None and pd.notna(kid["ethnicity"]) else None,
                day(birth),
                None,
                None,
                day(r.start_date),
                words.get(r.initial_category, r.initial_category),
                words.get(r.latest_category, r.latest_category),
                None,
                None,
                day(r.last_review_date),
                day(end),
                None,
                int(r.n_previous),
                r.team if pd.notna(r.team) else None,
                None,
            ]
        )
    for row in ws.iter_rows(min_row=2):
        for cell in row:
            if isinstance(cell.value, dt.datetime):
                cell.number_format = "dd/mm/yyyy"
    path = Path(path)
    wb.save(path)
    return path
