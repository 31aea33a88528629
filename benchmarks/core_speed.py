"""Time `metrics` and the monthly series on a large plan table, and the CIN census reader on a
large XML file, each next to its floor measured on the same data in the same run.

    .venv/bin/python benchmarks/core_speed.py [--plans 1000000] [--xml-mb 100]

Floors: reading the plan table from parquet (for the measures and the series); a bare lxml
iterparse over the XML, clearing elements as it goes (for the reader). Targets: the series
within 3x of its floor, the reader within 2x of its floor.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
from cpmetrics.history import derive
from cpmetrics.measures import headline
from cpmetrics.periods import Period
from cpmetrics.series import monthly_series
from cpmetrics.sources import load
from cpmetrics.sources.cin_census import read_cin_census
from cpmetrics.tables import PLAN_COLUMNS, Tables, conform
from lxml import etree


def plan_table(n: int, seed: int = 1) -> pd.DataFrame:
    """n plans over ten years, each child's plans one after another, a few overlapping."""
    rng = np.random.default_rng(seed)
    want, n = n, int(n * 1.15)  # some would start after the last day; keep n of the rest
    child = np.sort(rng.integers(0, int(n * 0.8), n))
    first = np.r_[True, child[1:] != child[:-1]]
    length = rng.gamma(1.6, 150, n).astype(int) + 1
    gap = np.where(first, rng.integers(0, 3650, n), rng.integers(30, 700, n))
    # start of each plan: the child's first start, then previous start + length + gap
    step = gap + np.r_[0, length[:-1]] * ~first
    group_start = np.maximum.accumulate(np.where(first, np.arange(n), 0))
    offset = np.cumsum(step) - (np.cumsum(step) - step)[group_start]
    overlap = ~first & (rng.random(n) < 0.005)
    offset = offset - overlap * 60
    start = np.datetime64("2009-04-01") + offset.astype("timedelta64[D]")
    end = start + length.astype("timedelta64[D]")
    end = np.where(end > np.datetime64("2019-03-31"), np.datetime64("NaT"), end)
    keep = start <= np.datetime64("2019-03-31")
    cats = rng.choice(["NEG", "EMO", "PHY", "SAB", "MUL"], n)
    df = pd.DataFrame({
        "child_id": pd.array([f"C{c:07d}" for c in child], dtype="string"),
        "start_date": start.astype("datetime64[s]"),
        "end_date": end.astype("datetime64[s]"),
        "initial_category": pd.array(cats, dtype="string"),
        "previous_plans": pd.array(rng.integers(0, 2, n), dtype="Int64"),
        "source_file": "bench", "collection_year": 2019, "location": "-",
    })[keep]
    df = df.drop_duplicates(["child_id", "start_date"]).iloc[:want]
    return derive(conform(df, PLAN_COLUMNS))


CHILD = """<Child><ChildIdentifiers><LAchildID>B{i:08d}</LAchildID><PersonBirthDate>2010-01-01</PersonBirthDate><GenderCurrent>1</GenderCurrent></ChildIdentifiers><ChildCharacteristics><Ethnicity>WBRI</Ethnicity></ChildCharacteristics><CINdetails><CINreferralDate>2017-04-10</CINreferralDate><ReferralSource>1A</ReferralSource><PrimaryNeedCode>N1</PrimaryNeedCode><Assessments><AssessmentActualStartDate>2017-04-11</AssessmentActualStartDate><AssessmentAuthorisationDate>2017-04-25</AssessmentAuthorisationDate><FactorsIdentifiedAtAssessment><AssessmentFactors>3A</AssessmentFactors><AssessmentFactors>2B</AssessmentFactors></FactorsIdentifiedAtAssessment></Assessments><Section47><S47ActualStartDate>2017-04-12</S47ActualStartDate><InitialCPCtarget>2017-04-30</InitialCPCtarget><DateOfInitialCPC>2017-04-28</DateOfInitialCPC><ICPCnotRequired>false</ICPCnotRequired></Section47><ReferralNFA>0</ReferralNFA><ChildProtectionPlans><CPPstartDate>2017-05-01</CPPstartDate><CPPendDate>2018-01-02</CPPendDate><InitialCategoryOfAbuse>NEG</InitialCategoryOfAbuse><LatestCategoryOfAbuse>NEG</LatestCategoryOfAbuse><NumberOfPreviousCPP>0</NumberOfPreviousCPP><Reviews><CPPreviewDate>2017-08-01</CPPreviewDate></Reviews></ChildProtectionPlans></CINdetails></Child>
"""


