"""Days on plan and DfE's duration bands (tables D5 and D7)."""

from __future__ import annotations

import numpy as np
import pandas as pd

#: a plan lasting this many days or more "lasted two years or more" (DfE: more than 729 days)
TWO_YEARS = 730

#: DfE duration bands, by days on plan (both ends counted)
BANDS: tuple[tuple[str, int, int | None], ...] = (
    ("3 months or less", 1, 91),
    ("more than 3 months, up to 6 months", 92, 182),
    ("more than 6 months, less than 1 year", 183, 364),
    ("1 year, less than 2 years", 365, 729),
    ("2 years or more", 730, None),
)
BAND_LABELS: tuple[str, ...] = tuple(b[0] for b in BANDS)


def days_on_plan(start: pd.Series, end: pd.Series, at: pd.Timestamp) -> pd.Series:
    """Days on plan, both ends counted: to the end date if the plan ended by `at`, else to `at`."""
    until = end.where(end.notna() & (end <= at), at)
    return ((until - start).dt.days + 1).astype("int64")


def band(days: pd.Series) -> pd.Series:
    """The DfE duration band label for each number of days on plan."""
    edges = [b[1] for b in BANDS[1:]]
    idx = np.searchsorted(np.asarray(edges), days.to_numpy(), side="right")
    return pd.Series(pd.Categorical.from_codes(idx, categories=list(BAND_LABELS)), index=days.index)


def band_counts(days: pd.Series) -> pd.Series:
    """How many in each band, every band listed (zeros included), in DfE's order."""
    return band(days).value_counts(sort=False).reindex(list(BAND_LABELS), fill_value=0).astype(
        "int64"
    )
