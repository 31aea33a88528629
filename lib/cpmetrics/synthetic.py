"""A synthetic council: realistic CIN census returns that hold no real child.

Analysts cannot share child-level data, and the workbook must run out of the
box, so the embedded default data set is made here. The generator simulates a
council the size of DfE LA 358 (Trafford, 2015-2019) day by day and writes what
that council's yearly CIN census returns would hold.

How it behaves, and why:

- **Child protection plans come in family "occasions"**: siblings start and end
  their plans on the same day, as they do at a conference. New families arrive
  month by month (seasonal, with persistent random wobble) and the arrival rate
  leans against the number already on a plan, the way thresholds tighten when
  caseloads are high; that keeps the stock near 250 children without pinning it.
- **Plan lengths** are drawn from bands shaped like England's D5/D7 duration
  bands, with about 1 in 10 ended plans lasting 730+ days (Trafford's 2016-17
  figure was 10.9%).
- **Re-plans**: after a plan ends a family may come back. If it comes back while
  the child is still stepped down on a CIN plan, the new plan sits in the same
  CIN episode (the "bounce" between thresholds); otherwise a new referral opens
  a new episode. Some families arrive with plans held elsewhere or long ago,
  known only from `NumberOfPreviousCPP`. The simulation starts years before the
  first file, so some children's earlier plans predate the data too.
- **Unborn children** get pre-birth plans: a file whose reference date (or data
  cut-off) is before the birth shows only `ExpectedPersonBirthDate`.
- **Other children in need** (referrals closed with no further action, after an
  assessment, or after months on a CIN plan) fill each return to the size of the
  real one, about 2,900 children a year.
- **Assessments precede plans**: a plan's CIN episode holds an assessment
  authorised on or before the plan start in most cases (a minority are
  authorised after the conference, as happens, and so are not linked under
  metrics.md). Domestic violence/abuse (3A/3B/3C) is recorded in about half of
  assessments. Factor codes are those the year's schema allows (24A from 2022).
- **Data-quality faults** real returns carry are planted in each file, a few per
  file, and listed in a manifest (`faults.csv`: file, line, child, fault) so a
  test can tell them from generator bugs.

`generate()` returns the simulated history (the truth, not cut to any file);
`write_census()` writes one XML file per collection year, each cut at its
reference date (or at `data_to`), in that year's schema element order.
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd
from lxml import etree

__all__ = [
    "DEFAULT_DATA_TO",
    "DEFAULT_SEED",
    "FAULTS_FILE",
    "Council",
    "census_file_name",
    "generate",
    "schema_path",
    "write_census",
    "write_council",
]

#: seed of the embedded default data set (data/synthetic)
DEFAULT_SEED = 369
#: the embedded default data set holds events up to this day (a part-year 2018-19 return)
DEFAULT_DATA_TO = dt.date(2018, 9, 30)
#: the manifest of deliberately planted faults, written beside the XML files
FAULTS_FILE = "faults.csv"
LA = "358"

# ---- calibration (scale 1 = one council the size of LA 358) -----------------------------------
TARGET_ON_PLAN = 258  # children on a plan the arrival rate leans towards
FEEDBACK = 2.0  # how hard arrivals lean against the stock (log-multiplier per 100% over)
FAMILY_SIZE_P = np.array([0.50, 0.28, 0.13, 0.06, 0.02, 0.01])  # 1..6 children on plan together
# ended-plan lengths in days (both ends counted): (low, high, share); 10% are 730+
DURATION_BANDS = ((16, 91, 0.16), (92, 182, 0.16), (183, 364, 0.33), (365, 729, 0.25),
                  (730, 1150, 0.10))
RETURN_P = 0.21  # a family comes back onto a plan after a plan ends
PRIOR_ELSEWHERE_P = 0.08  # a new family's children had plans before the data (elsewhere, long ago)
PREBIRTH_P = 0.07  # a new family's youngest child is unborn at the plan start
NEW_BABY_P = 0.12  # a returning family brings a new (unborn) baby
CATEGORY_CODES = np.array(["NEG", "EMO", "PHY", "SAB", "MUL"])
CATEGORY_P = np.array([0.47, 0.35, 0.08, 0.04, 0.06])
NON_CP_EPISODES_PER_YEAR = 1380  # CIN episodes started that never reach a plan (b1 less CP)
RE_REFERRAL_P = 0.22  # a child in need comes back with a new referral
WARMUP_YEARS = 8  # the simulation starts this long before the first file's year
MAX_SLOTS = 8  # children per family, initial plus babies

SEASON = np.array([1.0, 1.05, 1.0, 1.05, 0.85, 0.95, 1.1, 1.05, 0.85, 1.05, 1.0, 1.05])  # Apr..Mar

REFERRAL_SOURCES = np.array(["1A", "1B", "1C", "1D", "2A", "2B", "3A", "3B", "3C", "3D", "3E",
                             "3F", "4", "5A", "5B", "5C", "6", "7", "8", "9", "10"])
REFERRAL_SOURCE_P = np.array([8, 1.5, 1, 0.5, 18, 2, 4, 3, 1.5, 3, 2, 0.5, 2, 10, 1.5, 1, 26,
                              4, 8, 2, 1], dtype=float)
NEEDS = np.array(["N1", "N2", "N3", "N4", "N5", "N6", "N7", "N8", "N9", "N0"])
NON_CP_NEED_P = np.array([40, 10, 5, 16, 15, 5, 1, 4, 2, 2], dtype=float)
ETHNICITIES = np.array(["WBRI", "WIRI", "WOTH", "WROM", "MWBC", "MWBA", "MWAS", "MOTH", "AIND",
                        "APKN", "ABAN", "AOTH", "BCRB", "BAFR", "BOTH", "CHNE", "OOTH", "REFU",
                        "NOBT"])
ETHNICITY_P = np.array([68, 1, 5, 0.5, 3, 1, 2, 3, 1.5, 6, 0.5, 1, 1, 2, 1, 0.3, 1.2, 0.5, 1.5])
DISABILITIES = np.array(["MOB", "HAND", "PC", "INC", "COMM", "LD", "HEAR", "VIS", "BEH", "CON",
                         "AUT", "DDA"])

# assessment factors: code -> probability in an assessment (DV codes drawn separately)
FACTOR_P: dict[str, float] = {
    "1A": 0.03, "1B": 0.17, "1C": 0.03, "2A": 0.08, "2B": 0.20, "2C": 0.03,
    "4A": 0.17, "4B": 0.34, "4C": 0.04, "5A": 0.14, "5B": 0.05, "5C": 0.02,
    "6A": 0.05, "6B": 0.08, "6C": 0.02, "7A": 0.04, "8B": 0.002, "8C": 0.002, "8D": 0.002,
    "8E": 0.003, "8F": 0.003, "9A": 0.03, "10A": 0.07, "11A": 0.03, "12A": 0.01, "13A": 0.03,
    "14A": 0.10, "15A": 0.08, "16A": 0.12, "17A": 0.12, "18A": 0.06, "18B": 0.02, "18C": 0.02,
    "19A": 0.03, "19B": 0.01, "19C": 0.01, "20": 0.20, "22A": 0.003, "23A": 0.004, "24A": 0.04,
}
DV_P_CP, DV_P_OTHER = 0.62, 0.45  # any of 3A/3B/3C, CP-bound assessments and the rest
CATEGORY_FACTOR = {"NEG": "16A", "EMO": "17A", "PHY": "18A", "SAB": "19A"}

NO_DATE = 2**30  # "no date" in the int day arrays
EPOCH = np.datetime64("1970-01-01", "D")
YEAR = 365.25


def _day(value: dt.date | str) -> int:
    return int((np.datetime64(value, "D") - EPOCH).astype(np.int64))


def _weekday(days: np.ndarray) -> np.ndarray:
    """Move Saturdays and Sundays to the Monday after: conferences sit on weekdays."""
    wd = (days + 3) % 7  # 0 = Monday (1970-01-05 was a Monday)
    return days + np.where(wd == 5, 2, np.where(wd == 6, 1, 0))


def _iso(days: np.ndarray) -> np.ndarray:
    """ISO date strings for int days ('' for NO_DATE)."""
    days = np.asarray(days, dtype=np.int64)
    ok = days < NO_DATE
    out = np.full(days.shape, "", dtype=object)
    if ok.any():
        out[ok] = np.datetime_as_string(EPOCH + days[ok].astype("timedelta64[D]"), unit="D")
    return out


def _to_dt(days: np.ndarray) -> pd.Series:
    days = np.asarray(days, dtype=np.int64)
    vals = (EPOCH + np.where(days < NO_DATE, days, 0).astype("timedelta64[D]")).astype(
        "datetime64[ns]")
    s = pd.Series(vals)
    s[days >= NO_DATE] = pd.NaT
    return s


# ---- schemas ---------------------------------------------------------------------------------


def schema_path(year: int) -> Path:
    """The packaged XSD for a collection year (2017's before 2017, 2026's after 2026)."""
    y = min(max(int(year), 2017), 2026)
    return Path(str(resources.files("cpmetrics") / "schemas" / f"CIN_schema_{y}.xsd"))


@dataclass(frozen=True)
class _SchemaInfo:
    sex_element: str  # "GenderCurrent" (to 2023-24) or "Sex" (from 2024-25)
    cin_plan_dates: bool  # CINPlanDates exists (from 2021-22)
    factors: frozenset[str]  # AssessmentFactors code list


@cache
def _schema_info(year: int) -> _SchemaInfo:
    xs = "{http://www.w3.org/2001/XMLSchema}"
    tree = etree.parse(str(schema_path(year)))
    names = {e.get("name") for e in tree.iter(f"{xs}element")}
    factor_type = tree.find(f".//{xs}simpleType[@name='assessmentfactorstype']")
    codes = frozenset(e.get("value") for e in factor_type.iter(f"{xs}enumeration"))
    return _SchemaInfo("Sex" if "Sex" in names else "GenderCurrent",
                       "CINPlanDates" in names, codes)


def census_file_name(year: int) -> str:
    """`cin_census_2017.xml` for the return for the year ending 31 March 2017."""
    return f"cin_census_{year}.xml"


# ---- the simulated history -------------------------------------------------------------------


@dataclass
class Council:
    """A simulated council's whole history (the truth, not cut to any one return).

    Each table is a dict of equal-length numpy arrays: dates as int days since
    1970-01-01 (`NO_DATE` where none, including ends after `data_to`), `child`
    an index into `child`, `episode` an episode number. The DataFrame
    properties give the same with child ids and pandas dates.
    """

    seed: int
    start_year: int
    end_year: int
    children_scale: float
    data_to: dt.date
    child: dict[str, np.ndarray] = field(repr=False)
    episode: dict[str, np.ndarray] = field(repr=False)
    assessment: dict[str, np.ndarray] = field(repr=False)
    section47: dict[str, np.ndarray] = field(repr=False)
    cin_plan: dict[str, np.ndarray] = field(repr=False)
    plan: dict[str, np.ndarray] = field(repr=False)

    def _frame(self, table: dict[str, np.ndarray]) -> pd.DataFrame:
        out = {}
        for k, v in table.items():
            if k == "child":
                out["child_id"] = self.child["child_id"][v]
            elif k.endswith("_date") or k.startswith("date_"):
                out[k] = _to_dt(v)
            else:
                out[k] = v
        return pd.DataFrame(out)

    @property
    def plans(self) -> pd.DataFrame:
        """One row per child protection plan: child_id, episode, dates, categories, previous."""
        return self._frame(self.plan)

    @property
    def episodes(self) -> pd.DataFrame:
        """One row per CIN episode (`CINdetails`)."""
        return self._frame(self.episode)

    @property
    def assessments(self) -> pd.DataFrame:
        """One row per assessment; `factors` comma separated, before any year's code list."""
        return self._frame(self.assessment)

    @property
    def children(self) -> pd.DataFrame:
        """One row per child: id, (expected) birth date, sex code, ethnicity, disability."""
        return self._frame(self.child)


