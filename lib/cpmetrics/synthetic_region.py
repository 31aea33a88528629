"""A synthetic region: one synthetic council per member of a DfE region.

`cpmetrics synth --region NAME --out DIR` writes DIR/region.yaml and DIR/<la>/
(that council's CIN census returns and faults manifest) for every council of
the region. Each council is the generator of `cpmetrics.synthetic` with its own
`Profile`, worked out here from DfE's published figures for that council:

- **size**: `children_scale` is its mid-2016 child population over Trafford's
  (54,045), which sizes the children in need who never reach a plan and the
  number of faults planted;
- **children on a plan at 31 March** (D5, 2016 to 2019) are the knots the
  arrival rate steers towards;
- **plans started** follow from the stock through the mean plan length, taken
  from the published stock and starts (ends = starts less the rise in stock;
  mean length = average stock / ends);
- **second or subsequent plans** (D3) set the chance that a family whose next
  plan would start in that year comes back;
- **plans ended after 2 years or more** (D7, as LAIT's CPPlans2yrs) set the
  share of the 730+ day band, the other bands shaped to the mean length.

Where a council's figure is suppressed or missing, the region's rate stands in
(per child for counts, the regional percentage for shares) and `Calibration.filled`
says which. Nothing is fetched: the figures are the shipped DfE tables.
"""

from __future__ import annotations

import datetime as dt
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from cpmetrics import synthetic
from cpmetrics.errors import InputError

__all__ = ["CALIBRATED_YEARS", "TOLERANCE", "Calibration", "Written", "calibration",
           "council_seed", "measured", "profile_for", "write_synthetic_region"]

#: collection years each council is calibrated to (2017 = 2016-17)
CALIBRATED_YEARS = (2017, 2018)
#: Trafford's mid-2016 population aged 0-17: children_scale 1
REFERENCE_POPULATION = 54_045
#: the 730+ day band: (low, high); its share is set per council
LONG_BAND = (730, 1150)
#: shapes of the four shorter bands (16-91, 92-182, 183-364, 365-729 days) mixed to a mean
SHORT_SHAPE = np.array([0.40, 0.30, 0.22, 0.08])
LONG_SHAPE = np.array([0.05, 0.10, 0.35, 0.50])
BANDS = ((16, 91), (92, 182), (183, 364), (365, 729))
#: measured ended-2y+ share over the 730+ band's share (the default data set: 8.6% of ended
#: plans from a 10% band; plans cut at 18 and the band's upper end reached after the data)
LONG_BAND_YIELD = 0.86
#: second or subsequent plans a family with plans elsewhere adds, per unit of its chance
PRIOR_YIELD = 0.93
#: measured over target before these corrections, all 23 North West councils, 2016-17 and
#: 2017-18 (seed 346, one attempt each): starts 0.96 (mean ratio), re-plan share -1.2 points
STARTS_YIELD = 0.96
REPLAN_BIAS = 1.2
#: how far a council's measures may sit from its published figures, as tests/test_synthetic.py
#: allows for Trafford: on plan +-12%, starts +-15%, re-plan share +-7 points, plans ended
#: after 2 years or more +-4.5 points
TOLERANCE = {"on_plan": 0.12, "starts": 0.15, "replan_pct": 7.0, "ended_2y_pct": 4.5}
#: a council is simulated again with the next seed (up to MAX_ATTEMPTS) while its true history
#: misses its figures by more than this share of TOLERANCE (room for the planted faults)
MARGIN = 0.8
MAX_ATTEMPTS = 8


@dataclass(frozen=True)
class Calibration:
    """One council's published figures (DfE D3, D5, D7) and population, by collection year.

    Years reach either side of CALIBRATED_YEARS (the simulation's trend runs
    through them). `filled` lists the figures of CALIBRATED_YEARS that were
    suppressed or missing and stood in for by the region's rate, as "measure
    year"; other years' gaps are filled the same way without being listed.
    """

    la: str
    name: str
    population: float
    on_plan: dict[int, float]
    starts: dict[int, float]
    replan_pct: dict[int, float]
    ended_2y_pct: dict[int, float]
    filled: tuple[str, ...] = field(default=())


