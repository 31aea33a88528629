"""Small plan histories and CIN census files built by hand, for tests that read like metrics.md."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
from cpmetrics.history import build_plans
from cpmetrics.quality import check
from cpmetrics.tables import (
    ASSESSMENT_COLUMNS,
    CHILD_COLUMNS,
    CIN_PLAN_COLUMNS,
    EPISODE_COLUMNS,
    REVIEW_COLUMNS,
    SECTION47_COLUMNS,
    Tables,
    conform,
)


def plan(child: str, start: str, end: str | None = None, *, previous: int | str | None = 0,
         category: str = "NEG", episode: str | None = None, source: str = "test.xml",
         year: int = 2018, latest: str | None = None) -> dict:
    """One raw plan record, as a source would hand it over."""
    return {
        "child_id": child,
        "start_date": start,
        "end_date": end,
        "initial_category": category,
        "latest_category": latest or category,
        "previous_plans": None if previous is None else str(previous),
        "episode_id": episode or f"{child}|ep",
        "source_file": source,
        "location": f"record {child}",
        "collection_year": year,
        "file_order": 0,
    }


def history(*plans: dict, assessments: list[dict] | None = None) -> Tables:
    """Tables from raw plan records, as `load` would produce them (quality rules run)."""
    built, rejects, findings, counts = build_plans(pd.DataFrame(list(plans)))
    a = None
    if assessments is not None:
        a = conform(pd.DataFrame(assessments), ASSESSMENT_COLUMNS) if assessments else conform(
            pd.DataFrame(columns=list(ASSESSMENT_COLUMNS)), ASSESSMENT_COLUMNS
        )
    t = Tables(plans=built, assessments=a, rejects=rejects, findings=findings, counts=counts)
    return check(t)


def assessment(child: str, authorised: str | None, factors: str, *, started: str | None = None,
               episode: str | None = None) -> dict:
    return {
        "episode_id": episode or f"{child}|ep",
        "child_id": child,
        "actual_start_date": started or authorised,
        "authorisation_date": authorised,
        "factors": factors,
    }


# ---- whole CIN census histories by hand: one dict per record of each canonical table ----------


def episode(child: str, referral: str, *, closure: str | None = None, reason: str | None = None,
            icpc: str | None = None, nfa: bool = False, year: int = 2018,
            episode_id: str | None = None) -> dict:
    return {"episode_id": episode_id or f"{child}|ep", "child_id": child,
            "referral_date": referral, "closure_date": closure, "reason_for_closure": reason,
            "date_of_initial_cpc": icpc, "referral_nfa": nfa, "collection_year": year,
            "location": f"episode {child}"}


def enquiry(child: str, start: str | None, *, icpc: str | None = None, target: str | None = None,
            not_required: bool = False, year: int = 2018, episode_id: str | None = None) -> dict:
    return {"episode_id": episode_id or f"{child}|ep", "child_id": child, "start_date": start,
            "initial_cpc_target": target, "date_of_initial_cpc": icpc,
            "icpc_not_required": not_required, "collection_year": year,
            "location": f"enquiry {child}"}


def review(child: str, plan_start: str, date: str | None, *, source: str = "test.xml",
           year: int = 2018) -> dict:
    return {"child_id": child, "plan_start_date": plan_start, "review_date": date,
            "source_file": source, "collection_year": year}


def cin_plan(child: str, start: str, end: str | None = None, *, year: int = 2018,
             episode_id: str | None = None) -> dict:
    return {"episode_id": episode_id or f"{child}|ep", "child_id": child, "start_date": start,
            "end_date": end, "collection_year": year, "location": f"cin plan {child}"}


def person(child: str, birth: str | None = "2012-01-01", *, disabilities: str | None = "NONE",
           upn: str | None = "A123456789012", upn_unknown: str | None = None,
           year: int = 2018) -> dict:
    return {"child_id": child, "birth_date": birth, "disabilities": disabilities, "upn": upn,
            "upn_unknown": upn_unknown, "collection_year": year, "location": f"child {child}"}


def _rows(rows, columns: dict[str, str]) -> pd.DataFrame:
    frame = pd.DataFrame(list(rows), columns=list(columns) + ["location"], dtype=object)
    frame["source_file"] = frame["source_file"].fillna("test.xml")
    return conform(frame, columns)


def census(*plans: dict, episodes=(), assessments=(), section47=(), cin_plans=(), reviews=(),
           children=()) -> Tables:
    """Tables of a CIN census history from records of each table, as `load` would produce them
    (quality rules run); plans are raw records (`plan`), the rest canonical rows as text."""
    built, rejects, findings, counts = build_plans(
        pd.DataFrame(list(plans), columns=list(plan("x", "2017-01-01"))))
    t = Tables(plans=built, rejects=rejects, findings=findings, counts=counts, source="cin_census",
               episodes=_rows(episodes, EPISODE_COLUMNS),
               assessments=_rows([a | {"location": f"assessment {a['child_id']}"}
                                  for a in assessments], ASSESSMENT_COLUMNS),
               section47=_rows(section47, SECTION47_COLUMNS),
               cin_plans=_rows(cin_plans, CIN_PLAN_COLUMNS),
               reviews=_rows(reviews, REVIEW_COLUMNS), children=_rows(children, CHILD_COLUMNS))
    return check(t)


def census_xml(path: Path, children: list[str], *, reference_date: str = "2018-03-31",
               year: str = "2018", lea: str = "358") -> Path:
    """A CIN census file from <Child> fragments (each a string of XML)."""
    body = "\n".join(children)
    path.write_text(
        f"""<?xml version="1.0" encoding="UTF-8"?>