def _choice(rng: np.random.Generator, codes: np.ndarray, p: np.ndarray, n: int) -> np.ndarray:
    return codes[rng.choice(len(codes), size=n, p=p / p.sum())]


def _durations(rng: np.random.Generator, n: int) -> np.ndarray:
    """Days on plan for n plans, from DURATION_BANDS."""
    lo = np.array([b[0] for b in DURATION_BANDS])
    hi = np.array([b[1] for b in DURATION_BANDS])
    p = np.array([b[2] for b in DURATION_BANDS])
    band = rng.choice(len(p), size=n, p=p / p.sum())
    return rng.integers(lo[band], hi[band] + 1)


def _simulate_plans(rng: np.random.Generator, t0: int, t1: int, scale: float) -> dict:
    """Family plan occasions, month by month from t0 to t1 (int days)."""
    months = pd.date_range(pd.Timestamp(EPOCH + np.timedelta64(t0, "D")),
                           pd.Timestamp(EPOCH + np.timedelta64(t1, "D")), freq="MS")
    mdays = np.array([_day(m.date()) for m in months] + [t1 + 1])
    target = TARGET_ON_PLAN * scale
    mean_days = sum((b[0] + b[1]) / 2 * b[2] for b in DURATION_BANDS)
    mean_kids = float((np.arange(1, 7) * FAMILY_SIZE_P).sum())
    # first-time family occasions a month that keep `target` on plan, net of returns
    base = target / (mean_kids * mean_days) * 30.44 * (1 - RETURN_P)
    horizon = t1 - t0 + 4000
    delta = np.zeros(horizon + 1, dtype=np.int64)  # children on plan: +k at start, -k at end

    cap = int(base * len(months) * 1.5) + 64
    birth = np.full((cap, MAX_SLOTS), NO_DATE, dtype=np.int64)
    join = np.full((cap, MAX_SLOTS), 10**6, dtype=np.int64)
    unborn = np.zeros((cap, MAX_SLOTS), dtype=bool)  # known before birth (pre-birth plan)
    prior = np.zeros((cap, MAX_SLOTS), dtype=np.int64)  # plans before the data
    nslots = np.zeros(cap, dtype=np.int64)
    nocc = np.zeros(cap, dtype=np.int64)
    nfam = 0
    pend_f = np.zeros(0, dtype=np.int64)
    pend_d = np.zeros(0, dtype=np.int64)
    rows: dict[str, list] = {k: [] for k in ("fam", "occ", "start", "end", "stepdown", "ret",
                                             "gap", "cat", "mask")}
    noise = 0.0
    for m in range(len(months)):
        ms, me = mdays[m], mdays[m + 1]
        stock = delta[: ms - t0 + 1].sum()
        lean = float(np.clip(np.exp(-FEEDBACK * (stock / target - 1)), 0.5, 1.8))
        noise = 0.6 * noise + rng.normal(0, 0.12)
        lam = base * SEASON[(months[m].month - 4) % 12] * np.exp(noise) * lean
        n_new = int(rng.poisson(lam))
        # new families
        if nfam + n_new > cap:
            grow = max(cap, n_new)
            birth = np.vstack([birth, np.full((grow, MAX_SLOTS), NO_DATE, dtype=np.int64)])
            join = np.vstack([join, np.full((grow, MAX_SLOTS), 10**6, dtype=np.int64)])
            unborn = np.vstack([unborn, np.zeros((grow, MAX_SLOTS), dtype=bool)])
            prior = np.vstack([prior, np.zeros((grow, MAX_SLOTS), dtype=np.int64)])
            nslots = np.concatenate([nslots, np.zeros(grow, dtype=np.int64)])
            nocc = np.concatenate([nocc, np.zeros(grow, dtype=np.int64)])
            cap += grow
        f_new = np.arange(nfam, nfam + n_new)
        nfam += n_new
        s_new = _weekday(rng.integers(ms, me, size=n_new))
        k = rng.choice(6, size=n_new, p=FAMILY_SIZE_P) + 1
        pre = rng.random(n_new) < PREBIRTH_P
        # youngest child's age in days at the start (pre-birth: minus days to birth)
        band = rng.choice(4, size=n_new, p=[0.16, 0.30, 0.30, 0.24])
        lo = np.array([0, 365, 5 * 365, 10 * 365])[band]
        hi = np.array([365, 5 * 365, 10 * 365, int(15.5 * 365)])[band]
        age0 = np.where(pre, -rng.integers(14, 150, size=n_new), rng.integers(lo, hi))
        gaps = rng.integers(330, 1460, size=(n_new, 6))
        gaps[:, 0] = 0
        ages = age0[:, None] + np.cumsum(gaps, axis=1)
        if pre.any():  # the next child up from an unborn baby is at least a few months old
            ages[pre, 1:] = np.maximum(ages[pre, 1:], 120 + np.cumsum(gaps[pre, 1:], axis=1))
        use = (np.arange(6)[None, :] < k[:, None]) & (ages < int(15.5 * 365))
        use[:, 0] = True
        had_prior = rng.random(n_new) < PRIOR_ELSEWHERE_P
        nprior = rng.choice([1, 2, 3], size=n_new, p=[0.75, 0.2, 0.05])
        birth[f_new, :6] = np.where(use, s_new[:, None] - ages, NO_DATE)
        join[f_new, :6] = np.where(use, 0, 10**6)
        unborn[f_new, 0] = pre
        prior[f_new, :6] = np.where(use & had_prior[:, None], nprior[:, None], 0)
        prior[f_new, 0] = np.where(pre, 0, prior[f_new, 0])
        nslots[f_new] = 6
        # returning families due this month
        due = (pend_d >= ms) & (pend_d < me)
        f_all = np.concatenate([f_new, pend_f[due]])
        s_all = np.concatenate([s_new, pend_d[due]])
        pend_f, pend_d = pend_f[~due], pend_d[~due]
        if len(f_all) == 0:
            continue
        occ = nocc[f_all]
        nocc[f_all] += 1
        dur = _durations(rng, len(f_all))
        end = _weekday(s_all + dur - 1)
        # who is on this plan: joined by now, born or due within ~5 months, under 18 at the end
        b = birth[f_all]
        mask = (join[f_all] <= occ[:, None]) & (b < NO_DATE) & (b - s_all[:, None] <= 150)
        mask &= end[:, None] < b + int(18 * YEAR) - 1
        kids = mask.sum(axis=1)
        keep = kids > 0
        f_all, s_all, end, occ, mask, kids = (a[keep] for a in (f_all, s_all, end, occ, mask,
                                                                 kids))
        n = len(f_all)
        np.add.at(delta, s_all - t0, kids)
        np.add.at(delta, np.minimum(end - t0, horizon), -kids)
        stepdown = np.where(rng.random(n) < 0.25, 0, rng.integers(60, 366, size=n))
        ret = rng.random(n) < RETURN_P
        gap = np.where(rng.random(n) < 0.45, rng.integers(30, 271, size=n),
                       rng.integers(271, 1801, size=n))
        cat = _choice(rng, CATEGORY_CODES, CATEGORY_P, n)
        # a returning family may bring a new baby, unborn at the next plan's start
        nxt = _weekday(end + gap)
        baby = ret & (rng.random(n) < NEW_BABY_P)
        for f, when, o in zip(f_all[baby], nxt[baby], occ[baby], strict=True):
            free = np.flatnonzero(birth[f] == NO_DATE)
            if len(free):
                j = free[0]
                birth[f, j] = when + int(rng.integers(14, 150))
                join[f, j] = o + 1
                unborn[f, j] = True
        pend_f = np.concatenate([pend_f, f_all[ret]])
        pend_d = np.concatenate([pend_d, nxt[ret]])
        for key, val in (("fam", f_all), ("occ", occ), ("start", s_all), ("end", end),
                         ("stepdown", stepdown), ("ret", ret), ("gap", gap), ("cat", cat),
                         ("mask", mask)):
            rows[key].append(val)
    occs = {k: np.concatenate(v) for k, v in rows.items()}
    return {"occ": occs, "birth": birth[:nfam], "unborn": unborn[:nfam], "prior": prior[:nfam]}


