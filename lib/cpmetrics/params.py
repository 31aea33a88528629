"""A period's parameters file (`params/YYYY-MM.yaml`), read and checked before any notebook runs.

```yaml
period_end: "2018-09-30"      # the reporting date D, quoted
data: data/synthetic          # relative to the project root, or absolute
la: "358"                     # the council's DfE number, quoted
sn_grouping: auto             # auto (the grouping in force that year), april_2021 or may_2025
reference_level: 250          # the cohort band: children on a plan ...
tolerance_pct: 4              # ... plus or minus this many per cent
suppression_threshold: 5      # counts 1 to threshold-1 are shown as <threshold in the pack
show_child_level: false       # optional; must be false in a pack
period_start: "2018-04-01"    # optional; default 1 April before period_end
data_to: "2018-09-30"         # optional; the date the data were extracted (`coverage`)
comparators: ["Cheshire East"]  # optional; councils drawn beside neighbours and England
visit_standard_working_days: 10  # optional; the local standard for statutory visits (default 10)
practice_changes:             # optional; each marked on the monthly charts, SPC rebased at it
  - date: "2018-09-01"        #   the day the new practice began, quoted
    label: "Restorative conferences"
```

`comparators` names councils by DfE's LA name (any case) or DfE number; each
is checked against the shipped DfE tables and kept as its DfE number.
`practice_changes` is a list of `{date, label}`: the day a change of practice
began and a short name for it (each shown on the charts and in the "before
and since" section). A date after the reporting date is kept: the pack says
nothing has happened since it yet.

A file that breaks a rule stops the pack with one line naming the file, the
key and what is wrong (InputError, exit code 2). Unknown keys are refused so
that a misspelt setting is not silently ignored.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from cpmetrics.errors import InputError
from cpmetrics.periods import Period
from cpmetrics.settings_file import read_settings

REQUIRED = ("period_end", "data", "la", "reference_level", "tolerance_pct", "suppression_threshold")
OPTIONAL = ("sn_grouping", "show_child_level", "period_start", "data_to", "comparators",
            "visit_standard_working_days", "practice_changes")
#: the longest label a practice change may have: it is written on the charts
LABEL_MAX = 60
SN_GROUPINGS = ("auto", "april_2021", "may_2025")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class Params:
    """One reporting period's settings, checked."""

    file: Path
    period_end: pd.Timestamp
    data: str
    la: str
    reference_level: float
    tolerance_pct: float
    suppression_threshold: int
    sn_grouping: str = "auto"
    show_child_level: bool = False
    period_start: pd.Timestamp | None = None
    data_to: pd.Timestamp | None = None  # the last date the data cover, where the user says it
    #: named comparator councils, as DfE numbers, in the order given
    comparators: tuple[str, ...] = ()
    #: the local standard for statutory visits in working days, where the params file gives it
    visit_standard_working_days: int | None = None

    @property
    def visit_standard(self) -> int:
        """The visit standard in working days: the params file's, or `pathway.VISIT_STANDARD`."""
        from cpmetrics.pathway import VISIT_STANDARD

        v = self.visit_standard_working_days
        return VISIT_STANDARD if v is None else v

    #: changes of practice, each `{"date": "YYYY-MM-DD", "label": ...}`, in date order
    practice_changes: tuple[dict[str, str], ...] = ()

    @property
    def period(self) -> Period:
        """The reporting period P0..D."""
        return Period.ending(self.period_end, self.period_start)

    @property
    def month(self) -> str:
        """`YYYY-MM` of the reporting date: the pack's folder name."""
        return self.period_end.strftime("%Y-%m")

    def data_path(self, root: Path) -> Path:
        """The input path, resolved against the project root when relative."""
        p = Path(self.data)
        return p if p.is_absolute() else (root / p)

    def notebook_parameters(self, pack_dir: Path | None) -> dict[str, Any]:
        """What papermill injects into each notebook's `parameters` cell (never child-level).

        `comparators` as DfE numbers and `practice_changes` as a list of `{date, label}`
        (every notebook declares both); `visit_standard_working_days` only when the params
        file gives it: a notebook whose parameters cell does not declare it then runs as
        before, without papermill's warning.
        """
        return {
            "period_end": self.period_end.date().isoformat(),
            "data": self.data,
            "la": self.la,
            "sn_grouping": self.sn_grouping,
            "reference_level": self.reference_level,
            "tolerance_pct": self.tolerance_pct,
            "suppression_threshold": self.suppression_threshold,
            "show_child_level": False,
            "data_to": self.data_to.date().isoformat() if self.data_to is not None else None,
            "comparators": list(self.comparators),
            "practice_changes": [dict(c) for c in self.practice_changes],
            **({"visit_standard_working_days": self.visit_standard_working_days}
               if self.visit_standard_working_days is not None else {}),
            "pack_dir": str(pack_dir) if pack_dir is not None else None,
        }


def _date(file: Path, key: str, value: Any) -> pd.Timestamp:
    if isinstance(value, dt.date):
        raise InputError(
            file, f"key {key}", f'write the date in quotes ("{value.isoformat()}") so it stays text'
        )
    if not isinstance(value, str) or not _DATE.match(value.strip()):
        raise InputError(file, f"key {key}", f"{value!r} is not a quoted date YYYY-MM-DD")
    try:
        return pd.Timestamp(value.strip())
    except ValueError:
        raise InputError(file, f"key {key}", f"{value!r} is not a real date") from None


def _number(file: Path, key: str, value: Any, *, whole: bool = False, minimum: float = 0) -> Any:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InputError(file, f"key {key}", f"{value!r} is not a number")
    if whole and not float(value).is_integer():
        raise InputError(file, f"key {key}", f"{value!r} is not a whole number")
    if value < minimum:
        raise InputError(file, f"key {key}", f"{value!r} is below {minimum}")
    return int(value) if whole else value