<Message>
  <Header>
    <CollectionDetails><Collection>CIN</Collection><Year>{year}</Year>
      <ReferenceDate>{reference_date}</ReferenceDate></CollectionDetails>
    <Source><SourceLevel>L</SourceLevel><LEA>{lea}</LEA><SoftwareCode>test</SoftwareCode>
      <Release>1</Release><SerialNo>001</SerialNo><DateTime>2018-05-01T00:00:00</DateTime></Source>
  </Header>
  <Children>
{body}
  </Children>
</Message>
""",
        encoding="utf-8",
    )
    return path


def child_xml(child_id: str, *episodes: str, birth: str | None = "2010-01-01",
              expected: str | None = None) -> str:
    ident = f"<LAchildID>{child_id}</LAchildID>"
    if birth:
        ident += f"<PersonBirthDate>{birth}</PersonBirthDate>"
    if expected:
        ident += f"<ExpectedPersonBirthDate>{expected}</ExpectedPersonBirthDate>"
    ident += "<GenderCurrent>1</GenderCurrent>"
    return (
        f"<Child><ChildIdentifiers>{ident}</ChildIdentifiers>"
        f"<ChildCharacteristics><Ethnicity>WBRI</Ethnicity></ChildCharacteristics>"
        + "".join(episodes)
        + "</Child>"
    )


def episode_xml(referral: str, *parts: str, closure: str | None = None,
                referral_source: str = "1A") -> str:
    close = f"<CINclosureDate>{closure}</CINclosureDate><ReasonForClosure>RC1</ReasonForClosure>" \
        if closure else ""
    return (
        f"<CINdetails><CINreferralDate>{referral}</CINreferralDate>"
        f"<ReferralSource>{referral_source}</ReferralSource><PrimaryNeedCode>N1</PrimaryNeedCode>"
        f"{close}" + "".join(parts) + "<ReferralNFA>0</ReferralNFA></CINdetails>"
    )


def assessment_xml(start: str, authorised: str | None, *factors: str) -> str:
    auth = f"<AssessmentAuthorisationDate>{authorised}</AssessmentAuthorisationDate>" \
        if authorised else ""
    fs = "".join(f"<AssessmentFactors>{f}</AssessmentFactors>" for f in factors)
    return (
        f"<Assessments><AssessmentActualStartDate>{start}</AssessmentActualStartDate>{auth}"
        f"<FactorsIdentifiedAtAssessment>{fs}</FactorsIdentifiedAtAssessment></Assessments>"
    )


def cpp_xml(start: str, end: str | None = None, *, category: str = "NEG",
            previous: int | str = 0, reviews: tuple[str, ...] = ()) -> str:
    e = f"<CPPendDate>{end}</CPPendDate>" if end else ""
    r = "".join(f"<CPPreviewDate>{d}</CPPreviewDate>" for d in reviews)
    return (
        f"<ChildProtectionPlans><CPPstartDate>{start}</CPPstartDate>{e}"
        f"<InitialCategoryOfAbuse>{category}</InitialCategoryOfAbuse>"
        f"<LatestCategoryOfAbuse>{category}</LatestCategoryOfAbuse>"
        f"<NumberOfPreviousCPP>{previous}</NumberOfPreviousCPP>"
        + (f"<Reviews>{r}</Reviews>" if reviews else "")
        + "</ChildProtectionPlans>"
    )


# ---- disclosure in words -------------------------------------------------------------------------

_NOT_COUNTS = [
    r"\d{4}-\d{2}(-\d{2})?",  # dates, financial years (2016-17)
    r"\d{1,2} (January|February|March|April|May|June|July|August|September|October|November|"
    r"December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\b",
    r"\b(January|February|March|April|May|June|July|August|September|October|November|December|"
    r"Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4}",
    r"\d+(\.\d+)?%", r"\d+\.\d+",  # percentages, rates, interval bounds
    r"\b[A-Za-z]+\d+\b", r"\b\d+[A-Za-z]\b",  # Q1, C3, D5, 3A
    r"\b\d+( to \d+)? (months?|years?|days?|weeks?)\b",  # duration bands
    r"\d+ of the headline measures", r"\d+,\d{3}", r"aged \d+-\d+", r"\d+ times",
]


def small_numbers(text: str, threshold: int = 5) -> list[str]:
    """Whole numbers from 1 to threshold-1 left in a text once dates, percentages, codes and
    durations are taken out: what a reader would take for a count of children or plans."""
    for pattern in _NOT_COUNTS:
        text = re.sub(pattern, " ", text)
    return [m for m in re.findall(r"(?<![\d.<])\b\d+\b(?![\d.])", text)
            if 0 < int(m) < threshold]


#: A params file for a pack of the hand-made sample (nearly every count below 5)
SAMPLE_PARAMS = """\
period_end: "2018-03-31"
data: data/sample
la: "358"
reference_level: 10
tolerance_pct: 4
suppression_threshold: 5
"""


def run_pack(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    """`cpmetrics pack ...` as a user runs it, from `cwd`, with a nonsense MPLBACKEND and a
    temporary folder of its own, which the pack must leave empty."""
    systemp = cwd / f"systemp-{len(list(cwd.glob('systemp-*')))}"
    systemp.mkdir()
    env = {**os.environ, "MPLBACKEND": "TkAgg-not-here", "TMPDIR": str(systemp)}
    done = subprocess.run(
        [sys.executable, "-m", "cpmetrics", "pack", *args],
        cwd=cwd, env=env, capture_output=True, text=True, timeout=600,
    )
    left = sorted(p.name for p in systemp.rglob("*"))
    assert not left, f"the pack left {left} in the temporary folder"
    systemp.rmdir()
    return done