def generate(
    seed: int = DEFAULT_SEED,
    start_year: int = 2016,
    end_year: int = 2019,
    children_scale: float = 1.0,
    data_to: dt.date | None = None,
) -> Council:
    """Simulate a council's history from well before `start_year` up to `data_to`.

    Years are collection years (year ending 31 March): 2016 is 2015-16.
    `data_to` defaults to 31 March `end_year`; nothing happens after it.
    `children_scale` multiplies every volume (100 is about England's size).
    Deterministic for a seed.
    """
    if end_year < start_year:
        raise ValueError(f"end year {end_year} is before start year {start_year}")
    if children_scale <= 0:
        raise ValueError("children_scale must be positive")
    data_to = data_to or dt.date(end_year, 3, 31)
    rng = np.random.default_rng(seed)
    t1 = _day(data_to)
    t0 = _day(dt.date(start_year - 1 - WARMUP_YEARS, 4, 1))
    sim = _simulate_plans(rng, t0, t1, children_scale)
    occ = sim["occ"]

    # ---- CP children and their plans --------------------------------------------------------
    oi, slot = np.nonzero(occ["mask"])
    fam = occ["fam"][oi]
    cp_key = fam * MAX_SLOTS + slot
    uniq, child_of = np.unique(cp_key, return_inverse=True)
    n_cp = len(uniq)
    cf, cs = uniq // MAX_SLOTS, uniq % MAX_SLOTS
    cp_birth = sim["birth"][cf, cs]
    cp_unborn = sim["unborn"][cf, cs]
    cp_prior = sim["prior"][cf, cs]

    order = np.lexsort((occ["start"][oi], child_of))
    oi, child_of = oi[order], child_of[order]
    p_start, p_end = occ["start"][oi], occ["end"][oi]
    n_p = len(oi)
    first = np.ones(n_p, dtype=bool)
    first[1:] = child_of[1:] != child_of[:-1]
    rank = np.arange(n_p) - np.maximum.accumulate(np.where(first, np.arange(n_p), 0))
    prev_plans = cp_prior[child_of] + rank
    # categories: siblings share the family's in most cases; latest usually as initial
    own = rng.random(n_p) < 0.15
    init_cat = np.where(own, _choice(rng, CATEGORY_CODES, CATEGORY_P, n_p), occ["cat"][oi])
    changed = rng.random(n_p) < 0.10
    latest_cat = np.where(changed, _choice(rng, CATEGORY_CODES, CATEGORY_P, n_p), init_cat)
    # episodes: a plan continues its child's episode when the child's previous plan was the
    # family's previous occasion and the family came back while still on a CIN plan (bounce)
    prev_oi = np.concatenate([[0], oi[:-1]])
    bounce_prev = (~first) & (occ["occ"][oi] == occ["occ"][prev_oi] + 1) \
        & occ["ret"][prev_oi] & (occ["gap"][prev_oi] < occ["stepdown"][prev_oi] + 30)
    new_ep = ~bounce_prev
    ep_of_plan = np.cumsum(new_ep) - 1
    n_ep_cp = int(new_ep.sum())
    last = np.ones(n_p, dtype=bool)
    last[:-1] = new_ep[1:]  # the plan is the last of its episode
    # closure: end of the episode's last plan plus the step-down (CIN plan) time
    stepdown = occ["stepdown"][oi]
    close_p = np.where(last, p_end + stepdown, NO_DATE)
    ep_first_plan = np.flatnonzero(new_ep)
    ep_last_plan = np.flatnonzero(last)
    ep_child = child_of[ep_first_plan]
    ep_close = close_p[ep_last_plan]
    ep_plan_start = p_start[ep_first_plan]
    # referral before the first plan: S47 8-20 days before the conference, referral 0-10
    # days before that, or a CIN episode already open for months (30%)
    s47_lead = rng.integers(8, 21, size=n_p)
    ref_lead = s47_lead[ep_first_plan] + rng.integers(0, 11, size=n_ep_cp)
    long_open = rng.random(n_ep_cp) < 0.30
    ref_lead = np.where(long_open, ref_lead + rng.integers(20, 280, size=n_ep_cp), ref_lead)
    ep_young = cp_birth[ep_child] > ep_plan_start - 60  # unborn or newborn at the plan start
    ref_lead = np.where(ep_young, np.minimum(ref_lead, 60), ref_lead)
    # never before the previous episode of the same child closed
    prev_close = np.full(n_ep_cp, -NO_DATE, dtype=np.int64)
    same_child = np.concatenate([[False], ep_child[1:] == ep_child[:-1]])
    prev_close[same_child] = ep_close[:-1][same_child[1:]]
    ref_lead = np.maximum(np.minimum(ref_lead, ep_plan_start - prev_close - 1), s47_lead[
        ep_first_plan])
    ep_ref = ep_plan_start - ref_lead
    # a child referred before birth is known first by an expected date of birth
    cp_unborn[ep_child[ep_ref < cp_birth[ep_child]]] = True
    reason_cp = _choice(rng, np.array(["RC7", "RC5", "RC4", "RC3", "RC1", "RC6"]),
                        np.array([80, 8, 5, 4, 2, 1.0]), n_ep_cp)
    need_cp = np.where(rng.random(n_ep_cp) < 0.9, "N1",
                       _choice(rng, np.array(["N4", "N5", "N3", "N8"]),
                               np.array([4, 4, 1, 1.0]), n_ep_cp))
    # S47 and ICPC for every plan (the ICPC is the plan start)
    s47_start = np.maximum(p_start - s47_lead, ep_ref[ep_of_plan])
    # CIN plans: from the plan's end to the next plan (bounce) or the closure
    nxt_start = np.concatenate([p_start[1:], [NO_DATE]])
    cinp_end = np.where(last, close_p, nxt_start)
    has_cinp = cinp_end > p_end
    # assessments: one at the start of each episode, one before most bounce plans
    a_start = ep_ref + rng.integers(0, 4, size=n_ep_cp)
    a_start = np.minimum(a_start, ep_plan_start - 1)
    auth = a_start + rng.integers(5, 46, size=n_ep_cp)
    linked = rng.random(n_ep_cp) < 0.88
    auth = np.where(linked, np.clip(auth, a_start + 1, ep_plan_start - rng.integers(0, 4,
                                                                                   n_ep_cp)),
                    np.maximum(auth, ep_plan_start + rng.integers(1, 26, size=n_ep_cp)))
    auth = np.maximum(auth, a_start + 1)
    re_ass = np.flatnonzero(bounce_prev & (rng.random(n_p) < 0.5))
    ra_start = np.maximum(p_end[re_ass - 1] + 1, p_start[re_ass] - rng.integers(15, 41,
                                                                                 len(re_ass)))
    ra_auth = np.maximum(ra_start + 1, p_start[re_ass] - rng.integers(0, 6, len(re_ass)))

    # ---- other children in need -------------------------------------------------------------
    tn0 = _day(dt.date(start_year - 7, 4, 1))
    years = (t1 - tn0) / YEAR
    n_first = int(rng.poisson(NON_CP_EPISODES_PER_YEAR * children_scale * years
                              * (1 - RE_REFERRAL_P)))
    n_kids = n_first
    e_ref = rng.integers(tn0, t1 + 1, size=n_first)
    k_birth = e_ref - rng.integers(1, int(17.5 * YEAR), size=n_first)
    e_child = np.arange(n_first)
    chunks = []
    while len(e_child):
        n = len(e_child)
        kind = rng.choice(3, size=n, p=[0.10, 0.40, 0.50])  # NFA, assessed, CIN plan
        ea = e_ref + rng.integers(0, 6, size=n)
        eauth = ea + rng.integers(5, 46, size=n)
        s47 = (kind == 1) & (rng.random(n) < 0.30)  # S47s with no plan (C4: ~410 a year)
        icpc = s47 & (rng.random(n) < 0.17)
        s47d = ea + rng.integers(0, 4, size=n)
        icpcd = np.where(icpc, _weekday(s47d + rng.integers(8, 21, size=n)), NO_DATE)
        cin_len = np.minimum(rng.exponential(500, size=n).astype(np.int64) + 30, 2000)
        close = np.select([kind == 0, kind == 1],
                          [e_ref + rng.integers(0, 4, size=n),
                           np.maximum(eauth, np.where(icpc, icpcd, 0)) + rng.integers(0, 11, n)],
                          eauth + cin_len)
        eighteen = k_birth[e_child] + int(18 * YEAR) - 1
        close = np.minimum(close, eighteen)
        close = np.maximum(close, np.where(kind == 0, e_ref, np.maximum(eauth, icpcd
                                           * (icpcd < NO_DATE))))
        chunks.append((e_child, e_ref, kind, ea, eauth, s47, s47d, icpcd, close))
        again = rng.random(n) < RE_REFERRAL_P
        nref = close + rng.integers(30, 700, size=n)
        again &= (nref <= t1) & (nref < eighteen - 60)
        e_child, e_ref = e_child[again], nref[again]
    cols = [np.concatenate(c) for c in zip(*chunks, strict=True)]
    e_child, e_ref, kind, ea, eauth, s47, s47d, icpcd, close = cols
    n_ep_n = len(e_child)
    close = np.where(close > t1, NO_DATE, close)  # still open when the data end

    # ---- all children, with ids in a random order --------------------------------------------
    n_children = n_cp + n_kids
    ids = rng.permutation(n_children) + 1
    width = max(6, len(str(n_children)))
    child_id = np.array([f"SYN{i:0{width}d}" for i in ids], dtype=object)
    birth_all = np.concatenate([cp_birth, k_birth])
    unborn_all = np.concatenate([cp_unborn, np.zeros(n_kids, dtype=bool)])
    expected = np.where(unborn_all, birth_all + rng.integers(-10, 11, size=n_children), NO_DATE)
    sex = np.where(rng.random(n_children) < 0.5, "1", "2")
    eth = _choice(rng, ETHNICITIES, ETHNICITY_P, n_children)
    disabled = rng.random(n_children) < 0.08
    dis = np.where(disabled, _choice(rng, DISABILITIES, np.ones(len(DISABILITIES)),
                                     n_children), "")
    child = {"child_id": child_id, "birth_date": birth_all, "expected_birth_date": expected,
             "sex": sex, "ethnicity": eth, "disability": dis,
             "family": np.concatenate([cf, np.full(n_kids, -1)])}

    # ---- tables, CP rows first, then the rest; child index into `child` -----------------------
    cp_ep_ids = np.arange(n_ep_cp)
    n_ids = n_ep_cp + np.arange(n_ep_n)
    ep_close_cut = np.where(ep_close > t1, NO_DATE, ep_close)
    episode = {
        "episode": np.concatenate([cp_ep_ids, n_ids]),
        "child": np.concatenate([ep_child, n_cp + e_child]),
        "referral_date": np.concatenate([ep_ref, e_ref]),
        "referral_source": _choice(rng, REFERRAL_SOURCES, REFERRAL_SOURCE_P, n_ep_cp + n_ep_n),
        "primary_need": np.concatenate([need_cp, _choice(rng, NEEDS, NON_CP_NEED_P, n_ep_n)]),
        "closure_date": np.concatenate([ep_close_cut, close]),
        "reason_for_closure": np.concatenate([
            reason_cp, np.where(kind == 2, _choice(rng, np.array(["RC7", "RC5", "RC6", "RC4"]),
                                                   np.array([85, 8, 4, 3.0]), n_ep_n), "RC8")]),
        "date_of_initial_cpc": np.concatenate([ep_plan_start, icpcd]),
        "referral_nfa": np.concatenate([np.zeros(n_ep_cp, dtype=bool), kind == 0]),
    }
    a_ep = np.concatenate([cp_ep_ids, ep_of_plan[re_ass], n_ids[kind > 0]])
    a_cp = np.concatenate([np.ones(n_ep_cp + len(re_ass), dtype=bool),
                           np.zeros(int((kind > 0).sum()), dtype=bool)])
    a_cat = np.concatenate([init_cat[ep_first_plan], init_cat[re_ass],
                            np.full(int((kind > 0).sum()), "")])
    assessment = {
        "episode": a_ep,
        "child": episode["child"][a_ep],
        "actual_start_date": np.concatenate([a_start, ra_start, ea[kind > 0]]),
        "authorisation_date": np.concatenate([auth, ra_auth, eauth[kind > 0]]),
        "factors": _factors(rng, a_cp, a_cat),
    }
    s_ep = np.concatenate([ep_of_plan, n_ids[s47]])
    s_start = np.concatenate([s47_start, s47d[s47]])
    section47 = {
        "episode": s_ep,
        "child": episode["child"][s_ep],
        "start_date": s_start,
        "initial_cpc_target": _weekday(s_start + 21),
        "date_of_initial_cpc": np.concatenate([p_start, icpcd[s47]]),
        "icpc_not_required": np.concatenate([np.zeros(n_p, dtype=bool),
                                             icpcd[s47] >= NO_DATE]),
    }
    cinp_sel = np.flatnonzero(has_cinp)
    c_ep = np.concatenate([ep_of_plan[cinp_sel], n_ids[kind == 2]])
    cin_plan = {
        "episode": c_ep,
        "child": episode["child"][c_ep],
        "start_date": np.concatenate([p_end[cinp_sel], eauth[kind == 2]]),
        "end_date": np.concatenate([cinp_end[cinp_sel], close[kind == 2]]),
    }
    cin_plan["end_date"] = np.where(cin_plan["end_date"] > t1, NO_DATE, cin_plan["end_date"])
    keep_p = p_start <= t1
    plan = {
        "episode": ep_of_plan[keep_p],
        "child": child_of[keep_p],
        "start_date": p_start[keep_p],
        "end_date": np.where(p_end[keep_p] > t1, NO_DATE, p_end[keep_p]),
        "initial_category": init_cat[keep_p],
        "latest_category": latest_cat[keep_p],
        "previous_plans": prev_plans[keep_p],
    }
    return Council(seed, start_year, end_year, children_scale, data_to, child, episode,
                   assessment, section47, cin_plan, plan)


