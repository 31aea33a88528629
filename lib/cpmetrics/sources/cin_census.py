"""Reader for the DfE Children in Need census XML return, collection years 2016-17 to 2025-26.

Parses incrementally (lxml iterparse, entity resolution, DTD loading and network
access off) and hands each batch of finished `<Child>` elements to one compiled
XSLT, which writes their records as tab-separated text in C; pandas reads that
text into one raw table per canonical table. Python sees one event per record
(for its line number), not one per element, which keeps the reader near the
speed of a bare iterparse. Values are kept as written, whitespace normalised:
dates are parsed, and bad ones rejected, when the history is assembled
(`history`).
"""

from __future__ import annotations

import csv
import io
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
from lxml import etree

from cpmetrics.errors import InputError
from cpmetrics.sources.sniff import check_xml_prologue

ROOT = "Message"

# record element -> {leaf element (a path below the record) -> canonical column}; the
# leaves named in _LISTS repeat and are joined with commas
_CHILD_FIELDS = {
    "*/LAchildID": "child_id",
    "*/PersonBirthDate": "birth_date",
    "*/ExpectedPersonBirthDate": "expected_birth_date",
    "*/GenderCurrent|*/Sex": "sex",
    "*/PersonDeathDate": "death_date",
    "*/Ethnicity": "ethnicity",
    "*/Disabilities/Disability": "disabilities",
}
_RECORDS: dict[str, dict[str, str]] = {
    "Child": _CHILD_FIELDS,
    "CINdetails": {
        "CINreferralDate": "referral_date",
        "ReferralSource": "referral_source",
        "PrimaryNeedCode": "primary_need",
        "CINclosureDate": "closure_date",
        "ReasonForClosure": "reason_for_closure",
        "DateOfInitialCPC": "date_of_initial_cpc",
        "ReferralNFA": "referral_nfa",
    },
    "Assessments": {
        "AssessmentActualStartDate": "actual_start_date",
        "AssessmentInternalReviewDate": "internal_review_date",
        "AssessmentAuthorisationDate": "authorisation_date",
        "*/AssessmentFactors": "factors",
    },
    "Section47": {
        "S47ActualStartDate": "start_date",
        "InitialCPCtarget": "initial_cpc_target",
        "DateOfInitialCPC": "date_of_initial_cpc",
        "ICPCnotRequired": "icpc_not_required",
    },
    "ChildProtectionPlans": {
        "CPPstartDate": "start_date",
        "CPPendDate": "end_date",
        "InitialCategoryOfAbuse": "initial_category",
        "LatestCategoryOfAbuse": "latest_category",
        "NumberOfPreviousCPP": "previous_plans",
        "*/CPPreviewDate": "reviews",
    },
    "CINPlanDates": {"CINPlanStartDate": "start_date", "CINPlanEndDate": "end_date"},
}
_LISTS = ("disabilities", "factors", "reviews")
_BLOCKS = ("Assessments", "Section47", "ChildProtectionPlans", "CINPlanDates")
_TABLES = {"Child": "children", "CINdetails": "episodes", "Assessments": "assessments",
           "Section47": "section47", "ChildProtectionPlans": "plans", "CINPlanDates": "cin_plans"}
_WIDTH = max(len(f) for f in _RECORDS.values())
# GenderCurrent (to 2023-24) was 1 male, 2 female, 0/9 not known; Sex (2024-25 on) is M/F/U
_SEX = {"1": "M", "2": "F", "0": "U", "9": "U", "M": "M", "F": "F", "U": "U"}
_BATCH = 2000  # children per XSLT call: big enough to amortise the call, small for memory


