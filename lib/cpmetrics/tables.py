"""The canonical tables every source produces and every measure reads.

Each loader (CIN census XML, Annex A, tidy CSV) returns a `Tables`: plain
pandas DataFrames with the columns below, plus the quality findings and the
rejected records. Columns derived for the measures (`is_replan`) are computed
once, here, not in each measure.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import pandas as pd

DATE = "datetime64[s]"  # seconds: the samples hold dates such as 1066-04-13
STR = "string"

#: canonical columns and dtypes, table by table
PLAN_COLUMNS: dict[str, str] = {
    "child_id": STR,
    "episode_id": STR,  # child id and CIN referral date; empty where the source has none
    "start_date": DATE,
    "end_date": DATE,
    "initial_category": STR,  # NEG, EMO, PHY, SAB, MUL
    "latest_category": STR,
    "previous_plans": "Int64",  # NumberOfPreviousCPP; missing where not recorded
    "review_count": "Int64",  # CIN census: the dated reviews in `Tables.reviews`
    "last_review_date": DATE,
    "team": STR,  # Annex A "Allocated Team"; empty for the CIN census
    "source_file": STR,
    "collection_year": "Int64",  # year ending 31 March of the return the record came from
    "location": STR,  # where in the source file: "line 412" or "row 7"
}
CHILD_COLUMNS: dict[str, str] = {
    "child_id": STR,
    "birth_date": DATE,
    "expected_birth_date": DATE,
    "sex": STR,  # M, F, U (GenderCurrent 1/2/0/9 mapped)
    "ethnicity": STR,
    "death_date": DATE,
    "disabilities": STR,  # comma separated codes
    "upn": STR,  # unique pupil number; empty where not recorded
    "upn_unknown": STR,  # UPNunknown reason code (UN1-UN7)
    "source_file": STR,
    "collection_year": "Int64",
}
EPISODE_COLUMNS: dict[str, str] = {
    "episode_id": STR,
    "child_id": STR,
    "referral_date": DATE,
    "referral_source": STR,
    "primary_need": STR,
    "closure_date": DATE,
    "reason_for_closure": STR,
    "date_of_initial_cpc": DATE,
    "referral_nfa": "boolean",
    "source_file": STR,
    "collection_year": "Int64",
}
ASSESSMENT_COLUMNS: dict[str, str] = {
    "episode_id": STR,
    "child_id": STR,
    "actual_start_date": DATE,
    "internal_review_date": DATE,
    "authorisation_date": DATE,
    "factors": STR,  # AssessmentFactors codes, comma separated, in the order recorded
    "source_file": STR,
    "collection_year": "Int64",
}
SECTION47_COLUMNS: dict[str, str] = {
    "episode_id": STR,
    "child_id": STR,
    "start_date": DATE,
    "initial_cpc_target": DATE,
    "date_of_initial_cpc": DATE,
    "icpc_not_required": "boolean",
    "source_file": STR,
    "collection_year": "Int64",
}
REVIEW_COLUMNS: dict[str, str] = {
    # one row per CPPreviewDate of a plan, unioned over every return holding the plan
    "child_id": STR,
    "plan_start_date": DATE,  # with child_id, the plan the review belongs to
    "review_date": DATE,  # missing where CPPreviewDate is blank or not a date
    "source_file": STR,  # the latest return listing the review
    "collection_year": "Int64",
}
VISIT_COLUMNS: dict[str, str] = {
    # one row per statutory visit to a child on a plan (Annex A List 7: the latest visit only)
    "child_id": STR,
    "plan_start_date": DATE,  # the plan visited, where the source says it (Annex A does)
    "visit_date": DATE,
    "seen_alone": "boolean",  # missing where not recorded
    "source_file": STR,
    "location": STR,
}
CIN_PLAN_COLUMNS: dict[str, str] = {
    "episode_id": STR,
    "child_id": STR,
    "start_date": DATE,
    "end_date": DATE,
    "source_file": STR,
    "collection_year": "Int64",
}
FINDING_COLUMNS: dict[str, str] = {
    "source_file": STR,
    "location": STR,
    "child_id": STR,
    "rule": STR,  # DfE rule number, or a local code beginning "L"
    "message": STR,  # what is wrong, in plain English
    "action": STR,  # what the measures did with the record
}
REJECT_COLUMNS: dict[str, str] = {
    "source_file": STR,
    "location": STR,
    "child_id": STR,
    "start_date": STR,  # as written in the source
    "end_date": STR,
    "reason": STR,
}

#: category of abuse codes (CIN census code list)
CATEGORIES = ("NEG", "EMO", "PHY", "SAB", "MUL")
#: assessment factor codes for domestic violence/abuse (metrics.md)
DV_FACTORS = ("3A", "3B", "3C")


def empty(columns: dict[str, str]) -> pd.DataFrame:
    """An empty table with the canonical columns and dtypes."""
    return pd.DataFrame({c: pd.Series(dtype=t) for c, t in columns.items()})


def conform(frame: pd.DataFrame, columns: dict[str, str]) -> pd.DataFrame:
    """The canonical columns, in order and with their dtypes; missing ones are empty.

    Extra columns a source carries are kept after the canonical ones.
    """
    out = {}
    n = len(frame)
    for col, dtype in columns.items():
        if col in frame:
            s = frame[col]
            if dtype == DATE:
                s = pd.to_datetime(s, errors="coerce").astype(DATE)
            else:
                s = s.astype(dtype)
            out[col] = s.reset_index(drop=True)
        else:
            out[col] = pd.Series([pd.NA] * n if dtype != DATE else [pd.NaT] * n, dtype=dtype)
    extra = {c: frame[c].reset_index(drop=True) for c in frame.columns if c not in columns}
    return pd.DataFrame({**out, **extra})


@dataclass
class LoadCounts:
    """Plan records read, loaded and rejected: read = loaded + rejected, always.

    `merged` counts loaded records that repeat a plan already held (the same
    plan in two yearly files, or twice in one file): they are loaded but the
    plan is measured once, so `plans = loaded - merged`.
    """

    read: int = 0
    loaded: int = 0
    rejected: int = 0
    merged: int = 0

    @property
    def plans(self) -> int:
        return self.loaded - self.merged

    def check(self, where: str = "") -> None:
        if self.read != self.loaded + self.rejected:
            raise AssertionError(
                f"{where}: records read {self.read} != loaded {self.loaded}"
                f" + rejected {self.rejected}"
            )


@dataclass
class Tables:
    """A council's child protection data in canonical form, with what was found wrong in it."""

    plans: pd.DataFrame
    children: pd.DataFrame = field(default_factory=lambda: empty(CHILD_COLUMNS))
    episodes: pd.DataFrame = field(default_factory=lambda: empty(EPISODE_COLUMNS))
    assessments: pd.DataFrame | None = None  # None: the source has no assessment data
    # the pathway tables: None when the source does not hold them (then the pathway measures
    # that need them are null, never zero); an empty table when it holds none
    section47: pd.DataFrame | None = None  # CIN census, Annex A List 5, tidy section47.csv
    cin_plans: pd.DataFrame = field(default_factory=lambda: empty(CIN_PLAN_COLUMNS))
    reviews: pd.DataFrame | None = None  # CIN census, tidy reviews.csv
    visits: pd.DataFrame | None = None  # Annex A List 7, tidy visits.csv
    findings: pd.DataFrame = field(default_factory=lambda: empty(FINDING_COLUMNS))
    rejects: pd.DataFrame = field(default_factory=lambda: empty(REJECT_COLUMNS))
    counts: LoadCounts = field(default_factory=LoadCounts)
    source: str = ""  # "cin_census", "annex_a" or "csv"
    la: str | None = None  # the council's DfE LA number, where the source says it
    files: tuple[str, ...] = ()
    # what a source knows of the dates its data cover, beyond the tables (`coverage` reads it)
    reference_dates: tuple[pd.Timestamp, ...] = ()  # CIN census: each return's ReferenceDate
    visits_to: pd.Timestamp | None = None  # Annex A: the latest "Date of the Last Statutory Visit"

    @property
    def has_assessments(self) -> bool:
        return self.assessments is not None

    @property
    def has_section47(self) -> bool:
        return self.section47 is not None

    @property
    def has_reviews(self) -> bool:
        return self.reviews is not None

    @property
    def has_visits(self) -> bool:
        return self.visits is not None

    def with_plans(self, plans: pd.DataFrame) -> Tables:
        return replace(self, plans=plans)

    def quality_summary(self) -> dict:
        """Counts only (no child ids): what `metrics` prints under `quality`."""
        by_rule = self.findings["rule"].value_counts().sort_index() if len(self.findings) else {}
        return {
            "read": int(self.counts.read),
            "loaded": int(self.counts.loaded),
            "rejected": int(self.counts.rejected),
            "merged": int(self.counts.merged),
            "plans": int(self.counts.plans),
            "findings": {str(k): int(v) for k, v in dict(by_rule).items()},
        }