@dataclass(frozen=True)
class Written:
    """A council written into a synthetic region: its seed, how far it sits from its
    figures (its largest miss as a share of TOLERANCE; above 1 is outside) and the
    figures the region's rate stood in for (`Calibration.filled`)."""

    la: str
    name: str
    folder: Path
    seed: int
    miss: float
    filled: tuple[str, ...] = ()


def _published() -> dict:
    """The shipped figures this module reads: (measure, area, year) -> value or None."""
    from cpmetrics.benchmarks import published_values, read_ees

    v = published_values()
    v = v[v["measure"].isin(["on_plan", "starts", "starts_second_or_subsequent_pct",
                             "ended_2y_plus_pct"])]
    out = {(m, str(a), int(y)): (None if np.isnan(x) else float(x)) for m, a, y, x in zip(
        v["measure"], v["area"], v["time_period"], v["value"], strict=True)}
    pop = read_ees("population")
    pop = pop[pop["column"] == "population_estimate"]
    for a, y, x in zip(pop["area"], pop["time_period"], pop["value"], strict=True):
        out[("population", str(a), int(y))] = None if np.isnan(x) else float(x)
    return out


def calibration(la: str, name: str, region_code: str, figures: dict | None = None
                ) -> Calibration:
    """The published figures council `la` is calibrated to; the region's rate where missing."""
    f = _published() if figures is None else figures
    filled: list[str] = []
    pop = f.get(("population", la, 2016))
    if pop is None:
        raise InputError(None, None, f"no mid-2016 population for LA {la} in the shipped table")

    def get(measure: str, year: int, per_child: bool) -> float | None:
        value = f.get((measure, la, year))
        if value is not None:
            return value
        regional = f.get((measure, region_code, year))
        if regional is None:
            return None
        if year in CALIBRATED_YEARS:
            filled.append(f"{measure} {year}")
        if per_child:
            rpop = f.get(("population", region_code, year - 1))
            lpop = f.get(("population", la, year - 1)) or pop
            return regional / rpop * lpop if rpop else None
        return regional

    def series(measure: str, years: range, per_child: bool = False) -> dict[int, float]:
        got = {y: get(measure, y, per_child) for y in years}
        return {y: v for y, v in got.items() if v is not None}

    cal = Calibration(
        la, name, pop,
        on_plan=series("on_plan", range(2013, 2020), True),
        starts=series("starts", range(2014, 2020), True),
        replan_pct=series("starts_second_or_subsequent_pct", range(2014, 2020)),
        ended_2y_pct=series("ended_2y_plus_pct", range(2016, 2020)),
        filled=tuple(filled))
    for what, values in (("on plan", cal.on_plan), ("starts", cal.starts),
                         ("re-plans", cal.replan_pct), ("ended 2y+", cal.ended_2y_pct)):
        missing = [y for y in CALIBRATED_YEARS if y not in values]
        if missing:
            raise InputError(None, None, f"no published {what} {missing[0]} for LA {la}"
                             f" or its region {region_code}")
    return cal


def _nearest(values: dict[int, float], year: int) -> float:
    """The value for `year`, or the nearest year's (the earlier on a tie)."""
    return values[min(values, key=lambda y: (abs(y - year), y))]


def plan_days(cal: Calibration) -> dict[int, float]:
    """Mean days on plan in each year the published stock and starts give (Little's law:
    average stock over ends, ends = starts less the rise in stock)."""
    out = {}
    for y, starts in cal.starts.items():
        if y in cal.on_plan and y - 1 in cal.on_plan:
            stock = (cal.on_plan[y] + cal.on_plan[y - 1]) / 2
            ends = max(starts - (cal.on_plan[y] - cal.on_plan[y - 1]), 0.25 * starts)
            out[y] = float(np.clip(stock / ends * 365.25, 120, 700))
    return out


def duration_bands(mean_days: float, long_share: float) -> tuple[tuple[int, int, float], ...]:
    """Plan-length bands with `long_share` at 730+ days and the rest shaped to `mean_days`."""
    long_mean = sum(LONG_BAND) / 2
    mids = np.array([(lo + hi) / 2 for lo, hi in BANDS])
    rest = (mean_days - long_share * long_mean) / (1 - long_share)
    lo_m, hi_m = float(SHORT_SHAPE @ mids), float(LONG_SHAPE @ mids)
    a = float(np.clip((rest - lo_m) / (hi_m - lo_m), 0.0, 1.0))
    shape = (1 - a) * SHORT_SHAPE + a * LONG_SHAPE
    shares = [round(float(s) * (1 - long_share), 4) for s in shape]
    return (*((lo, hi, s) for (lo, hi), s in zip(BANDS, shares, strict=True)),
            (*LONG_BAND, round(long_share, 4)))


