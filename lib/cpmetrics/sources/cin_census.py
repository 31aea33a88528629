"""Reader for the DfE Children in Need census XML return, collection years 2016-17 to 2025-26.

Parses incrementally (lxml iterparse, one `<Child>` at a time, cleared as it
goes) with entity resolution, DTD loading and network access off. Produces raw
records, one list per canonical table, with values as written in the file: dates
are parsed, and bad ones rejected, when the history is assembled (`history`).
"""

from __future__ import annotations

from pathlib import Path

from lxml import etree

from cpmetrics.errors import InputError
from cpmetrics.sources.sniff import check_xml_prologue

ROOT = "Message"

# element name -> canonical column, per block
_CHILD_FIELDS = {
    "LAchildID": "child_id",
    "PersonBirthDate": "birth_date",
    "ExpectedPersonBirthDate": "expected_birth_date",
    "GenderCurrent": "sex",
    "Sex": "sex",
    "PersonDeathDate": "death_date",
    "Ethnicity": "ethnicity",
}
_EPISODE_FIELDS = {
    "CINreferralDate": "referral_date",
    "ReferralSource": "referral_source",
    "PrimaryNeedCode": "primary_need",
    "CINclosureDate": "closure_date",
    "ReasonForClosure": "reason_for_closure",
    "DateOfInitialCPC": "date_of_initial_cpc",
    "ReferralNFA": "referral_nfa",
}
_ASSESSMENT_FIELDS = {
    "AssessmentActualStartDate": "actual_start_date",
    "AssessmentInternalReviewDate": "internal_review_date",
    "AssessmentAuthorisationDate": "authorisation_date",
}
_S47_FIELDS = {
    "S47ActualStartDate": "start_date",
    "InitialCPCtarget": "initial_cpc_target",
    "DateOfInitialCPC": "date_of_initial_cpc",
    "ICPCnotRequired": "icpc_not_required",
}
_CPP_FIELDS = {
    "CPPstartDate": "start_date",
    "CPPendDate": "end_date",
    "InitialCategoryOfAbuse": "initial_category",
    "LatestCategoryOfAbuse": "latest_category",
    "NumberOfPreviousCPP": "previous_plans",
}
_CIN_PLAN_FIELDS = {"CINPlanStartDate": "start_date", "CINPlanEndDate": "end_date"}
# GenderCurrent (to 2023-24) was 1 male, 2 female, 0/9 not known; Sex (2024-25 on) is M/F/U
_SEX = {"1": "M", "2": "F", "0": "U", "9": "U", "M": "M", "F": "F", "U": "U"}


_LOCAL_NAMES: dict[object, str] = {}


def _local(tag) -> str:
    """Element name without its namespace (some suppliers add one), remembered per tag."""
    try:
        return _LOCAL_NAMES[tag]
    except KeyError:
        name = tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""
        _LOCAL_NAMES[tag] = name
        return name


def _text(el) -> str | None:
    t = el.text
    if t is None:
        return None
    t = t.strip()
    return t or None


def _fields(block, mapping: dict[str, str], out: dict) -> None:
    """Copy the simple child elements of `block` named in `mapping` into `out`."""
    for el in block:
        name = mapping.get(_local(el.tag))
        if name is not None:
            out[name] = _text(el)


class RawCensus:
    """The raw records of one CIN census file, as lists of dicts per canonical table."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.reference_date: str | None = None
        self.year: str | None = None
        self.la: str | None = None
        self.children: list[dict] = []
        self.episodes: list[dict] = []
        self.assessments: list[dict] = []
        self.section47: list[dict] = []
        self.cin_plans: list[dict] = []
        self.plans: list[dict] = []


def read_cin_census(path: str | Path) -> RawCensus:
    """Read one CIN census XML file into raw records; InputError if it is not one."""
    path = Path(path)
    check_xml_prologue(path)
    raw = RawCensus(path)
    src = str(path)
    try:
        # Only the elements we read raise events (the tag filter runs in C), so the
        # per-element cost is libxml2's, not Python's.
        context = etree.iterparse(
            str(path),
            events=("end",),
            tag=("{*}Child", "{*}CollectionDetails", "{*}LEA"),
            resolve_entities=False,
            load_dtd=False,
            no_network=True,
            huge_tree=False,
            remove_comments=True,
            remove_pis=True,
        )
        checked = False
        for _, el in context:
            if not checked:
                _check_root(path, el.getroottree().getroot())
                checked = True
            name = _local(el.tag)
            if name == "Child":
                _read_child(el, raw, src)
                el.clear()
                parent = el.getparent()
                if parent is not None:
                    while el.getprevious() is not None:
                        del parent[0]
            elif name == "CollectionDetails":
                for sub in el:
                    n = _local(sub.tag)
                    if n == "ReferenceDate":
                        raw.reference_date = _text(sub)
                    elif n == "Year":
                        raw.year = _text(sub)
            else:
                raw.la = _text(el)
        if not checked:
            root = getattr(context, "root", None)
            if root is None:
                raise InputError(path, None, "file holds no XML elements")
            _check_root(path, root)
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
    return raw


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


def _read_child(child, raw: RawCensus, src: str) -> None:
    rec: dict = {"disabilities": []}
    episodes = []
    for block in child:
        name = _local(block.tag)
        if name == "ChildIdentifiers":
            _fields(block, _CHILD_FIELDS, rec)
        elif name == "ChildCharacteristics":
            _fields(block, _CHILD_FIELDS, rec)
            for sub in block.iter("{*}Disability"):
                if (t := _text(sub)) is not None:
                    rec["disabilities"].append(t)
        elif name == "CINdetails":
            episodes.append(block)
    child_id = rec.get("child_id")
    sex = rec.get("sex")
    rec["sex"] = _SEX.get(sex, sex) if sex is not None else None
    rec["disabilities"] = ",".join(rec["disabilities"]) or None
    rec["source_file"] = src
    rec["location"] = f"line {child.sourceline}"
    raw.children.append(rec)
    for ep in episodes:
        _read_episode(ep, child_id, raw, src)


def _read_episode(ep, child_id: str | None, raw: RawCensus, src: str) -> None:
    rec: dict = {"child_id": child_id, "source_file": src, "location": f"line {ep.sourceline}"}
    _fields(ep, _EPISODE_FIELDS, rec)
    raw.episodes.append(rec)
    referral = rec.get("referral_date")
    for block in ep:
        name = _local(block.tag)
        base = {
            "child_id": child_id,
            "referral_date": referral,
            "source_file": src,
            "location": f"line {block.sourceline}",
        }
        if name == "ChildProtectionPlans":
            plan = dict(base)
            _fields(block, _CPP_FIELDS, plan)
            reviews = [
                t for r in block.iter("{*}CPPreviewDate") if (t := _text(r)) is not None
            ]
            plan["reviews"] = reviews
            raw.plans.append(plan)
        elif name == "Assessments":
            a = dict(base)
            _fields(block, _ASSESSMENT_FIELDS, a)
            a["factors"] = [
                t for f in block.iter("{*}AssessmentFactors") if (t := _text(f)) is not None
            ]
            raw.assessments.append(a)
        elif name == "Section47":
            s = dict(base)
            _fields(block, _S47_FIELDS, s)
            raw.section47.append(s)
        elif name == "CINPlanDates":
            c = dict(base)
            _fields(block, _CIN_PLAN_FIELDS, c)
            raw.cin_plans.append(c)