class RawCensus:
    """The raw records of one CIN census file, one DataFrame of strings per canonical table."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.reference_date: str | None = None
        self.year: str | None = None
        self.la: str | None = None
        empty = pd.DataFrame()
        self.children = self.episodes = self.assessments = empty
        self.section47 = self.cin_plans = self.plans = empty


def _local(tag) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _namespace(tag: str) -> str:
    return tag[1:].split("}", 1)[0] if tag.startswith("{") else ""


@lru_cache(maxsize=8)
def _stylesheet(ns: str) -> etree.XSLT:
    """The XSLT that writes every record of a batch of children, one tab-separated line each.

    Each line is the record's element name and its fields in `_RECORDS` order;
    records come in document order, the order of their start tags. `ns` is the
    file's namespace ("" for none: DfE's files have none, some suppliers add one).
    """
    p = "c:" if ns else ""

    def path(expr: str) -> str:
        return "|".join("/".join(p + s if s != "*" else s for s in e.split("/"))
                        for e in expr.split("|"))

    def record(name: str, fields: dict[str, str], then: str = "") -> str:
        cells = []
        for expr, column in fields.items():
            if column in _LISTS:
                cells.append(f'<xsl:for-each select="{path(expr)}"><xsl:if test="position()&gt;1">'
                             f'<xsl:text>,</xsl:text></xsl:if>'
                             f'<xsl:value-of select="normalize-space(.)"/></xsl:for-each>')
            else:
                cells.append(f'<xsl:value-of select="normalize-space({path(expr)})"/>')
        body = "<xsl:text>\t</xsl:text>".join([f"<xsl:text>{name}</xsl:text>", *cells])
        return (f'<xsl:template match="{p}{name}">{body}<xsl:text>\n</xsl:text>{then}'
                "</xsl:template>")

    inner = "|".join(f".//{p}{name}" for name in _RECORDS if name != "Child")
    ns_decl = f' xmlns:c="{ns}"' if ns else ""
    text = (
        '<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform"'
        f"{ns_decl}>"
        '<xsl:output method="text" encoding="UTF-8"/>'
        f'<xsl:template match="/*"><xsl:apply-templates select="{p}Child"/></xsl:template>'
        + record("Child", _RECORDS["Child"], f'<xsl:apply-templates select="{inner}"/>')
        + "".join(record(n, f) for n, f in _RECORDS.items() if n != "Child")
        + "</xsl:stylesheet>"
    )
    return etree.XSLT(etree.XML(text.encode()))


def read_cin_census(path: str | Path) -> RawCensus:
    """Read one CIN census XML file into raw records; InputError if it is not one."""
    path = Path(path)
    check_xml_prologue(path)
    raw = RawCensus(path)
    try:
        # start events of the record elements only (the tag filter runs in C): their
        # line numbers, in document order, are the records' locations
        context = etree.iterparse(
            str(path),
            events=("start",),
            tag=tuple("{*}" + name for name in _RECORDS),
            resolve_entities=False,
            load_dtd=False,
            no_network=True,
            huge_tree=False,
            remove_comments=True,
            remove_pis=True,
        )
        tags: list[str] = []
        lines: list[int] = []
        chunks: list[bytes] = []
        box = etree.Element("Batch")
        child_tag, previous, n, root, ns = None, None, 0, None, ""
        for _, el in context:
            tag = el.tag
            tags.append(tag)
            lines.append(el.sourceline)
            if root is None:
                root = el.getroottree().getroot()
                _check_root(path, root)
                _header(raw, root)
                ns = _namespace(root.tag)
                child_tag = f"{{{ns}}}Child" if ns else "Child"
            if tag == child_tag:
                # the previous child is whole once the next one starts
                if previous is not None:
                    box.append(previous)
                    n += 1
                    if n == _BATCH:
                        chunks.append(bytes(_stylesheet(ns)(box)))
                        box, n = etree.Element("Batch"), 0
                previous = el
        if root is None:
            root = getattr(context, "root", None)
            if root is None:
                raise InputError(path, None, "file holds no XML elements")
            _check_root(path, root)
            _header(raw, root)
        if previous is not None:
            box.append(previous)
            chunks.append(bytes(_stylesheet(ns)(box)))
    except etree.XMLSyntaxError as exc:
        line = getattr(exc, "lineno", None) or (exc.position[0] if exc.position else None)
        msg = str(exc.msg if hasattr(exc, "msg") else exc).split(", line")[0]
        place = f"line {line}" if line else None
        if "entity" in msg.lower():
            # libxml2 stopped an entity expansion in a DTD beyond the prologue check's reach
            raise InputError(path, place, f"{_DTD_REFUSED} ({msg})") from None
        raise InputError(path, place, f"not well-formed XML ({msg})") from None
    except (OSError, ValueError) as exc:
        raise InputError(path, None, f"cannot be read as XML ({type(exc).__name__})") from None
    _tables(raw, b"".join(chunks), tags, lines)
    return raw


def _header(raw: RawCensus, root) -> None:
    """The return's ReferenceDate, Year and LEA, from the header before the first child."""
    for name in ("ReferenceDate", "Year", "LEA"):
        el = next(root.iter("{*}" + name), None)
        text = el.text.strip() if el is not None and el.text else ""
        setattr(raw, {"ReferenceDate": "reference_date"}.get(name, name.lower()), text or None)


