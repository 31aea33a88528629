"""The checks before a pack is published: nothing in it may identify a child or reach out.

Every text file of a built pack is read: no child id or date of birth from the
input (`Secrets`, from `secrets_of`), no row-level column, no count below the
threshold in a CSV or in metrics.json, no image without alt text, no page
fetching from another host.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cpmetrics.pack.pages import external_refs

_BASE64_RUN = re.compile(r"[A-Za-z0-9+/=\\n]{200,}")
_DATA_URI = re.compile(r"(?<=;base64,)[A-Za-z0-9+/=]+")
_TOKEN = re.compile(r"[A-Za-z0-9]+")
_DATE_TOKEN = re.compile(r"\b(\d{4}-\d{2}-\d{2}|\d{1,2}/\d{1,2}/\d{4})\b")
TEXT_SUFFIXES = {".html", ".ipynb", ".csv", ".json", ".txt", ".md"}


@dataclass(frozen=True)
class Secrets:
    """What must never appear in a pack: the input's child ids and dates of birth."""

    ids: frozenset[str]
    dates: frozenset[str]


def secrets_of(tables: Any) -> Secrets:
    """Child ids and unique pupil numbers (those distinctive enough to find in text) and birth
    dates, in common spellings.

    A birth date that is also a month end or the first of a month is left out:
    packs legitimately show such dates (month ends, period starts).
    """
    ids: set[str] = set()
    for frame in (tables.plans, getattr(tables, "children", None),
                  getattr(tables, "section47", None), getattr(tables, "visits", None)):
        if frame is not None and "child_id" in frame:
            ids.update(str(c) for c in frame["child_id"].dropna().unique())
    children = getattr(tables, "children", None)
    if children is not None and "upn" in children:
        ids.update(str(u) for u in children["upn"].dropna().unique())
    ids = {i for i in ids if len(i) >= 6 or re.search(r"[A-Za-z]", i)}
    dates: set[str] = set()
    children = getattr(tables, "children", None)
    if children is not None:
        for col in ("birth_date", "expected_birth_date"):
            if col in children:
                for d in children[col].dropna():
                    if d.day == 1 or d.is_month_end:
                        continue
                    dates.update({d.strftime("%Y-%m-%d"), d.strftime("%d/%m/%Y"),
                                  f"{d.day}/{d.month}/{d.year}"})
    return Secrets(frozenset(ids), frozenset(dates))


def check_pack(folder: Path, secrets: Secrets, threshold: int) -> list[str]:
    """Everything wrong with a built pack; an empty list means it may be published."""
    problems: list[str] = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        problems.extend(check_file(path, folder, secrets, threshold))
    return problems


_STYLE_BLOCK = re.compile(r"(<style\b[^>]*>.*?</style\s*>)", re.I | re.S)


def _findings(text: str) -> tuple[set[str], set[str]]:
    """The words and date-like tokens of a text, base64 runs (images' bytes) left out."""
    scan = _BASE64_RUN.sub(" ", text)
    return set(_TOKEN.findall(scan)), set(_DATE_TOKEN.findall(scan))


@functools.lru_cache(maxsize=32)
def _stylesheet_findings(css: str) -> tuple[frozenset[str], frozenset[str], tuple[str, ...]]:
    """A stylesheet's words, date-like tokens and references to other hosts. Every page of a
    pack carries the same nbconvert stylesheets (nine tenths of a page without its images):
    read once per process rather than once per page."""
    tokens, dates = _findings(css)
    return frozenset(tokens), frozenset(dates), tuple(external_refs(css))


