"""Command line: `python -m cpmetrics metrics|validate|pack|synth|benchmark ...`.

Exit codes: 0 success; 1 the work ran and found what it reports (rejected
records, a failed notebook); 2 bad input or bad arguments, with one line on
stderr and no traceback unless --debug is given.
"""

from __future__ import annotations

import argparse
import json
import sys
import traceback
from collections.abc import Callable
from pathlib import Path

from cpmetrics.errors import InputError

EXIT_OK, EXIT_FOUND, EXIT_BAD_INPUT = 0, 1, 2


class _Parser(argparse.ArgumentParser):
    """argparse, but a bad argument is one line on stderr and exit code 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        sys.stderr.write(f"error: {self.prog}: {message}\n")
        raise SystemExit(EXIT_BAD_INPUT)


def _date(text: str):
    from cpmetrics.periods import as_date

    try:
        return as_date(text)
    except (ValueError, TypeError):
        raise argparse.ArgumentTypeError(f"'{text}' is not a date (YYYY-MM-DD)") from None


def _whole(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"'{text}' is below 1")
    return value


def cmd_metrics(args: argparse.Namespace) -> int:
    """Headline measures of metrics.md as one JSON object."""
    from cpmetrics.coverage import CoverageError, check
    from cpmetrics.measures import headline
    from cpmetrics.population import on_plan_rate
    from cpmetrics.sources import load

    period = _period(args)
    tables = load(args.data)
    try:
        covered = check(tables, period, args.data_to)
    except CoverageError as exc:
        raise exc.located(args.data, option=True) from None
    result = headline(tables, period, rate=on_plan_rate(tables, period, args.la),
                      visit_standard=args.visit_standard_working_days)
    result["coverage"] = covered.as_dict()
    json.dump(result, sys.stdout, indent=2)
    sys.stdout.write("\n")
    if tables.counts.rejected:
        sys.stderr.write(
            f"warning: {args.data}: {tables.counts.rejected} of {tables.counts.read} plan records"
            " rejected and left out of the measures; run `cpmetrics validate` for the list\n"
        )
    return EXIT_OK


def _period(args: argparse.Namespace):
    from cpmetrics.periods import Period

    try:
        return Period.ending(args.period_end, args.period_start)
    except ValueError as exc:
        raise InputError(None, None, str(exc)) from None


def cmd_validate(args: argparse.Namespace) -> int:
    """Quality findings as a table (or CSV); exit 1 when a record had to be rejected."""
    from cpmetrics.quality import findings_report
    from cpmetrics.sources import load

    tables = load(args.data)
    findings = findings_report(tables)
    if args.csv:
        findings.to_csv(sys.stdout, index=False)
    else:
        q = tables.quality_summary()
        print(
            f"{args.data}: {q['read']} plan records read, {q['loaded']} loaded,"
            f" {q['rejected']} rejected; {q['plans']} plans measured; {len(findings)} findings"
        )
        if len(findings):
            cols = ["source_file", "location", "child_id", "rule", "message", "action"]
            with_cols = findings[cols]
            print(with_cols.to_string(index=False, max_colwidth=90))
    return EXIT_FOUND if tables.counts.rejected else EXIT_OK


def cmd_synth(args: argparse.Namespace) -> int:
    """Write the synthetic council's CIN census files, one per collection year."""
    from cpmetrics import synthetic

    if args.region is not None:
        return _synth_region(args)
    if args.councils is not None:
        raise InputError(None, "--councils", "needs --region")
    kwargs = {"children_scale": 1.0 if args.children_scale is None else args.children_scale,
              **_seed_and_years(args)}
    if args.data_to is not None:
        kwargs["data_to"] = args.data_to.date()
    try:
        paths = synthetic.write_census(Path(args.out), **kwargs)
    except ValueError as exc:  # years or scale out of range: a bad argument
        raise InputError(None, "synth", str(exc)) from None
    for path in paths:
        print(path)
    return EXIT_OK


def _seed_and_years(args: argparse.Namespace) -> dict:
    """`synth`'s --seed, --start-year and --end-year, as the generator's keywords (the
    generator's defaults where they are not given)."""
    given = {"seed": args.seed, "start_year": args.start_year or None,
             "end_year": args.end_year or None}
    return {k: v for k, v in given.items() if v is not None}


def _synth_region(args: argparse.Namespace) -> int:
    """`synth --region NAME`: one synthetic council per member of the region, and region.yaml."""
    from cpmetrics import synthetic
    from cpmetrics.synthetic_region import write_synthetic_region

    if args.children_scale is not None:
        raise InputError(None, "--children-scale", "does not apply to --region (each council"
                         " is sized by its population)")
    councils = None
    if args.councils is not None:
        councils = [c.strip() for c in args.councils.split(",") if c.strip()]
        if not councils:
            raise InputError(None, "--councils", "should list DfE LA numbers, e.g. 356,357,358")
    kwargs = _seed_and_years(args)
    kwargs["data_to"] = args.data_to.date() if args.data_to is not None else (
        synthetic.DEFAULT_DATA_TO if not args.end_year else None)
    try:
        written = write_synthetic_region(args.region, Path(args.out), councils=councils,
                                         jobs=args.jobs, **kwargs)
    except ValueError as exc:  # years out of range: a bad argument
        raise InputError(None, "synth", str(exc)) from None
    for w in written:
        used = ", ".join(w.filled)
        stood_in = f"\tsuppressed, the region's rate used: {used}" if w.filled else ""
        print(f"{w.folder}\t{w.name}\tseed {w.seed}{stood_in}")
    print(Path(args.out) / "region.yaml")
    return EXIT_OK