def _comparators(file: Path, value: Any, la: str) -> tuple[str, ...]:
    """The named comparator councils as DfE numbers: each a DfE LA name (any case) or number."""
    from cpmetrics.benchmarks import lookup_la

    if value is None:
        return ()
    if not isinstance(value, list):
        raise InputError(file, "key comparators",
                         f'{value!r} is not a list of councils, e.g. ["Cheshire East"]')
    out: list[str] = []
    for name in value:
        if isinstance(name, bool) or not isinstance(name, str | int) or not str(name).strip():
            raise InputError(file, "key comparators", f"{name!r} is not a council's name or number")
        try:
            code = lookup_la(str(name).strip()).dfe_number
        except InputError as exc:
            raise InputError(file, "key comparators",
                             f"{exc.problem} (give DfE's LA name or its number)") from None
        if code == la:
            raise InputError(file, "key comparators", f"{name!r} is the council itself (la)")
        if code not in out:
            out.append(code)
    return tuple(out)


def _practice_changes(file: Path, value: Any) -> tuple[dict[str, str], ...]:
    """The practice changes as `{"date": "YYYY-MM-DD", "label": ...}`, in date order."""
    key = "key practice_changes"
    example = '[{date: "2018-09-01", label: "Restorative conferences"}]'
    if value is None:
        return ()
    if not isinstance(value, list):
        raise InputError(file, key, f"{value!r} is not a list of changes, e.g. {example}")
    out = []
    for i, item in enumerate(value, start=1):
        place = f"{key}, item {i}"
        if not isinstance(item, dict):
            raise InputError(file, place, f"{item!r} is not a change: give its date and label, "
                                          f"e.g. {example}")
        unknown = sorted(str(k) for k in item if k not in ("date", "label"))
        if unknown:
            raise InputError(file, place, f"unknown setting {unknown[0]!r} (a change has only "
                                          "date and label)")
        if item.get("date") is None:
            raise InputError(file, place, "no date: give the day the change began")
        day = _date(file, f"practice_changes, item {i}, date", item["date"])
        label = item.get("label")
        if not isinstance(label, str) or not label.strip():
            raise InputError(file, place, "no label: name the change, e.g. \"Restorative "
                                          "conferences\"")
        if len(label.strip()) > LABEL_MAX:
            raise InputError(file, place, f"label is {len(label.strip())} characters: at most "
                                          f"{LABEL_MAX} fit on a chart")
        out.append({"date": day.date().isoformat(), "label": " ".join(label.split())})
    dates = [c["date"] for c in out]
    twice = sorted({d for d in dates if dates.count(d) > 1})
    if twice:
        raise InputError(file, key, f"two changes on {twice[0]}: give one, naming both in its "
                                    "label")
    return tuple(sorted(out, key=lambda c: c["date"]))


def load_params(file: str | Path) -> Params:
    """Read and check a params YAML file; InputError naming the file and key when it is wrong."""
    file = Path(file)
    raw = read_settings(file, missing="no such params file",
                        expects="should hold keys such as period_end, data, la",
                        keys=REQUIRED + OPTIONAL)
    for key in REQUIRED:
        if key not in raw or raw[key] is None:
            raise InputError(file, f"key {key}", "missing")

    data = raw["data"]
    if not isinstance(data, str) or not data.strip():
        raise InputError(file, "key data", f"{data!r} is not a path")
    la = raw["la"]
    if not isinstance(la, str):
        raise InputError(file, "key la", f"write the DfE number in quotes (\"{la}\")")
    if not re.fullmatch(r"\d{3}", la.strip()):
        raise InputError(file, "key la", f"{la!r} is not a three-digit DfE LA number")
    grouping = raw.get("sn_grouping", "auto")
    if grouping not in SN_GROUPINGS:
        choices = ", ".join(SN_GROUPINGS)
        raise InputError(file, "key sn_grouping", f"{grouping!r} is not one of {choices}")
    show = raw.get("show_child_level", False)
    if show is not False:
        raise InputError(
            file, "key show_child_level", "must be false: child-level lists never go in a pack"
        )
    start = raw.get("period_start")
    data_to = raw.get("data_to")
    params = Params(
        file=file,
        period_end=_date(file, "period_end", raw["period_end"]),
        data=data.strip(),
        la=la.strip(),
        reference_level=_number(file, "reference_level", raw["reference_level"], minimum=1),
        tolerance_pct=_number(file, "tolerance_pct", raw["tolerance_pct"]),
        suppression_threshold=_number(
            file, "suppression_threshold", raw["suppression_threshold"], whole=True, minimum=1
        ),
        sn_grouping=grouping,
        show_child_level=False,
        period_start=_date(file, "period_start", start) if start is not None else None,
        data_to=_date(file, "data_to", data_to) if data_to is not None else None,
        comparators=_comparators(file, raw.get("comparators"), la.strip()),
        visit_standard_working_days=_number(
            file, "visit_standard_working_days", raw["visit_standard_working_days"], whole=True,
            minimum=1) if raw.get("visit_standard_working_days") is not None else None,
        practice_changes=_practice_changes(file, raw.get("practice_changes")),
    )
    try:
        params.period  # noqa: B018 - checks P0 <= D
    except ValueError as exc:
        raise InputError(file, "key period_start", str(exc)) from None
    return params


def params_files(folder: Path) -> list[Path]:
    """Every `YYYY-MM.yaml` in the params folder, in date order."""
    return sorted(p for p in folder.glob("*.yaml") if re.fullmatch(r"\d{4}-\d{2}", p.stem))