#: how hard new families lean against the stock (log-multiplier per 100% over the published
#: stock): the starts lead, this keeps the stock from drifting
FEEDBACK = 1.0
#: collection years whose plans get their own length bands and return chance
PROFILE_YEARS = range(2012, 2021)


def profile_for(cal: Calibration, neighbours: list[str]) -> tuple[synthetic.Profile, float]:
    """The generator's profile for a council, and its children_scale (population).

    Plans starting in year X last `plan_days` of year X on average, with the
    730+ band's share from the ended-2y+ figures of X+2 and X+3 (when such
    plans end); a family whose next plan would start in year Y comes back with
    the chance that gives year Y's re-plan share, allowing for families with
    plans elsewhere and for the new families a growing stock brings.
    """
    scale = cal.population / REFERENCE_POPULATION
    days = plan_days(cal)
    bands = {}
    for x in PROFILE_YEARS:
        ended = np.mean([_nearest(cal.ended_2y_pct, x + 2), _nearest(cal.ended_2y_pct, x + 3)])
        long_share = float(np.clip(ended / 100 / LONG_BAND_YIELD, 0.002, 0.3))
        bands[x] = duration_bands(_nearest(days, x), long_share)
    shares = {y: (_nearest(cal.replan_pct, y) + REPLAN_BIAS) / 100 for y in PROFILE_YEARS}
    prior = min(synthetic.PRIOR_ELSEWHERE_P, 0.4 * min(shares[y] for y in CALIBRATED_YEARS))
    floor = PRIOR_YIELD * prior
    by_year, new = [], []
    for y in PROFILE_YEARS:
        rise = _nearest(cal.on_plan, y) - _nearest(cal.on_plan, y - 1)
        starts = _nearest(cal.starts, y)
        ends = max(starts - rise, 0.25 * starts)
        back = (shares[y] - floor) / (1 - floor)  # of the starts, families coming back
        p = back * float(np.clip(starts / ends, 0.5, 2.0))
        by_year.append((y, round(float(np.clip(p, 0.0, 0.6)), 4)))
        new.append((y, round(starts * (1 - back) / STARTS_YIELD, 1)))
    usual = float(np.mean([p for y, p in by_year if y in CALIBRATED_YEARS]))
    profile = synthetic.Profile(
        la=cal.la,
        on_plan=tuple((dt.date(y, 3, 31), float(v)) for y, v in sorted(cal.on_plan.items())),
        duration_bands=bands[max(PROFILE_YEARS)],
        return_p=round(usual, 4),
        return_p_by_year=tuple(by_year),
        prior_elsewhere_p=round(prior, 4),
        non_cp_episodes_per_year=synthetic.NON_CP_EPISODES_PER_YEAR * scale,
        upn_las=(cal.la, *neighbours[:6]),
        duration_bands_by_year=tuple(bands.items()),
        new_children_by_year=tuple(new),
        noise_sd=0.05,
        feedback=FEEDBACK,
        lean_range=(0.2, 2.5),
        steady=True,
    )
    return profile, scale


def council_seed(seed: int, la: str, attempt: int = 0) -> int:
    """A council's seed: the region's seed, its LA number and the attempt
    (seed 346, LA 358, first attempt -> 34635800)."""
    return (int(seed) * 1000 + int(la)) * 100 + attempt


def measured(council: synthetic.Council, year: int) -> dict[str, float]:
    """The four calibrated measures of a simulated history (the truth, before faults) for a
    collection year, as `cpmetrics.measures` counts them."""
    P = council.plan
    p0, d = synthetic._day(dt.date(year - 1, 4, 1)), synthetic._day(dt.date(year, 3, 31))
    start, end = P["start_date"], P["end_date"]
    on = np.unique(P["child"][(start <= d) & (end > d)]).size
    began = (start >= p0) & (start <= d)
    ended = (end >= p0) & (end <= d)
    long = (end - start + 1 >= 730) & ended
    return {"on_plan": float(on), "starts": float(began.sum()),
            "replan_pct": 100 * float((P["previous_plans"][began] >= 1).mean()),
            "ended_2y_pct": 100 * float(long.sum() / max(ended.sum(), 1))}


