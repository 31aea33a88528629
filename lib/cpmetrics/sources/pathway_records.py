"""Section 47 enquiries, reviews and visits from Annex A and tidy CSV, made canonical.

A reader hands over these records with values as written (dates already in ISO
form where its format allows) and a `location` each. Dates and yes/no answers
are read here. They are not plan records, so none is rejected and the plan
counts (read = loaded + rejected) are untouched: a value that cannot be read is
kept as missing and reported (rule L15, naming the file, the place and the
value), and the measures treat it as missing (an enquiry with an unreadable
start date is in no period; a review with no date is no review held).
"""

from __future__ import annotations

import pandas as pd

from cpmetrics.history import findings_frame, parse_dates
from cpmetrics.tables import DATE, conform

_YES = {"1", "true", "yes", "y"}
_NO = {"0", "false", "no", "n"}
_PREFIX = r"^\s*[a-z]{1,2}\)\s*"  # Annex A's "a) Yes"


def yes_no(values: pd.Series) -> pd.Series:
    """Yes/no answers as booleans: 1/0, true/false, yes/no, y/n, in any case, with or without
    Annex A's letter prefix ("a) Yes"); anything else missing."""
    v = values.astype("string").str.replace(_PREFIX, "", regex=True, case=False)
    v = v.str.strip().str.lower()
    out = pd.Series(pd.NA, index=values.index, dtype="boolean")
    out[v.isin(_YES).fillna(False).to_numpy()] = True
    out[v.isin(_NO).fillna(False).to_numpy()] = False
    return out


def pathway_table(raw: pd.DataFrame, columns: dict[str, str], source_file: str,
                  names: dict[str, str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(canonical table, findings) from raw records of one source file.

    `raw` holds text values under canonical column names, and `location`; `columns`
    are the canonical table's (`tables.SECTION47_COLUMNS`, ...); `names` maps a
    canonical column to what the source calls it, for the findings' messages. A
    blank child id and every date or yes/no value given but unreadable are
    findings (L15); the value becomes missing.
    """
    out = raw.copy()
    found: list[dict] = []

    def report(bad: pd.Series, words: pd.Series) -> None:
        for (_, r), w in zip(raw[bad.to_numpy()].iterrows(), words[bad], strict=True):
            child = r.get("child_id")
            found.append({
                "source_file": source_file,
                "location": r["location"],
                "child_id": None if child is None or pd.isna(child) else str(child),
                "rule": "L15",
                "message": w,
                "action": "kept; the value is taken as missing",
            })

    for col, dtype in columns.items():
        if col not in raw or col == "location":
            continue
        text = raw[col].astype("string").str.strip()
        given = text.notna() & (text != "")
        if col == "child_id":
            out[col] = text.where(given)
            report(~given, pd.Series(f"no {names.get(col, col)}: the record matches no child",
                                     index=raw.index))
        elif dtype == DATE:
            out[col] = parse_dates(raw[col])
            report(given & out[col].isna(),
                   names.get(col, col) + " '" + text.fillna("") + "' is not a date")
        elif dtype == "boolean":
            out[col] = yes_no(raw[col])
            report(given & out[col].isna(),
                   names.get(col, col) + " '" + text.fillna("") + "' is not yes or no")
    out["source_file"] = source_file
    return conform(out, columns), findings_frame(found)
