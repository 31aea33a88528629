"""Reader for the DfE Children in Need census XML return, collection years 2016-17 to 2025-26.

Parses incrementally (lxml iterparse, entity resolution, DTD loading and network
access off) and hands each batch of finished `<Child>` elements to one compiled
XSLT, which writes their records as tab-separated text in C, in a worker thread
while the next batch is parsed; pyarrow reads that text into one raw table per
canonical table, and one row per CPPreviewDate (`reviews`). Python sees one
event per record (for its line number), not one per element, which keeps the
reader near the speed of a bare iterparse. Values are kept as written,
whitespace normalised: dates are parsed, and bad ones rejected, when the
history is assembled (`history`).

Line numbers past 65,535 are libxml2's approximation (it keeps 16 bits of an
element's line): near the record's start tag, not always on it. Dropping the
indentation at parse (remove_blank_text) would read 15% faster but move those
places by a line, so it is not done.
"""

from __future__ import annotations

from collections import deque
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
from lxml import etree

from cpmetrics.errors import InputError
from cpmetrics.sources.sniff import check_xml_prologue

ROOT = "Message"

# record element -> {leaf element (a path below the record) -> canonical column}; the
# leaves named in _LISTS repeat (the XSLT writes a comma before each item)
_CHILD_FIELDS = {
    "*/LAchildID": "child_id",
    "*/PersonBirthDate": "birth_date",
    "*/ExpectedPersonBirthDate": "expected_birth_date",
    "*/GenderCurrent|*/Sex": "sex",
    "*/PersonDeathDate": "death_date",
    "*/Ethnicity": "ethnicity",
    "*/UPN": "upn",
    "*/UPNunknown": "upn_unknown",
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
_PENDING = 2  # batches waiting for the XSLT worker at most: bounds the memory held


class RawCensus:
    """The raw records of one CIN census file, one DataFrame of strings per canonical table.

    `reviews` has one row per CPPreviewDate element, with `plan_row`, the position of
    its plan record in `plans`; the plan records carry no review dates.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.reference_date: str | None = None
        self.year: str | None = None
        self.la: str | None = None
        empty = pd.DataFrame()
        self.children = self.episodes = self.assessments = empty
        self.section47 = self.cin_plans = self.plans = self.reviews = empty


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
        # the single values (one value-of each: faster than one concat), then the list
        single = [path(e) for e, column in fields.items() if column not in _LISTS]
        lists = [path(e) for e, column in fields.items() if column in _LISTS]
        line = f"<xsl:text>{name}</xsl:text>" + "".join(
            f'<xsl:text>\t</xsl:text><xsl:value-of select="normalize-space({e})"/>'
            for e in single)
        if lists and list(fields.values())[-1] not in _LISTS:
            raise ValueError(f"{name}: a record's repeating list must be its last field")
        for e in lists:
            # a comma before every item, the first too: a list of one blank item (",") is
            # not an empty list ("")
            line += (f'<xsl:text>\t</xsl:text><xsl:for-each select="{e}">'
                     '<xsl:text>,</xsl:text><xsl:value-of select="normalize-space(.)"/>'
                     "</xsl:for-each>")
        pad = "\t" * (_WIDTH - len(fields))  # every line as wide as the widest record
        return (f'<xsl:template match="{p}{name}">{line}<xsl:text>{pad}\n</xsl:text>{then}'
                "</xsl:template>")

    # each record where the schema puts it (one step down, not a search of the subtree);
    # one anywhere else has no line here and the reader refuses the file at it
    inner = "|".join([f"{p}CINdetails", *(f"{p}CINdetails/{p}{b}" for b in _BLOCKS)])
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
    batches = _Batches()
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
                        batches.add(_stylesheet(ns), box)
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
            batches.add(_stylesheet(ns), box)
        text = batches.text()
    except etree.XMLSyntaxError as exc:
        line = getattr(exc, "lineno", None) or (exc.position[0] if exc.position else None)
        msg = str(exc.msg if hasattr(exc, "msg") else exc).split(", line")[0]
        place = f"line {line}" if line else None
        if "entity" in msg.lower():
            # libxml2 stopped an entity expansion in a DTD beyond the prologue check's reach
            raise InputError(path, place, f"{_DTD_REFUSED} ({msg})") from None
        raise InputError(path, place, f"not well-formed XML ({msg})") from None
    except etree.XSLTApplyError as exc:
        raise InputError(path, None, f"its records could not be read ({exc})") from None
    except (OSError, ValueError) as exc:
        raise InputError(path, None, f"cannot be read as XML ({type(exc).__name__})") from None
    finally:
        batches.close()
    _tables(raw, text, tags, lines, ns)
    return raw


class _Batches:
    """Batches of children written out by the XSLT in a worker thread, kept in order.

    libxslt runs without the GIL, so the next batch is parsed while one is
    transformed; at most two wait, which bounds the memory held.
    """

    def __init__(self) -> None:
        from concurrent.futures import ThreadPoolExecutor

        self._pool = ThreadPoolExecutor(1, thread_name_prefix="cpmetrics-xslt")
        self._pending: deque = deque()
        self._chunks: list[bytes] = []

    def add(self, xslt: etree.XSLT, box) -> None:
        self._pending.append(self._pool.submit(_transform, xslt, box))
        while len(self._pending) > _PENDING:
            self._chunks.append(self._pending.popleft().result())

    def text(self) -> bytes:
        while self._pending:
            self._chunks.append(self._pending.popleft().result())
        return b"".join(self._chunks)

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


def _transform(xslt: etree.XSLT, box) -> bytes:
    return bytes(xslt(box))


def _header(raw: RawCensus, root) -> None:
    """The return's ReferenceDate, Year and LEA, from the header before the first child."""
    for name in ("ReferenceDate", "Year", "LEA"):
        el = next(root.iter("{*}" + name), None)
        text = el.text.strip() if el is not None and el.text else ""
        setattr(raw, {"ReferenceDate": "reference_date", "LEA": "la"}.get(name, name.lower()),
                text or None)


def _tables(raw: RawCensus, text: bytes, tags: list[str], lines: list[int], ns: str) -> None:
    """Split the XSLT's lines into one raw table per record element, with ids and locations.

    pyarrow reads the text and does the splitting (in C, with its threads):
    a big return has a million records.
    """
    import pyarrow as pa
    import pyarrow.compute as pc
    from pyarrow import csv as pacsv

    names = ["record", *(f"f{i}" for i in range(_WIDTH))]
    if text:
        table = pacsv.read_csv(
            pa.py_buffer(text),
            read_options=pacsv.ReadOptions(column_names=names),
            parse_options=pacsv.ParseOptions(delimiter="\t", quote_char=False,
                                             escape_char=False),
            convert_options=pacsv.ConvertOptions(
                column_types=dict.fromkeys(names, pa.string()), strings_can_be_null=True,
                null_values=[""]),
        )
    else:
        table = pa.table({n: pa.array([], pa.string()) for n in names})
    record = table["record"].combine_chunks()
    event = pa.array(tags, pa.string())
    if ns:
        event = pc.replace_substring(event, "{" + ns + "}", "")
    n = min(len(event), len(record))
    same = pc.equal(event[:n], record[:n])
    if len(event) != len(record) or not pc.all(same).as_py():
        # a record element outside the place the schema gives it (say a plan outside any
        # child): its line is where the file parts from the CIN census layout
        at = int(pc.index(same, False).as_py())
        at = n if at < 0 else at
        at = min(at, len(event) - 1)
        raise InputError(raw.path, f"line {lines[at]}",
                         f"<{event[at].as_py()}> is not where the CIN census schema puts it")
    location = pc.binary_join_element_wise(
        "line ", pa.array(lines, pa.int64()).cast(pa.string()), "")
    # each record's child, and each block's episode: the last of them to start before it
    at = np.arange(len(record))
    is_child = pc.equal(record, "Child").to_numpy(zero_copy_only=False)
    is_episode = pc.equal(record, "CINdetails").to_numpy(zero_copy_only=False)
    child_at = np.maximum.accumulate(np.where(is_child, at, -1))
    episode_at = np.maximum.accumulate(np.where(is_episode, at, -1))
    first = table["f0"].combine_chunks()
    child_id = pc.take(first, pa.array(np.maximum(child_at, 0)))
    referral = pc.if_else(pa.array(episode_at > child_at),
                          pc.take(first, pa.array(np.maximum(episode_at, 0))),
                          pa.scalar(None, pa.string()))
    src = str(raw.path)
    for name, fields in _RECORDS.items():
        rows = pc.equal(record, name)
        columns = {col: table[f"f{i}"].filter(rows).combine_chunks()
                   for i, col in enumerate(fields.values())}
        if name != "Child":
            columns = {"child_id": child_id.filter(rows), **columns}
        if name in _BLOCKS:
            columns["referral_date"] = referral.filter(rows)
        columns["location"] = location.filter(rows)
        reviews = columns.pop("reviews", None)
        for col in _LISTS:
            if col in columns:
                columns[col] = _joined(columns[col])
        df = _raw_frame(columns, src)
        if name == "Child":
            df["sex"] = df["sex"].map(_SEX).fillna(df["sex"]).astype(str)
        setattr(raw, _TABLES[name], df)
        if reviews is not None:
            raw.reviews = _reviews(reviews, columns, src)


def _raw_frame(columns: dict, src: str) -> pd.DataFrame:
    """Arrow columns as a raw table, `source_file` before the last column (`location`)."""
    import pyarrow as pa

    df = pa.table(columns).to_pandas(types_mapper=_str_dtype)
    df.insert(len(df.columns) - 1, "source_file", pd.Series(src, index=df.index, dtype=str))
    return df


def _items(values):
    """The XSLT's lists (",a,b": a comma before every item) as Arrow lists of their items."""
    import pyarrow.compute as pc

    return pc.list_slice(pc.split_pattern(values, ","), 1)


def _joined(values):
    """A list as one comma-separated value ("a,b"); missing where that is empty (no item, or
    a single blank one)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    joined = pc.binary_join(_items(values), ",")
    return pc.if_else(pc.equal(joined, ""), pa.scalar(None, pa.string()), joined)


def _reviews(values, plans: dict, src: str) -> pd.DataFrame:
    """One raw row per CPPreviewDate element (a blank one too), with its plan record's row
    (`plan_row`, the position in the file's raw plans), child id, start date and place."""
    import pyarrow as pa
    import pyarrow.compute as pc

    items = _items(values)
    at = pc.list_parent_indices(items)
    columns = {"plan_row": at.cast(pa.int64()),
               "child_id": plans["child_id"].take(at),
               "plan_start_date": plans["start_date"].take(at),
               "review_date": pc.list_flatten(items),
               "location": plans["location"].take(at)}
    return _raw_frame(columns, src)


def _str_dtype(arrow_type):
    """Arrow strings as pandas' default string dtype (missing values NaN), as the canonical
    tables hold them."""
    import pyarrow as pa

    return pd.StringDtype("pyarrow", na_value=np.nan) if arrow_type == pa.string() else None


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
