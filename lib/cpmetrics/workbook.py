"""The pack's tables as one accessible Excel workbook (`tables.xlsx`).

Laid out as the Analysis Function's guidance on releasing statistics in
spreadsheets asks, the layout gptables makes: a cover sheet, a contents sheet
linking to every table, and a sheet per table whose first cells say what it is
(title, period, how many tables the sheet holds, what the markers mean, the
source) above one marked-up Excel table: a header row, no merged or blank
cells, numbers stored as numbers, no meaning carried by colour, no grid lines.
Written with XlsxWriter directly: gptables spent a third of a second per pack on
pandas bookkeeping for two dozen small tables.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

FONT = "Arial"
NOT_AVAILABLE = "[x]"
_WHOLE = re.compile(r"-?\d+")
_DECIMAL = re.compile(r"-?\d*\.\d+(e-?\d+)?")


@dataclass(frozen=True)
class Sheet:
    """One table for the workbook: its tab, title and cells (a header and rows), and the lines
    under its title when they are not the workbook's usual ones (`above`)."""

    name: str
    title: str
    header: list[str]
    rows: list[list[Any]]
    above: tuple[str, ...] | None = None


def cell_value(text: str) -> Any:
    """A CSV cell for Excel: numbers as numbers (not text), markers such as <5 and [c] as text,
    and a cell with nothing to read (empty, or symbols only) as [x], not available."""
    if _WHOLE.fullmatch(text):
        return int(text)
    if _DECIMAL.fullmatch(text):
        return float(text)
    if not re.search(r"[A-Za-z0-9]", text):  # a screen reader reads nothing useful from it
        return "per cent" if text.strip() == "%" else NOT_AVAILABLE
    return text


def sheet_names(names: Sequence[str]) -> list[str]:
    """Excel tab names for `names`: at most 31 characters, and no two the same."""
    out: list[str] = []
    for name in names:
        label = re.sub(r"[\[\]:*?/\\]", "_", name)[:31]
        while label in out:
            label = label[:28] + f"_{len(out)}"
        out.append(label)
    return out


def _headers(header: Sequence[str]) -> list[str]:
    """Header cells an Excel table accepts: none empty (an unnamed index is `row`), none twice."""
    out: list[str] = []
    for h in header:
        h = str(h).strip() or "row"
        base, i = h, 2
        while h in out:
            h, i = f"{base} ({i})", i + 1
        out.append(h)
    return out


def _is_number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def _numeric(rows: list[list[Any]], col: int) -> bool:
    """A column of numbers (markers such as <5, [c] and [x] allowed): aligned right."""
    values = [r[col] for r in rows]
    return any(_is_number(v) for v in values) and all(
        _is_number(v) or (isinstance(v, str) and (v.startswith("<") or v.startswith("[")))
        for v in values
    )


def _width(text: Any, size: int, bold: bool = False) -> int:
    """Pixels a cell's longest line needs at this font size (XlsxWriter's autofit measure)."""
    from xlsxwriter.utility import cell_autofit_width

    line = max(str(text).split("\n"), key=len)
    upper = sum(c.isupper() for c in line) / len(line) if line else 0
    return math.ceil(cell_autofit_width(line) * size / 11 * (1.1 if bold else 1.0)
                     * (1 + 0.15 * upper))


def _column_width(header: str, values: Sequence[Any]) -> int:
    """Pixels a table column needs: its bold 12-point header and its widest cell."""
    return max([_width(header, 12, bold=True)] + [_width(v, 12) for v in values])


def write_workbook(path: Path, sheets: Sequence[Sheet], *, title: str, intro: Sequence[str],
                   about: Sequence[str], above: Sequence[str]) -> Path:
    """Write the cover, the contents and one sheet per table; `above` are the lines under each
    table's title (period, legend, source)."""
    import xlsxwriter

    # in memory: XlsxWriter otherwise writes each sheet to a temporary file and zips them, about
    # a hundred files made and removed per pack (0.3 s of the pack's own process in a region run)
    wb = xlsxwriter.Workbook(str(path), {"in_memory": True})
    wb.set_properties({"title": title, "subject": intro[0] if intro else title,
                       "author": "cpmetrics", "comments": " ".join(about)})

    def fmt(**kw: Any) -> Any:
        return wb.add_format({"font_name": FONT, "font_size": 12, **kw})

    title_f, subtitle_f, text_f = fmt(bold=True, font_size=16), fmt(font_size=14), fmt()
    head = {a: fmt(bold=True, text_wrap=True, valign="top", align=a, bottom=1)
            for a in ("left", "right")}
    body = {a: fmt(text_wrap=True, align=a) for a in ("left", "right")}
    link_f = fmt(text_wrap=True, align="left", font_color="#1D70B8", underline=1)

    cover = wb.add_worksheet("Cover")
    cover.hide_gridlines(2)
    cover.set_column(0, 0, 85)
    cover.write(0, 0, title, fmt(bold=True, font_size=16, text_wrap=True))
    heading_f, wrap_f = fmt(bold=True, font_size=14, text_wrap=True), fmt(text_wrap=True)
    row = 1
    for heading, lines in (("Introductory information", intro), ("About these data", about)):
        if lines:
            cover.write(row, 0, heading, heading_f)
            for line in lines:
                row += 1
                cover.write(row, 0, line, wrap_f)
            row += 1

    tabs = sheet_names([s.name for s in sheets])
    contents = wb.add_worksheet("Contents")
    contents.hide_gridlines(2)
    contents.write(0, 0, "Table of contents", title_f)
    contents.write(1, 0, "This worksheet contains one table.", text_f)
    columns = [{"header": h, "header_format": head["left"]}
               for h in ("Sheet name", "Table description")]
    contents.add_table(2, 0, 2 + len(sheets), 1, {
        "name": "contents_table", "columns": columns, "style": None, "autofilter": False})
    for i, (tab, sheet) in enumerate(zip(tabs, sheets, strict=True), start=3):
        contents.write_url(i, 0, f"internal:'{tab}'!A1", link_f, string=tab)
        contents.write(i, 1, sheet.title, body["left"])
    contents.set_column_pixels(0, 0, _column_width("Sheet name", tabs))
    contents.set_column_pixels(1, 1, _column_width("Table description", [s.title for s in sheets]))

    for tab, sheet in zip(tabs, sheets, strict=True):
        ws = wb.add_worksheet(tab)
        ws.hide_gridlines(2)
        ws.write(0, 0, sheet.title, title_f)
        lines = above if sheet.above is None else sheet.above
        for i, line in enumerate(lines, start=1):
            ws.write(i, 0, line, subtitle_f if i == 1 else text_f)
        top = len(lines) + 1
        header = _headers(sheet.header)
        rows = sheet.rows or [[NOT_AVAILABLE] * len(header)]  # an Excel table needs a row
        align = ["right" if _numeric(rows, c) else "left" for c in range(len(header))]
        ws.add_table(top, 0, top + len(rows), len(header) - 1, {
            "name": "t_" + re.sub(r"\W", "_", sheet.name),
            "columns": [{"header": h, "header_format": head[a], "format": body[a]}
                        for h, a in zip(header, align, strict=True)],
            "data": rows, "style": None, "autofilter": False,
        })
        for c, h in enumerate(header):
            ws.set_column_pixels(c, c, _column_width(h, [r[c] for r in rows]))
    wb.close()
    return path