def write_xml(path: Path, megabytes: int) -> int:
    n = megabytes * 1024 * 1024 // len(CHILD)
    with open(path, "w", encoding="utf-8") as fh:
        fh.write('<?xml version="1.0" encoding="UTF-8"?><Message><Header><CollectionDetails>'
                 "<Collection>CIN</Collection><Year>2018</Year><ReferenceDate>2018-03-31"
                 "</ReferenceDate></CollectionDetails></Header><Children>\n")
        for start in range(0, n, 10000):
            fh.write("".join(CHILD.format(i=i) for i in range(start, min(n, start + 10000))))
        fh.write("</Children></Message>\n")
    return n


def timed(fn, repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def bare_iterparse(path: Path) -> None:
    for _, el in etree.iterparse(str(path), events=("end",), resolve_entities=False, no_network=True):
        el.clear()


def peak_memory_mb(path: Path, bare: bool = False) -> float:
    """Peak resident memory (VmHWM, reset at exec) of a fresh process that reads `path`."""
    code = (
        "import sys\n"
        + ("from core_speed import bare_iterparse as f\n" if bare
           else "from cpmetrics.sources import load as f\n")
        + "f(sys.argv[1])\n"
        "print([ln for ln in open('/proc/self/status') if ln.startswith('VmHWM')][0].split()[1])\n"
    )
    out = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True,
                         check=True, cwd=Path(__file__).parent)
    return int(out.stdout.split()[-1]) / 1024


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--plans", type=int, default=1_000_000)
    ap.add_argument("--xml-mb", type=int, default=100)
    ap.add_argument("--xml", type=Path, help="time this CIN census file instead of a generated one"
                    " (e.g. one year of `cpmetrics synth --children-scale 100`)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        plans = plan_table(args.plans)
        pq = tmp / "plans.parquet"
        plans.to_parquet(pq)
        tables = Tables(plans=plans)
        floor = timed(lambda: pd.read_parquet(pq))
        series = timed(lambda: monthly_series(plans, "2009-04-30", "2019-03-31"))
        point = timed(lambda: headline(tables, Period.ending("2017-03-31")))
        messy = plans["child_overlaps"].mean()
        print(f"plan table: {len(plans):,} plans ({messy:.3%} of children's plans overlapping),"
              " 120 month ends")
        print(f"  floor (read plan table from parquet) {floor:7.3f} s")
        print(f"  monthly series                       {series:7.3f} s  = {series / floor:.2f}x floor")
        print(f"  metrics at one date                  {point:7.3f} s  = {point / floor:.2f}x floor")

        if args.xml:
            xml, n = args.xml, "?"
        else:
            xml = tmp / "big.xml"
            n = write_xml(xml, args.xml_mb)
        size = xml.stat().st_size / 1e6
        floor = timed(lambda: bare_iterparse(xml), repeat=2)
        reader = timed(lambda: read_cin_census(xml), repeat=2)
        print(f"CIN census XML: {xml.name}, {size:.0f} MB, {n:,} children" if n != "?"
              else f"CIN census XML: {xml}, {size:.0f} MB")
        print(f"  floor (bare lxml iterparse)          {floor:7.3f} s")
        print(f"  reader (read_cin_census)             {reader:7.3f} s  = {reader / floor:.2f}x floor")
        whole = timed(lambda: load(xml), repeat=1)
        print(f"  whole load (reader, tables, rules)   {whole:7.3f} s  = {whole / floor:.2f}x floor")
        peak, bare = peak_memory_mb(xml), peak_memory_mb(xml, bare=True)
        print(f"  peak memory of a process that loads it: {peak:.0f} MB ({peak / size:.1f}x the"
              f" file); of one that only iterparses it: {bare:.0f} MB")


if __name__ == "__main__":
    main()