def miss(council: synthetic.Council, cal: Calibration) -> float:
    """The largest miss of a council's measures from its figures, as a share of TOLERANCE."""
    worst = 0.0
    for y in CALIBRATED_YEARS:
        got = measured(council, y)
        want = {"on_plan": cal.on_plan[y], "starts": cal.starts[y],
                "replan_pct": cal.replan_pct[y], "ended_2y_pct": cal.ended_2y_pct[y]}
        for k, tol in TOLERANCE.items():
            off = abs(got[k] / want[k] - 1) if k in ("on_plan", "starts") else abs(got[k] - want[k])
            worst = max(worst, off / tol)
    return worst


def _neighbours(la: str, all_las: list[str]) -> list[str]:
    """The six other councils of the region nearest in LA number (where UPNs also come from)."""
    others = [x for x in all_las if x != la]
    return sorted(others, key=lambda x: (abs(int(x) - int(la)), x))[:6]


def _write_one(job: tuple) -> tuple[str, int, float]:
    """Simulate one council (again with the next seed while it misses its figures) and write
    it; its LA number, the seed written and its miss."""
    la, out, seed, cal, profile, scale, start_year, end_year, data_to = job
    best = None
    for attempt in range(MAX_ATTEMPTS):
        council = synthetic.generate(council_seed(seed, la, attempt), start_year, end_year, scale,
                                     data_to, profile)
        off = miss(council, cal)
        if best is None or off < best[2]:
            best = (council, attempt, off)
        if off <= MARGIN:
            break
    synthetic.write_council(best[0], out)
    return la, council_seed(seed, la, best[1]), best[2]


def write_synthetic_region(
    name: str,
    out_dir: str | Path,
    seed: int = synthetic.DEFAULT_SEED,
    councils: list[str] | None = None,
    start_year: int = 2016,
    end_year: int = 2019,
    data_to: dt.date | None = synthetic.DEFAULT_DATA_TO,
    jobs: int | None = None,
) -> list[Written]:
    """Write a synthetic region: DIR/<la>/ per council of DfE region `name`, and region.yaml.

    `councils` picks some of the region's councils by LA number (tests, samples);
    None writes them all. Councils are written `jobs` at a time (default: the
    machine's cores, at most 2). Deterministic: the same arguments give the
    same bytes. Each council's seed comes from `seed`, its LA number and the
    attempt (`council_seed`): a council whose simulated history misses its
    figures by more than MARGIN x TOLERANCE is simulated again with the next
    attempt's seed, up to MAX_ATTEMPTS, and the closest is kept.
    """
    from cpmetrics import region

    members = region.region_councils(name)
    code = region.region_code(name)
    known = {la: nm for la, nm in members}
    if councils is not None:
        unknown = [la for la in councils if la not in known]
        if unknown:
            raise InputError(None, "--councils", f"LA {unknown[0]} is not a council of"
                             f" {region.region_name(name)} ({', '.join(known)})")
        members = [(la, known[la]) for la in sorted(set(councils))]
    out = Path(out_dir)
    figures = _published()
    all_las = sorted(known)
    work = []
    for la, nm in members:
        cal = calibration(la, nm, code, figures)
        profile, scale = profile_for(cal, _neighbours(la, all_las))
        work.append((la, out / la, seed, cal, profile, scale, start_year, end_year, data_to))
    jobs = jobs or min(2, os.cpu_count() or 1)
    if jobs > 1 and len(work) > 1:
        with ProcessPoolExecutor(jobs) as pool:
            # the largest councils first, so the pool is not left waiting on one
            done = list(pool.map(_write_one, sorted(work, key=lambda w: -w[5])))
    else:
        done = [_write_one(job) for job in work]
    region.write_region(out, region.region_name(name), members, code)
    got = {la: (sd, off) for la, sd, off in done}
    filled = {w[0]: w[3].filled for w in work}
    return [Written(la, nm, out / la, *got[la], filled[la]) for la, nm in members]