def check_file(path: Path, folder: Path, secrets: Secrets, threshold: int) -> list[str]:
    """Everything wrong with one file of a built pack (text files only: the rest are not read)."""
    from cpmetrics.disclosure import is_row_level, small_counts

    problems: list[str] = []
    rel = path.relative_to(folder)
    if path.suffix not in TEXT_SUFFIXES:
        return problems
    text = path.read_text(encoding="utf-8", errors="replace")
    refs: list[str] = []
    if path.suffix == ".html":  # an embedded image's bytes fetch nothing and name no one
        text = _DATA_URI.sub("", text)
        parts = _STYLE_BLOCK.split(text)  # the page between its stylesheets, and each of them
        text = " ".join(parts[::2])
        tokens, dates = _findings(text)
        refs = external_refs(text)
        for css in parts[1::2]:
            css_tokens, css_dates, css_refs = _stylesheet_findings(css)
            tokens, dates, refs = tokens | css_tokens, dates | css_dates, refs + list(css_refs)
    else:
        tokens, dates = _findings(text)
    ids = secrets.ids.intersection(tokens)
    if ids:
        problems.append(f"{rel}: holds {len(ids)} child id(s) from the input")
    births = secrets.dates.intersection(dates)
    if births:
        problems.append(f"{rel}: holds {len(births)} date(s) of birth from the input")
    if path.suffix == ".html":
        if refs:
            problems.append(f"{rel}: refers to another host ({refs[0]!r})")
        blind = [m for m in re.findall(r"<img\b[^>]*>", text) if not re.search(r"\balt=", m)]
        if blind:
            problems.append(f"{rel}: {len(blind)} image(s) without alt text")
        heads = re.findall(r"<th[^>]*>\s*([^<]+?)\s*</th>", text)
        bad = sorted({h for h in heads if is_row_level(h)})
        if bad:
            problems.append(f"{rel}: a table has row-level column(s) {', '.join(bad)}")
    if path.suffix == ".csv":
        problems.extend(_check_csv(path, rel, threshold))
    if path.name == "metrics.json":
        small = small_counts(json.loads(text), threshold)
        if small:
            problems.append(f"{rel}: counts below {threshold} at {', '.join(small[:5])}")
    return problems


_WHOLE = re.compile(r"\d+")
_NUMBER = re.compile(r"-?[\d.]+")


def _csv_columns(path: Path) -> list[tuple[str, list[str]]]:
    """A CSV's columns as text, named as `pandas.read_csv` names them (an empty heading is
    `Unnamed: i`, a repeated one `name.1`), without building a DataFrame."""
    import csv

    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    if not rows:
        return []
    names: list[str] = []
    for i, h in enumerate(rows[0]):
        name = h or f"Unnamed: {i}"
        base, k = name, 0
        while name in names:
            k += 1
            name = f"{base}.{k}"
        names.append(name)
    body = [r for r in rows[1:] if r]
    return [(n, [r[i] if i < len(r) else "" for r in body]) for i, n in enumerate(names)]


def _check_csv(path: Path, rel: Path, threshold: int) -> list[str]:
    """A pack CSV's row-level columns and counts below the threshold.

    Read with the csv module (a pack has two dozen small CSVs: a DataFrame each
    cost more than the check); a column is judged by `disclosure._kind` on its
    numbers, as `suppress_table` would judge it.
    """
    import pandas as pd

    from cpmetrics.disclosure import _kind, is_row_level

    columns = _csv_columns(path)
    bad = [c for c, _ in columns if is_row_level(c)]
    if bad:
        return [f"{rel}: row-level column(s) {', '.join(bad)}"]
    problems = []
    for c, values in columns:
        if not any(_WHOLE.fullmatch(v) for v in values):
            continue
        numbers = [x for x in (_number(v) for v in values if _NUMBER.fullmatch(v))
                   if x is not None]
        if not numbers:
            continue
        dtype = "int64" if len(numbers) == len(values) and all(
            isinstance(x, int) for x in numbers) else "float64"
        numeric = pd.Series(numbers, dtype=dtype)
        kind = _kind(numeric, c, set(), set(), set())
        if kind == "count" and any(0 < x < threshold for x in numbers):
            problems.append(f"{rel}: column {c!r} holds a count below {threshold}")
    return problems


def _number(text: str) -> int | float | None:
    """`text` as `pandas.to_numeric` reads it (`-?[\\d.]+` only), None where it is no number."""
    try:
        return int(text)
    except ValueError:
        try:
            return float(text)
        except ValueError:
            return None