def _tables(raw: RawCensus, text: bytes, tags: list[str], lines: list[int]) -> None:
    """Split the XSLT's lines into one raw table per record element, with ids and locations."""
    names = ["record", *range(_WIDTH)]
    if text:
        df = pd.read_csv(io.BytesIO(text), sep="\t", header=None, names=names, dtype=str,
                         quoting=csv.QUOTE_NONE, keep_default_na=False, na_values=[""],
                         encoding="utf-8", engine="c")
    else:
        df = pd.DataFrame({c: pd.Series(dtype=str) for c in names})
    record = df["record"].to_numpy(dtype=object)
    event = np.array([_local(t) for t in tags], dtype=object)
    if len(event) != len(record) or (event != record).any():
        # a record element outside the place the schema gives it (say a plan outside any
        # child): its line is where the file parts from the CIN census layout
        at = int(np.argmax(np.r_[event[: len(record)] != record[: len(event)], True]))
        at = min(at, len(event) - 1)
        raise InputError(raw.path, f"line {lines[at]}",
                         f"<{event[at]}> is not where the CIN census schema puts it")
    location = ("line " + pd.Series(lines, dtype="string")).to_numpy()
    # each record's child, and each block's episode: the last of them to start before it
    at = np.arange(len(record))
    child_at = np.maximum.accumulate(np.where(record == "Child", at, -1))
    episode_at = np.maximum.accumulate(np.where(record == "CINdetails", at, -1))
    first = df[0].to_numpy(dtype=object, na_value=None)
    child_id = pd.array(first[child_at], dtype=str)
    referral = pd.array(np.where(episode_at > child_at, first[episode_at], None), dtype=str)
    src = str(raw.path)
    for name, fields in _RECORDS.items():
        rows = record == name
        table = df.loc[rows, list(range(len(fields)))]
        table.columns = list(fields.values())
        if name != "Child":
            table.insert(0, "child_id", child_id[rows])
        if name in _BLOCKS:
            table["referral_date"] = referral[rows]
        table["source_file"] = src
        table["location"] = location[rows]
        table = table.reset_index(drop=True)
        if name == "Child":
            table["sex"] = table["sex"].map(_SEX).fillna(table["sex"]).astype(str)
        setattr(raw, _TABLES[name], table)


_DTD_REFUSED = "declares a DOCTYPE or entities, which a CIN census file never does; refused"


def _refuse_dtd(path: Path, root) -> None:
    """InputError if the document has a DOCTYPE anywhere before its root element.

    `check_xml_prologue` only reads the first few kilobytes; a DOCTYPE pushed
    further down (after padding or a long comment) is caught here, at the root's
    start tag, before any entity inside the document is used. Entities are never
    resolved and no DTD is loaded either way.
    """
    info = root.getroottree().docinfo
    if info.doctype or info.internalDTD is not None or info.externalDTD is not None:
        raise InputError(path, f"line {root.sourceline}", _DTD_REFUSED)


def _check_root(path: Path, root) -> None:
    _refuse_dtd(path, root)
    name = _local(root.tag)
    if name != ROOT:
        raise InputError(
            path,
            f"line {root.sourceline}",
            f"root element is <{name}>, not <{ROOT}>: not a CIN census return",
        )
