"""Tell what kind of file a path is before parsing it, and refuse hostile XML early."""

from __future__ import annotations

from pathlib import Path

from cpmetrics.errors import InputError

_ZIP = b"PK\x03\x04"
_OLE = b"\xd0\xcf\x11\xe0"


def head(path: Path, size: int = 8192) -> bytes:
    try:
        with open(path, "rb") as fh:
            return fh.read(size)
    except OSError as exc:
        raise InputError(path, None, f"cannot be read ({exc.strerror})") from None


def _decoded(data: bytes) -> str:
    for bom, enc in (
        (b"\xef\xbb\xbf", "utf-8"),
        (b"\xff\xfe", "utf-16-le"),
        (b"\xfe\xff", "utf-16-be"),
    ):
        if data.startswith(bom):
            return data[len(bom) :].decode(enc, errors="replace")
    if len(data) > 1 and data[0] == 0 and data[1] != 0:
        return data.decode("utf-16-be", errors="replace")
    if len(data) > 1 and data[1] == 0 and data[0] != 0:
        return data.decode("utf-16-le", errors="replace")
    return data.decode("utf-8", errors="replace")


def _first_content(path: Path, size: int = 8192) -> tuple[bytes, int]:
    """The first `size` bytes from the first that is not white space, and the lines skipped.

    A file that opens with pages of blank space is not empty: whatever follows
    (a DOCTYPE, say) must still be checked. b"" when the file is all white space.
    """
    lines = 0
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            rest = chunk.lstrip()
            lines += chunk[: len(chunk) - len(rest)].count(b"\n")
            if rest:
                return (rest + fh.read(size))[:size], lines
    return b"", lines


def check_xml_prologue(path: Path) -> None:
    """InputError unless `path` looks like plain XML with no DTD or entity declarations.

    CIN census files never declare a DOCTYPE; one that does is refused before
    parsing, so entity expansion ("billion laughs") and external entities
    (local files, URLs) are never even considered.
    """
    data = head(path)
    skipped = 0
    if not data.strip():
        data, skipped = _first_content(path)
        if not data:
            raise InputError(path, None, "file is empty")
    if data.startswith(_ZIP):
        raise InputError(path, None, "is a zip archive or Excel workbook, not XML")
    if data.startswith(_OLE):
        raise InputError(path, None, "is an old-style Office (OLE) file, not XML")
    text = _decoded(data).lstrip()
    if not text.startswith("<"):
        raise InputError(path, f"line {skipped + 1}", "does not start with '<': not an XML file")
    if "<!DOCTYPE" in text or "<!ENTITY" in text:
        line = skipped + text[: text.find("<!")].count("\n") + 1
        raise InputError(
            path,
            f"line {line}",
            "declares a DOCTYPE or entities, which a CIN census file never does; refused",
        )