def _factors(rng: np.random.Generator, cp: np.ndarray, cat: np.ndarray) -> np.ndarray:
    """Assessment factor codes per assessment, comma separated, in code-list order."""
    n = len(cp)
    codes = list(FACTOR_P)
    draw = rng.random((n, len(codes))) < np.array([FACTOR_P[c] for c in codes])[None, :]
    dv = rng.random(n) < np.where(cp, DV_P_CP, DV_P_OTHER)
    which = rng.random((n, 3)) < np.array([0.40, 0.85, 0.12])[None, :]
    which[~which.any(axis=1), 1] = True
    which &= dv[:, None]
    cat_code = np.array([CATEGORY_FACTOR.get(c, "") for c in cat], dtype=object)
    mul = cat == "MUL"
    add_cat = rng.random(n) < 0.8
    none = ~draw.any(axis=1) & ~dv & ~cp & (rng.random(n) < 0.5)
    out = np.empty(n, dtype=object)
    dv_codes = ("3A", "3B", "3C")
    order = {c: i for i, c in enumerate(_ALL_FACTORS)}
    for i in range(n):
        got = [c for c, on in zip(codes, draw[i], strict=True) if on]
        got += [c for c, on in zip(dv_codes, which[i], strict=True) if on]
        if cat_code[i] and add_cat[i]:
            got.append(cat_code[i])
        if mul[i]:
            got += ["16A", "17A"]
        if none[i]:
            got = ["21"]
        elif not got:
            got = ["20"]
        out[i] = ",".join(sorted(set(got), key=order.__getitem__))
    return out


