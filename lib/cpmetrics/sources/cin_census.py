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
        # Only the elements read raise events (the tag filter runs in C): the leaves
        # whose text we keep and the blocks that close a record. Per element that is
        # less Python than a bare iterparse, which sees every element.
        context = etree.iterparse(
            str(path),
            events=("end",),
            tag=_EVENT_TAGS,
            resolve_entities=False,
            load_dtd=False,
            no_network=True,
            huge_tree=False,
            remove_comments=True,
            remove_pis=True,
        )
        state = _State(raw, src)
        checked = False
        for _, el in context:
            if not checked:
                _check_root(path, el.getroottree().getroot())
                checked = True
            state.end(el)
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


# leaf element -> (where it belongs, column); DateOfInitialCPC belongs to the episode or,
# inside Section47, to the enquiry, told apart by its parent
_LEAVES: dict[str, tuple[str, str]] = {
    **{k: ("child", v) for k, v in _CHILD_FIELDS.items()},
    **{k: ("episode", v) for k, v in _EPISODE_FIELDS.items()},
    "DateOfInitialCPC": ("cpc", "date_of_initial_cpc"),
    **{k: ("block", v) for k, v in _ASSESSMENT_FIELDS.items()},
    **{k: ("block", v) for k, v in _S47_FIELDS.items()},
    **{k: ("block", v) for k, v in _CPP_FIELDS.items()},
    **{k: ("block", v) for k, v in _CIN_PLAN_FIELDS.items()},
}
_LEAVES["DateOfInitialCPC"] = ("cpc", "date_of_initial_cpc")  # episode's, or Section47's
_LISTS = {"Disability": "child", "AssessmentFactors": "block", "CPPreviewDate": "block"}
_BLOCKS = ("ChildProtectionPlans", "Assessments", "Section47", "CINPlanDates")
_OTHER = ("Child", "CINdetails", "ReferenceDate", "Year", "LEA")
_EVENT_TAGS = tuple("{*}" + t for t in (*_LEAVES, *_LISTS, *_BLOCKS, *_OTHER))


class _State:
    """Collects one child's records from the end events of its elements, in document order.

    A leaf's text goes to the child, the episode or the block being read; a
    block's end makes its record; a CINdetails end makes the episode; a Child
    end makes the child and clears its subtree, so memory stays flat.
    """

    def __init__(self, raw: RawCensus, src: str) -> None:
        self.raw, self.src = raw, src
        self.child: dict = {}
        self.disabilities: list[str] = []
        self.episode: dict = {}
        self.block: dict = {}
        self.items: list[str] = []  # AssessmentFactors or CPPreviewDate of the block

    def end(self, el) -> None:
        tag = el.tag
        leaf = _LEAVES.get(tag) or _LEAVES.get(_local(tag))
        if leaf is not None:
            where, column = leaf
            if where == "block" or (
                where == "cpc" and _local(el.getparent().tag) == "Section47"
            ):
                target = self.block
            elif where == "child":
                target = self.child
            else:
                target = self.episode
            t = el.text
            target[column] = (t.strip() or None) if t else None
            return
        name = _local(tag)
        if name in _LISTS:
            if (t := _text(el)) is not None:
                (self.disabilities if name == "Disability" else self.items).append(t)
        elif name in _BLOCKS:
            self._block(name, el)
        elif name == "CINdetails":
            rec = self.episode
            rec["child_id"] = self.child.get("child_id")
            rec["source_file"], rec["location"] = self.src, f"line {el.sourceline}"
            self.raw.episodes.append(rec)
            self.episode = {}
        elif name == "Child":
            self._child(el)
        elif name == "ReferenceDate":
            self.raw.reference_date = _text(el)
        elif name == "Year":
            self.raw.year = _text(el)
        elif name == "LEA":
            self.raw.la = _text(el)

    def _block(self, name: str, el) -> None:
        rec = self.block
        rec["child_id"] = self.child.get("child_id")
        rec["referral_date"] = self.episode.get("referral_date")
        rec["source_file"], rec["location"] = self.src, f"line {el.sourceline}"
        if name == "ChildProtectionPlans":
            rec["reviews"] = self.items
            self.raw.plans.append(rec)
        elif name == "Assessments":
            rec["factors"] = self.items
            self.raw.assessments.append(rec)
        elif name == "Section47":
            self.raw.section47.append(rec)
        else:
            self.raw.cin_plans.append(rec)
        self.block, self.items = {}, []

    def _child(self, el) -> None:
        rec = self.child
        sex = rec.get("sex")
        rec["sex"] = _SEX.get(sex, sex) if sex is not None else None
        rec["disabilities"] = ",".join(self.disabilities) or None
        rec["source_file"], rec["location"] = self.src, f"line {el.sourceline}"
        self.raw.children.append(rec)
        self.child, self.disabilities = {}, []
        el.clear()
        parent = el.getparent()
        if parent is not None:
            while el.getprevious() is not None:
                del parent[0]
