"""Time `metrics` and the monthly series on a large plan table, the CIN census reader on a
large XML file, and the whole `metrics` command on a multi-year history heavy with reviews,
each next to its floor measured on the same data in the same run.

    .venv/bin/python benchmarks/core_speed.py [--plans 1000000] [--xml-mb 100]
        [--children-scale 10 | --history DIR] [--repeat 5] [--cases plans,xml,history]
        [--profile]

Floors: reading the plan table from parquet (for the measures and the series); a bare lxml
iterparse over the XML, clearing elements as it goes (for the reader); a bare lxml
`iterparse(..., tag="Child")` over every file of the history, clearing each child (for the
command). Targets: the series within 3x of its floor, the reader within 2x of its floor, the
`metrics` command over the history, process start included, within 3x of its floor.

The history is four yearly returns of the synthetic council at `--children-scale` times its
size (`cpmetrics synth`; scale 10 is about 120 MB, 69,000 children, 13,000 plans and 21,000
review dates listed), made in a temporary folder and removed after. The single-file case
missed what merging returns costs: one plan listed by several returns, its reviews unioned.
The floor and the command alternate `--repeat` times; the best of each is compared, wall
clock and CPU (the command's CPU includes the reader's XSLT worker thread). `--profile` adds
the top lines of a profile of the command, run in this process, in CPU seconds: the worker's
CPU lands on whatever the main thread runs meanwhile (mostly the parse loop's list appends).
On a machine whose cores are all busy, wall clock times swing by a quarter from run to run;
the CPU ratio is the steadier figure.
"""

from __future__ import annotations

import argparse
import contextlib
import io
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


def iterparse_children(files: list[Path]) -> None:
    """The floor of the command: a bare iterparse over every file, clearing each child."""
    for f in files:
        for _, el in etree.iterparse(str(f), tag="Child"):
            el.clear()


def make_history(folder: Path, scale: int) -> Path:
    """Four yearly returns of the synthetic council at `scale` times its size."""
    subprocess.run([sys.executable, "-m", "cpmetrics", "synth", "--out", str(folder),
                    "--children-scale", str(scale)], check=True, stdout=subprocess.DEVNULL)
    return folder


def _children_cpu() -> float:
    """CPU seconds of this process's finished children (NaN where `resource` is missing:
    Windows)."""
    try:
        import resource
    except ImportError:
        return float("nan")
    use = resource.getrusage(resource.RUSAGE_CHILDREN)
    return use.ru_utime + use.ru_stime


def time_history(folder: Path, repeat: int, profile: bool) -> None:
    """`cpmetrics metrics` over a folder of yearly returns against iterparse over its files."""
    files = sorted(folder.glob("*.xml"))
    size = sum(f.stat().st_size for f in files) / 1e6
    raws = [read_cin_census(f) for f in files]
    period_end = max(r.reference_date for r in raws if r.reference_date)
    listed = sum(len(r.reviews) for r in raws)
    tables = load(folder)
    print(f"history: {len(files)} yearly returns in {folder}, {size:.0f} MB:"
          f" {len(tables.children):,} children, {tables.counts.read:,} plan records,"
          f" {len(tables.plans):,} plans ({int((tables.plans['review_count'] > 0).sum()):,}"
          f" reviewed), {listed:,} review dates listed, {len(tables.reviews):,} reviews"
          f" once unioned; `metrics --period-end {period_end}`")
    command = [sys.executable, "-m", "cpmetrics", "metrics", "--data", str(folder),
               "--period-end", period_end]
    floor_wall, floor_cpu, cmd_wall, cmd_cpu = [], [], [], []
    for _ in range(repeat):
        t, c = time.perf_counter(), time.process_time()
        iterparse_children(files)
        floor_wall.append(time.perf_counter() - t)
        floor_cpu.append(time.process_time() - c)
        t, c = time.perf_counter(), _children_cpu()
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
        cmd_wall.append(time.perf_counter() - t)
        cmd_cpu.append(_children_cpu() - c)

    def runs(values: list[float]) -> str:
        return " ".join(f"{v:.2f}" for v in values)

    print(f"  floor (iterparse tag=Child)  wall {min(floor_wall):6.2f} s  cpu"
          f" {min(floor_cpu):6.2f} s   (runs, wall: {runs(floor_wall)})")
    print(f"  metrics command              wall {min(cmd_wall):6.2f} s  cpu"
          f" {min(cmd_cpu):6.2f} s   (runs, wall: {runs(cmd_wall)})")
    print(f"  command / floor: wall {min(cmd_wall) / min(floor_wall):.2f}x,"
          f" cpu {min(cmd_cpu) / min(floor_cpu):.2f}x (target: 3x or better)")
    if profile:
        import cProfile
        import pstats

        from cpmetrics.cli import main as cli

        out = io.StringIO()
        prof = cProfile.Profile(time.process_time)  # CPU: waits on a busy machine left out
        with contextlib.redirect_stdout(io.StringIO()):
            prof.runcall(cli, command[3:])
        pstats.Stats(prof, stream=out).sort_stats("cumulative").print_stats(16)
        print("  profile of the command in this process (imports excluded; CPU seconds of"
              " the process, the XSLT worker's included), top lines:")
        print("\n".join("    " + ln for ln in out.getvalue().splitlines() if ln.strip()))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--plans", type=int, default=1_000_000)
    ap.add_argument("--xml-mb", type=int, default=100)
    ap.add_argument("--xml", type=Path, help="time this CIN census file instead of a generated one"
                    " (e.g. one year of `cpmetrics synth --children-scale 100`)")
    ap.add_argument("--children-scale", type=int, default=10,
                    help="size of the synthetic history for the command case")
    ap.add_argument("--history", type=Path, help="time the command on this folder of yearly"
                    " returns instead of a generated history")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--cases", default="plans,xml,history")
    ap.add_argument("--profile", action="store_true")
    args = ap.parse_args()
    cases = set(args.cases.split(","))
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        if "history" in cases:
            history = args.history or make_history(tmp / "history", args.children_scale)
            time_history(history, args.repeat, args.profile)
        if cases & {"plans", "xml"}:
            plans_and_xml(tmp, args, cases)


def plans_and_xml(tmp: Path, args: argparse.Namespace, cases: set[str]) -> None:
    if "plans" in cases:
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

    if "xml" in cases:
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
