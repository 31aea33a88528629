"""Read a CSV file whatever its encoding, refusing files that are not text.

Councils' exports arrive as UTF-8 (with or without a byte-order mark), UTF-16
(Excel's "Unicode text") or Windows-1252 (Excel's plain "CSV"). All load the
same; binary files, workbooks renamed to .csv and empty files are refused with
one InputError naming the file.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from cpmetrics.errors import InputError

_ZIP = b"PK\x03\x04"
_OLE = b"\xd0\xcf\x11\xe0"
#: a CSV field longer than this is not a child protection record
FIELD_LIMIT = 100_000


def decode(data: bytes, path: Path) -> str:
    """The text of a file's bytes: BOM first, then UTF-16 by its zero bytes, UTF-8, Windows-1252."""
    if data.startswith(_ZIP):
        raise InputError(path, None, "is a zip archive or Excel workbook, not a CSV text file")
    if data.startswith(_OLE):
        raise InputError(path, None, "is an old-style Office (.xls) file, not a CSV text file")
    for bom, enc in (
        (b"\xef\xbb\xbf", "utf-8"),
        (b"\xff\xfe", "utf-16-le"),
        (b"\xfe\xff", "utf-16-be"),
    ):
        if data.startswith(bom):
            return _strict(data[len(bom) :], enc, path)
    head = data[:4096]
    if len(head) > 1 and head[1::2].count(0) > len(head) // 4 and head[0::2].count(0) == 0:
        return _strict(data, "utf-16-le", path)
    if len(head) > 1 and head[0::2].count(0) > len(head) // 4 and head[1::2].count(0) == 0:
        return _strict(data, "utf-16-be", path)
    if b"\0" in head:
        raise InputError(path, None, "holds binary data, not CSV text")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
    if _binaryish(text):
        raise InputError(path, None, "holds binary data, not CSV text")
    return text


def _strict(data: bytes, enc: str, path: Path) -> str:
    try:
        text = data.decode(enc)
    except UnicodeDecodeError:
        raise InputError(path, None, f"is not valid {enc.upper()} text") from None
    if _binaryish(text):
        raise InputError(path, None, "holds binary data, not CSV text")
    return text


def _binaryish(text: str) -> bool:
    """True when the start of `text` is mostly control characters or replacement marks."""
    sample = text[:4096]
    if not sample:
        return False
    odd = sum(1 for c in sample if (ord(c) < 32 and c not in "\r\n\t") or c == "\ufffd")
    return odd > len(sample) // 20


def read_rows(path: Path) -> list[tuple[int, list[str]]]:
    """(line number, fields) for every non-blank row of a CSV file; InputError if it is not one."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(path, None, f"cannot be read ({exc.strerror})") from None
    if not data.strip():
        raise InputError(path, None, "file is empty")
    text = decode(data, path)
    if not text.strip():
        raise InputError(path, None, "file is empty")
    dialect = _dialect(text)
    old = csv.field_size_limit()
    csv.field_size_limit(FIELD_LIMIT)
    rows: list[tuple[int, list[str]]] = []
    try:
        reader = csv.reader(io.StringIO(text, newline=""), dialect)
        line = 1
        for fields in reader:
            if any(f.strip() for f in fields):
                rows.append((line, fields))
            line = reader.line_num + 1
    except csv.Error as exc:
        raise InputError(path, f"line {reader.line_num}", f"is not valid CSV ({exc})") from None
    finally:
        csv.field_size_limit(old)
    return rows


def _dialect(text: str) -> type[csv.Dialect]:
    """Comma unless the first line is clearly separated by semicolons or tabs."""
    first = text.lstrip("\r\n").split("\n", 1)[0]
    counts = {d: first.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=lambda d: counts[d])
    if best != "," and counts[best] > counts[","]:

        class _D(csv.excel):
            delimiter = best

        return _D
    return csv.excel


def norm(heading: object) -> str:
    """A heading compared loosely: lower case, single spaces, no surrounding punctuation."""
    text = "" if heading is None else str(heading)
    return " ".join(text.replace("\ufeff", "").replace("_", " ").split()).strip(" :*").lower()


def reword(rejects, findings, words: dict[str, str]) -> None:
    """Say reject reasons and findings in the source's own column names, not CIN element names.

    `history.build_plans` words its reasons for the CIN census (`CPPstartDate`);
    an analyst reading an Annex A or tidy CSV finding should see the heading in
    their own file.
    """
    for frame, col in ((rejects, "reason"), (findings, "message")):
        for xml_name, own in words.items():
            frame[col] = frame[col].str.replace(xml_name, own, regex=False)
