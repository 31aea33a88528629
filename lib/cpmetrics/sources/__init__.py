"""Load a council's child protection data, whatever shape it comes in, into canonical tables.

`load(path)` takes a CIN census XML file, a folder of them, an Annex A workbook
(sheet "List 7"), or a folder of tidy CSV files, and returns `Tables` with the
quality rules already run. Bad files raise `InputError`; bad records are rejected
and listed, never dropped silently.
"""

from __future__ import annotations

from pathlib import Path

from cpmetrics.errors import InputError, raise_collected
from cpmetrics.quality import check
from cpmetrics.sources.census_tables import assemble_census
from cpmetrics.sources.cin_census import read_cin_census
from cpmetrics.tables import Tables

__all__ = ["load", "load_cin_census"]


def load_cin_census(paths: list[Path]) -> Tables:
    """One or more CIN census XML files merged into one history; the later collection wins.

    Every file is read before anything is assembled, so a folder holding a bad
    file fails whole, naming each bad file, rather than half-loading.
    """
    raws, errors = [], []
    for p in paths:
        try:
            raws.append(read_cin_census(p))
        except InputError as exc:
            errors.append(exc)
    raise_collected(errors, errors[0].file and Path(errors[0].file).parent if errors else None,
                    of=len(paths))
    return assemble_census(raws)


def load(path: str | Path) -> Tables:
    """Canonical tables, quality-checked, from any supported input path."""
    path = Path(path)
    if not path.exists():
        raise InputError(path, None, "no such file or folder")
    if path.is_dir():
        xml = sorted(p for p in path.iterdir() if p.suffix.lower() == ".xml" and p.is_file())
        if xml:
            return check(load_cin_census(xml))
        csv = sorted(p.name for p in path.iterdir() if p.suffix.lower() == ".csv")
        if "plans.csv" in csv:
            from cpmetrics.sources.tidy_csv import read_tidy_csv

            return check(read_tidy_csv(path))
        raise InputError(path, None, "folder holds no CIN census XML files and no plans.csv")
    suffix = path.suffix.lower()
    if suffix == ".xml":
        return check(load_cin_census([path]))
    if suffix in (".xlsx", ".xlsm", ".csv"):
        from cpmetrics.sources.annex_a import read_annex_a

        return check(read_annex_a(path))
    raise InputError(
        path, None, f"unsupported file type '{suffix}': expected .xml, .xlsx, .csv or a folder"
    )