def cmd_benchmark(args: argparse.Namespace) -> int:
    """The council against its statistical neighbours, region, England and named councils, with
    its national rank, quartile band and change since last year."""
    from cpmetrics import benchmarks

    compare = args.compare or ()
    try:
        benchmarks.resolve_comparators(compare, args.year)
    except InputError as exc:
        raise InputError(None, "--compare", exc.problem) from None
    if args.json:
        out = benchmarks.benchmark_json(args.la, args.year, compare)
        json.dump(out, sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        table = benchmarks.benchmark_table(args.la, args.year, comparators=compare)
        print(benchmarks.format_benchmark(table))
    return EXIT_OK


def cmd_pack(args: argparse.Namespace) -> int:
    """Run every notebook for a period and write the period pack."""
    from cpmetrics import pack

    return pack.main(args)


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="cpmetrics", description=__doc__.splitlines()[0])
    p.add_argument("--debug", action="store_true", help="show Python tracebacks")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)

    def add(name: str, func: Callable[[argparse.Namespace], int], help_: str):
        sp = sub.add_parser(name, help=help_, description=help_)
        sp.set_defaults(func=func)
        sp.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                        help="show Python tracebacks")
        return sp

    m = add("metrics", cmd_metrics, "print the headline measures as JSON")
    m.add_argument("--data", required=True,
                   help="CIN census XML file or folder, Annex A, tidy CSV folder")
    m.add_argument("--period-end", required=True, type=_date, help="reporting date D, YYYY-MM-DD")
    m.add_argument("--period-start", type=_date, help="P0 (default: 1 April before D)")
    m.add_argument("--la", help="DfE LA number for the rate per 10,000 (default: from the data)")
    m.add_argument("--data-to", type=_date,
                   help="the date the data were extracted (default: worked out from the data)")
    m.add_argument("--visit-standard-working-days", type=_whole, default=None, metavar="N",
                   help="the local standard for statutory visits, in working days (default 10)")

    v = add("validate", cmd_validate, "list data-quality findings and rejected records")
    v.add_argument("--data", required=True)
    v.add_argument("--csv", action="store_true", help="write the findings as CSV")

    s = add("synth", cmd_synth, "write the synthetic council's CIN census files")
    s.add_argument("--out", required=True)
    s.add_argument("--seed", type=int, help="random seed (default: the embedded data set's)")
    s.add_argument("--start-year", type=int)
    s.add_argument("--end-year", type=int)
    s.add_argument("--children-scale", type=float, default=None,
                   help="multiply the council's size (100: a national-sized history)")
    s.add_argument("--data-to", type=_date,
                   help="last day with events (default: 31 March of the end year; with"
                        " --region, 2018-09-30 as data/synthetic)")
    s.add_argument("--region", metavar="NAME",
                   help="a DfE region (e.g. \"North West\"): one council per member, each"
                        " calibrated to its own published figures, in OUT/<la>/, and"
                        " OUT/region.yaml")
    s.add_argument("--councils", metavar="LA,LA",
                   help="with --region: only these councils (DfE LA numbers)")
    s.add_argument("--jobs", type=_whole, default=None,
                   help="with --region: councils written at once (default: cores, at most 2)")

    b = add("benchmark", cmd_benchmark, "compare a council with its neighbours and England")
    b.add_argument("--la", required=True, help="DfE LA number, ONS code or name")
    b.add_argument("--year", required=True, type=int, help="year ending 31 March, e.g. 2017")
    b.add_argument("--compare", nargs="+", metavar="NAME",
                   help="councils to set beside it: DfE names (any case; quote a name with "
                        "spaces), DfE numbers or ONS codes")
    b.add_argument("--json", action="store_true")

    k = add("pack", cmd_pack, "run the notebooks for a period and write its pack")
    g = k.add_mutually_exclusive_group(required=True)
    g.add_argument("--period", help="YYYY-MM: reads params/YYYY-MM.yaml")
    g.add_argument("--params", help="a params YAML file")
    g.add_argument("--all", action="store_true", help="every params file")
    k.add_argument("--jobs", type=int, default=None, help="notebooks run at once")
    k.add_argument("--out", help="outputs folder (default: outputs/)")
    k.add_argument("--notebooks", help="notebooks folder (default: notebooks/)")
    k.add_argument("--scheduler", metavar="ADDRESS",
                   help="a Dask scheduler (tcp://host:8786, tls://...) whose workers run the"
                        " notebooks, or 'local' for a Dask cluster on this machine (default:"
                        " $CPMETRICS_SCHEDULER, else this machine's worker processes)")
    k.add_argument("--region", metavar="DIR",
                   help="a region folder (region.yaml and one folder per council): the regional"
                        " pack and every council's, in outputs/region-<slug>/<period>/")
    k.add_argument("--region-notebooks", metavar="DIR",
                   help="the regional pack's notebooks (default: notebooks/region/)")
    return p


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except InputError as exc:
        if args.debug:
            traceback.print_exc()
        sys.stderr.write(f"error: {exc.line()}\n")
        return EXIT_BAD_INPUT
    except BrokenPipeError:
        return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
