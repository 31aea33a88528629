"""How often the year-end outlook's 80% interval held the final figure, over many synthetic
councils: a check of calibration (the embedded data alone hold two years per measure).

    .venv/bin/python benchmarks/outlook_backtest.py [--seeds 340-359] [--data DIR ...]

For each seed a synthetic council is written (`cpmetrics.synthetic.write_census`, data to
30 September 2018) into a temporary folder, and `outlook.backtest` runs at every month end
from April 2016 to February 2018 (22 a measure, against the final figures of 2016-17 and
2017-18). `--data` backtests given data folders instead. Target: coverage near 80%.
"""

from __future__ import annotations

import argparse
import datetime as dt
import tempfile
from pathlib import Path

import pandas as pd
from cpmetrics import outlook
from cpmetrics.sources import load
from cpmetrics.synthetic import write_census


def run(data: Path) -> pd.DataFrame:
    return outlook.backtest(load(data).plans, "2016-04-30", "2018-02-28")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", default="340-359", help="a range of seeds, e.g. 340-359")
    ap.add_argument("--data", nargs="*", type=Path, help="data folders to backtest instead")
    args = ap.parse_args()
    results = []
    with tempfile.TemporaryDirectory(prefix="cpmetrics-outlook-") as tmp:
        if args.data:
            sources = [(str(p), p) for p in args.data]
        else:
            lo, hi = (int(x) for x in args.seeds.split("-"))
            sources = []
            for seed in range(lo, hi + 1):
                folder = Path(tmp) / f"seed{seed}"
                write_census(folder, seed=seed, data_to=dt.date(2018, 9, 30))
                sources.append((f"seed {seed}", folder))
        for name, folder in sources:
            b = run(folder).assign(source=name)
            results.append(b)
            cov = ", ".join(f"{m} {100 * c:.0f}%" for m, c in b.attrs["coverage"].items())
            print(f"{name}: {cov}", flush=True)
    allb = pd.concat(results)
    print()
    for m, g in allb.groupby("measure"):
        print(f"{m}: the final figure inside the 80% interval at {int(g['inside'].sum())} of "
              f"{len(g)} month ends ({100 * g['inside'].mean():.1f}%), "
              f"{g['source'].nunique()} councils x 2 years")
    by_month = allb.groupby(["measure", allb["month_end"].dt.month])["inside"].mean().unstack(0)
    print("\nby calendar month of the reporting date (share inside):")
    print((100 * by_month).round(0).to_string())


if __name__ == "__main__":
    main()