_ALL_FACTORS = ("1A", "1B", "1C", "2A", "2B", "2C", "3A", "3B", "3C", "4A", "4B", "4C", "5A",
                "5B", "5C", "6A", "6B", "6C", "7A", "8B", "8C", "8D", "8E", "8F", "9A", "10A",
                "11A", "12A", "13A", "14A", "15A", "16A", "17A", "18A", "18B", "18C", "19A",
                "19B", "19C", "20", "21", "22A", "23A", "24A")


# ---- writing the yearly returns --------------------------------------------------------------

#: faults planted in each file: name -> (what it is, does the file still validate against its XSD)
FAULTS: dict[str, tuple[str, bool]] = {
    "missing_plan_end": ("CPPendDate left out of a plan whose episode is closed", True),
    "missing_closure_date": ("ReasonForClosure given but CINclosureDate left out", True),
    "duplicate_plan": ("the same ChildProtectionPlans block written twice", True),
    "category_not_in_list": ("LatestCategoryOfAbuse 'NEGLECT', not a code in the list", False),
    "factor_not_in_list": ("AssessmentFactors '3D' (a referral-source code), not a factor", False),
}
#: manifest columns; `line` is the faulty element's, or for a missing one the line it should follow
FAULT_COLUMNS = ("file", "line", "child_id", "fault", "element", "xsd_valid", "detail")


def _grouped(episodes: np.ndarray, keep: np.ndarray, by: np.ndarray, wanted: np.ndarray):
    """Rows of a table kept for a file, sorted by episode then `by`, with each wanted
    episode's [lo, hi) slice into them."""
    idx = np.flatnonzero(keep)
    idx = idx[np.lexsort((by[idx], episodes[idx]))]
    eps = episodes[idx]
    return idx, np.searchsorted(eps, wanted, "left"), np.searchsorted(eps, wanted, "right")


def _pick(rng: np.random.Generator, candidates: np.ndarray, n: int, taken: set) -> list[int]:
    pool = [int(c) for c in candidates if int(c) not in taken]
    if not pool:
        return []
    got = [pool[i] for i in rng.choice(len(pool), size=min(n, len(pool)), replace=False)]
    taken.update(got)
    return got


def _render_year(council: Council, year: int, faults: bool, fh) -> list[dict]:
    """Write one year's return to the text file `fh`; the faults planted in it."""
    info = _schema_info(year)
    ys = _day(dt.date(year - 1, 4, 1))
    cut = min(_day(dt.date(year, 3, 31)), _day(council.data_to))
    E, A, S, C, P = (council.episode, council.assessment, council.section47, council.cin_plan,
                     council.plan)
    ch = council.child
    # what the return holds: episodes open at some point in the year, and in them the
    # assessments, S47s, CIN plans and CP plans open or done in the year, as known at `cut`
    e_keep = (E["referral_date"] <= cut) & (E["closure_date"] >= ys)
    ep_sel = np.flatnonzero(e_keep)
    ep_sel = ep_sel[np.lexsort((E["referral_date"][ep_sel], ch["child_id"][E["child"][ep_sel]]))]
    eps = E["episode"][ep_sel]
    a_idx, a_lo, a_hi = _grouped(A["episode"], (A["actual_start_date"] <= cut)
                                 & (A["authorisation_date"] >= ys), A["actual_start_date"], eps)
    s_last = np.where(S["date_of_initial_cpc"] < NO_DATE, S["date_of_initial_cpc"],
                      S["start_date"])
    s_idx, s_lo, s_hi = _grouped(S["episode"], (S["start_date"] <= cut) & (s_last >= ys),
                                 S["start_date"], eps)
    c_idx, c_lo, c_hi = _grouped(C["episode"], (C["start_date"] <= cut) & (C["end_date"] >= ys)
                                 & info.cin_plan_dates, C["start_date"], eps)
    p_idx, p_lo, p_hi = _grouped(P["episode"], (P["start_date"] <= cut) & (P["end_date"] >= ys),
                                 P["start_date"], eps)

    def shown(days: np.ndarray) -> np.ndarray:
        return _iso(np.where(days <= cut, days, NO_DATE))

    # ISO strings, computed once per column (vectorised)
    e_ref, e_close = _iso(E["referral_date"]), shown(E["closure_date"])
    e_icpc = shown(E["date_of_initial_cpc"])
    a_start, a_auth = _iso(A["actual_start_date"]), shown(A["authorisation_date"])
    s_start, s_target = _iso(S["start_date"]), _iso(S["initial_cpc_target"])
    s_icpc = shown(S["date_of_initial_cpc"])
    c_start, c_end = _iso(C["start_date"]), shown(C["end_date"])
    p_start, p_end = _iso(P["start_date"]), shown(P["end_date"])
    birth = ch["birth_date"]
    born = birth <= cut
    b_iso = _iso(np.where(born, birth, NO_DATE))
    exp_iso = _iso(np.where(born, NO_DATE, ch["expected_birth_date"]))
    if info.sex_element == "Sex":
        sex = np.where(born, np.where(ch["sex"] == "1", "M", "F"), "U")
    else:
        sex = np.where(born, ch["sex"], "0")
    factor_ok = info.factors

    # faults, chosen reproducibly for this seed and year
    plan_fault: dict[int, str] = {}
    ep_fault: dict[int, str] = {}
    ass_fault: dict[int, str] = {}
    if faults:
        rng = np.random.default_rng([council.seed, year])
        m = max(1, round(council.children_scale))
        taken: set = set()
        ended_in = p_idx[(P["end_date"][p_idx] <= cut) & (P["end_date"][p_idx] >= ys)]
        closed_ep = np.isin(P["episode"][ended_in],
                            E["episode"][ep_sel[E["closure_date"][ep_sel] <= cut]])
        for i in _pick(rng, ended_in[closed_ep], m, taken):
            plan_fault[i] = "missing_plan_end"
        for i in _pick(rng, p_idx, m, taken):
            plan_fault[i] = "duplicate_plan"
        for i in _pick(rng, p_idx, m, taken):
            plan_fault[i] = "category_not_in_list"
        closed = ep_sel[(E["closure_date"][ep_sel] <= cut)
                        & ~np.isin(E["episode"][ep_sel], P["episode"][list(plan_fault)])]
        for i in _pick(rng, closed, m, set()):
            ep_fault[i] = "missing_closure_date"
        factored = a_idx[A["authorisation_date"][a_idx] <= cut]  # factors are written
        for i in _pick(rng, factored, m, set()):
            ass_fault[i] = "factor_not_in_list"

    name = census_file_name(year)
    found: list[dict] = []
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        "<Message>",
        "  <Header>",
        "    <CollectionDetails>",
        "      <Collection>CIN</Collection>",
        f"      <Year>{year}</Year>",
        f"      <ReferenceDate>{year}-03-31</ReferenceDate>",
        "    </CollectionDetails>",
        "    <Source>",
        "      <SourceLevel>L</SourceLevel>",
        f"      <LEA>{LA}</LEA>",
        "      <SoftwareCode>cpmetrics synthetic council</SoftwareCode>",
        f"      <Release>seed {council.seed}</Release>",
        "      <SerialNo>001</SerialNo>",
        f"      <DateTime>{_iso(np.array([cut + 46]))[0]}T09:00:00</DateTime>",
        "    </Source>",
        "  </Header>",
        "  <Children>",
    ]
    add = lines.append
    written = 0  # lines already flushed to the file

    def flush() -> None:
        nonlocal written
        fh.write("\n".join(lines) + "\n")
        written += len(lines)
        lines.clear()

    def note(child: int, fault: str, element: str, detail: str) -> None:
        found.append({"file": name, "line": written + len(lines),
                      "child_id": ch["child_id"][child],
                      "fault": fault, "element": element, "xsd_valid": FAULTS[fault][1],
                      "detail": detail})

    def plan_block(i: int, c: int, fault: str | None) -> None:
        add("        <ChildProtectionPlans>")
        if fault == "duplicate_plan" and len(found) and found[-1].get("_dup") == i:
            found[-1]["line"] = written + len(lines)
            del found[-1]["_dup"]
        add(f"          <CPPstartDate>{p_start[i]}</CPPstartDate>")
        if p_end[i]:
            if fault == "missing_plan_end":
                note(c, fault, "CPPendDate", f"plan ended {p_end[i]}; its episode is closed")
            else:
                add(f"          <CPPendDate>{p_end[i]}</CPPendDate>")
        initial = P["initial_category"][i]
        add(f"          <InitialCategoryOfAbuse>{initial}</InitialCategoryOfAbuse>")
        latest = P["latest_category"][i]
        if fault == "category_not_in_list":
            add("          <LatestCategoryOfAbuse>NEGLECT</LatestCategoryOfAbuse>")
            note(c, fault, "LatestCategoryOfAbuse", f"'NEGLECT' written for '{latest}'")
        else:
            add(f"          <LatestCategoryOfAbuse>{latest}</LatestCategoryOfAbuse>")
        add(f"          <NumberOfPreviousCPP>{P['previous_plans'][i]}</NumberOfPreviousCPP>")
        start, end = P["start_date"][i], P["end_date"][i]
        reviews = _weekday(start + 91 + 182 * np.arange(8))
        reviews = reviews[(reviews < end) & (reviews <= cut)]
        if len(reviews):
            add("          <Reviews>")
            for r in _iso(reviews):
                add(f"            <CPPreviewDate>{r}</CPPreviewDate>")
            add("          </Reviews>")
        add("        </ChildProtectionPlans>")

    child_of_ep = E["child"][ep_sel]
    k = 0
    n_sel = len(ep_sel)
    while k < n_sel:
        c = child_of_ep[k]
        k_end = k
        while k_end < n_sel and child_of_ep[k_end] == c:
            k_end += 1
        add("    <Child>")
        add("      <ChildIdentifiers>")
        add(f"        <LAchildID>{ch['child_id'][c]}</LAchildID>")
        if b_iso[c]:
            add(f"        <PersonBirthDate>{b_iso[c]}</PersonBirthDate>")
        else:
            add(f"        <ExpectedPersonBirthDate>{exp_iso[c]}</ExpectedPersonBirthDate>")
        add(f"        <{info.sex_element}>{sex[c]}</{info.sex_element}>")
        add("      </ChildIdentifiers>")
        add("      <ChildCharacteristics>")
        add(f"        <Ethnicity>{ch['ethnicity'][c]}</Ethnicity>")
        if ch["disability"][c]:
            add(f"        <Disabilities><Disability>{ch['disability'][c]}</Disability>"
                "</Disabilities>")
        add("      </ChildCharacteristics>")
        for j in range(k, k_end):
            e = ep_sel[j]
            add("      <CINdetails>")
            add(f"        <CINreferralDate>{e_ref[e]}</CINreferralDate>")
            add(f"        <ReferralSource>{E['referral_source'][e]}</ReferralSource>")
            add(f"        <PrimaryNeedCode>{E['primary_need'][e]}</PrimaryNeedCode>")
            if e_close[e]:
                if ep_fault.get(e) == "missing_closure_date":
                    note(c, "missing_closure_date", "CINclosureDate",
                         f"episode closed {e_close[e]}")
                else:
                    add(f"        <CINclosureDate>{e_close[e]}</CINclosureDate>")
                add(f"        <ReasonForClosure>{E['reason_for_closure'][e]}</ReasonForClosure>")
            if e_icpc[e]:
                add(f"        <DateOfInitialCPC>{e_icpc[e]}</DateOfInitialCPC>")
            for a in a_idx[a_lo[j]:a_hi[j]]:
                add("        <Assessments>")
                add(f"          <AssessmentActualStartDate>{a_start[a]}"
                    "</AssessmentActualStartDate>")
                if a_auth[a]:
                    add(f"          <AssessmentAuthorisationDate>{a_auth[a]}"
                        "</AssessmentAuthorisationDate>")
                    codes = [f for f in A["factors"][a].split(",") if f in factor_ok] or ["20"]
                    add("          <FactorsIdentifiedAtAssessment>")
                    for f in codes:
                        add(f"            <AssessmentFactors>{f}</AssessmentFactors>")
                    if ass_fault.get(a):
                        add("            <AssessmentFactors>3D</AssessmentFactors>")
                        note(c, "factor_not_in_list", "AssessmentFactors", "'3D' added")
                    add("          </FactorsIdentifiedAtAssessment>")
                add("        </Assessments>")
            for i in c_idx[c_lo[j]:c_hi[j]]:
                add("        <CINPlanDates>")
                add(f"          <CINPlanStartDate>{c_start[i]}</CINPlanStartDate>")
                if c_end[i]:
                    add(f"          <CINPlanEndDate>{c_end[i]}</CINPlanEndDate>")
                add("        </CINPlanDates>")
            for i in s_idx[s_lo[j]:s_hi[j]]:
                add("        <Section47>")
                add(f"          <S47ActualStartDate>{s_start[i]}</S47ActualStartDate>")
                add(f"          <InitialCPCtarget>{s_target[i]}</InitialCPCtarget>")
                if s_icpc[i]:
                    add(f"          <DateOfInitialCPC>{s_icpc[i]}</DateOfInitialCPC>")
                add(f"          <ICPCnotRequired>{int(S['icpc_not_required'][i])}"
                    "</ICPCnotRequired>")
                add("        </Section47>")
            add(f"        <ReferralNFA>{int(E['referral_nfa'][e])}</ReferralNFA>")
            for i in p_idx[p_lo[j]:p_hi[j]]:
                fault = plan_fault.get(i)
                plan_block(i, c, fault)
                if fault == "duplicate_plan":
                    note(c, fault, "ChildProtectionPlans", f"plan starting {p_start[i]} repeated")
                    found[-1]["_dup"] = i
                    plan_block(i, c, fault)
            add("      </CINdetails>")
        add("    </Child>")
        k = k_end
        if len(lines) > 100_000:
            flush()
    add("  </Children>")
    add("</Message>")
    flush()
    return found


def write_council(council: Council, out_dir: str | Path, faults: bool = True) -> list[Path]:
    """Write one CIN census XML file per collection year of `council`, and the faults manifest.

    Returns the XML files written. A year that starts after the council's data
    end is not written. With `faults=False` no fault is planted (the manifest is
    written empty), so every file validates against its year's XSD.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths, manifest = [], []
    for year in range(council.start_year, council.end_year + 1):
        if dt.date(year - 1, 4, 1) > council.data_to:
            continue
        path = out / census_file_name(year)
        with open(path, "w", encoding="utf-8", newline="\n") as fh:
            found = _render_year(council, year, faults, fh)
        paths.append(path)
        manifest += found
    with open(out / FAULTS_FILE, "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=FAULT_COLUMNS, lineterminator="\n")
        w.writeheader()
        w.writerows(manifest)
    return paths


def write_census(
    out_dir: str | Path,
    seed: int = DEFAULT_SEED,
    start_year: int = 2016,
    end_year: int = 2019,
    children_scale: float = 1.0,
    data_to: dt.date | None = None,
    faults: bool = True,
) -> list[Path]:
    """Simulate a council and write its yearly CIN census returns to `out_dir`.

    One file per collection year, `cin_census_YYYY.xml` (year ending 31 March),
    plus `faults.csv` listing the planted data-quality faults. Returns the XML
    files. See `generate` for the arguments.
    """
    council = generate(seed, start_year, end_year, children_scale, data_to)
    return write_council(council, out_dir, faults)
