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
  known only from `NumberOfPreviousCPP`; some of those arrive with a transfer-in
  conference, recorded at episode level with no section 47 enquiry.
- **The pathway**: every other plan follows a section 47 enquiry whose initial
  conference is the plan's start, held on a working day (Monday to Friday less
  England and Wales bank holidays) a number of working days after the enquiry
  began shaped like Trafford's C4 (2016-17, 2017-18: a fifth within 10, median
  13, about 84% within 15, a tenth 21 or more). Plans are reviewed 3 months
  after the conference and then every 6 months, about 1 review in 16 late. Most
  enquiries of children who never reach a plan end with no conference
  (`ICPCnotRequired`), a few with a conference and no plan.
- **Unborn children** get pre-birth plans: a file whose reference date (or data
  cut-off) is before the birth shows only `ExpectedPersonBirthDate`.
- **Other children in need** (referrals closed with no further action, after an
  assessment, or after months on a CIN plan) fill each return to the size of the
  real one, about 2,900 children a year.
- **Assessments**: the assessment that goes with an enquiry starts with it; most
  are authorised on or before the conference (so linked to the plan under
  metrics.md), a minority after it, all within 45 working days. Domestic
  violence/abuse (3A/3B/3C) is recorded in about half of assessments. Factor
  codes are those of the year's code list (18A/19A before 2020-21, 18B/18C and
  19B/19C after; 24A from 2021-22).
- **Valid returns**: apart from the faults planted on purpose, each file passes
  DfE's CIN census validation rules for its year (every child has a
  `Disabilities` block, school-age children a UPN with its check letter, no
  activity in an episode closed RC8/RC9, a conference recorded at one level
  only, nothing after an episode's closure, no enquiry straddling 31 March with
  its conference overdue, ...). A collection year's file depends only on the
  seed and that year: the simulation always starts on `SIM_START`, and every
  random number is drawn from a stream keyed by the seed and the month in which
  the thing it decides happened, so asking for more years adds to the history
  without changing it.
- **Data-quality faults** real returns carry are planted in each file, a few per
  file, and listed in a manifest (`faults.csv`: file, line, child, fault and
  the validation rule it breaks) so a test can tell them from generator bugs.

What the council is calibrated to (its LA number, children on a plan, plan lengths,
re-plans, volumes) is a `Profile`; the default is LA 358 as the constants below
say, and `cpmetrics.synthetic_region` works one out for any council from its
published figures.

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
    "FIRST_YEAR",
    "Council",
    "DEFAULT_PROFILE",
    "Profile",
    "census_file_name",
    "generate",
    "schema_path",
    "write_census",
    "write_council",
]

#: seed of the embedded default data set (data/synthetic)
DEFAULT_SEED = 346
#: the embedded default data set holds events up to this day (a part-year 2018-19 return)
DEFAULT_DATA_TO = dt.date(2018, 9, 30)
#: the manifest of deliberately planted faults, written beside the XML files
FAULTS_FILE = "faults.csv"
LA = "358"
#: every simulation starts here, whatever years are asked for (8 years before FIRST_YEAR)
SIM_START = dt.date(2006, 4, 1)
#: the earliest collection year the generator writes (2014-15)
FIRST_YEAR = 2015

# ---- calibration (scale 1 = one council the size of LA 358) -----------------------------------
TARGET_ON_PLAN = 258  # children on a plan the arrival rate leans towards
FEEDBACK = 2.0  # how hard arrivals lean against the stock (log-multiplier per 100% over)
FAMILY_SIZE_P = np.array([0.50, 0.28, 0.13, 0.06, 0.02, 0.01])  # 1..6 children on plan together
# ended-plan lengths in days (both ends counted): (low, high, share); 10% are 730+
DURATION_BANDS = ((16, 91, 0.16), (92, 182, 0.16), (183, 364, 0.33), (365, 729, 0.25),
                  (730, 1150, 0.10))
RETURN_P = 0.21  # a family comes back onto a plan after a plan ends
PRIOR_ELSEWHERE_P = 0.08  # a new family's children had plans before the data (elsewhere, long ago)
TRANSFER_IN_P = 0.4  # of those, families arriving with a transfer-in conference (no S47 here)
PREBIRTH_P = 0.07  # a new family's youngest child is unborn at the plan start
NEW_BABY_P = 0.12  # a returning family brings a new (unborn) baby
CATEGORY_CODES = np.array(["NEG", "EMO", "PHY", "SAB", "MUL"])
CATEGORY_P = np.array([0.47, 0.35, 0.08, 0.04, 0.06])
NON_CP_EPISODES_PER_YEAR = 1380  # CIN episodes started that never reach a plan (b1 less CP)
RE_REFERRAL_P = 0.22  # a child in need comes back with a new referral
MAX_EPISODES = 6  # episodes per child in need who never reaches a plan
MAX_SLOTS = 8  # children per family, initial plus babies
MAX_REVIEWS = 8  # reviews per plan (3 + 7 x 6 months covers the longest plans)
LOOKAHEAD_DAYS = 400  # plans are simulated this far past data_to: their referrals come first

SEASON = np.array([1.0, 1.05, 1.0, 1.05, 0.85, 0.95, 1.1, 1.05, 0.85, 1.05, 1.0, 1.05])  # Apr..Mar

# working days from the S47 start to the initial conference, after Trafford's C4 (2016-17,
# 2017-18: 0-10 19%, 11-15 65%, 16-20 6%, 21+ 10%; quartiles 11, 13, 14), with the tail a
# little heavier as enquiries are shortened at the year end and after a previous plan
_LAG_P = np.zeros(36)
_LAG_P[3:11] = 0.19 / 8
_LAG_P[11:16] = 0.63 * np.array([0.12, 0.20, 0.24, 0.33, 0.11])
_LAG_P[16:21] = 0.07 / 5
_LAG_P[21:36] = 0.11 * np.linspace(2, 0.5, 15) / np.linspace(2, 0.5, 15).sum()
REVIEW_LATE_P = 0.06  # a review held after its due date
# an enquiry whose conference falls after 31 March starts at most this many working days before
# it (8675Q allows 15; 12 leaves room for validators whose bank holiday list is shorter)
YEAR_END_WORKING_DAYS = 12

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
DISABLED_P = 0.10  # children with a disability; of them 60% one code, 28% two, 12% three
# UPN: LA of allocation (mostly here, some in neighbouring Greater Manchester councils)
UPN_LAS = np.array(["358", "350", "352", "354", "356", "357", "359"])
UPN_LA_P = np.array([85, 2, 4, 2, 3, 2, 2], dtype=float)
UPN_CHECK = np.array(list("ABCDEFGHJKLMNPQRTUVWXYZ"))
# a school-age child with no UPN, and why (UPNunknown; UN1 is "not yet of school age")
NO_UPN_P = 0.03
NO_UPN_REASONS = np.array(["UN2", "UN3", "UN4", "UN5", "UN6"])
NO_UPN_REASON_P = np.array([20, 30, 35, 5, 10], dtype=float)
UPN_AGE = 4  # years: a child of this age or more at the reference date has a UPN



@dataclass(frozen=True)
class Profile:
    """What one synthetic council is calibrated to; the defaults are LA 358 (Trafford).

    `on_plan` holds (day, children on a plan) knots the arrival rate steers
    towards, interpolated linearly and flat outside them; empty means the
    constant TARGET_ON_PLAN x children_scale. `return_p_by_year` gives the
    return probability for families whose next plan would start in a collection
    year (other years: `return_p`); `duration_bands_by_year` the plan-length
    bands of plans starting in a collection year (other years:
    `duration_bands`). `new_children_by_year`: children a year starting a first
    plan here (the rest of the starts are families coming back); when given, new
    families arrive at that rate and lean against the stock only as far as
    `feedback` says (the stock follows from the starts and the plan lengths).
    `steady` draws each month's new families
    as the rate rounded at random rather than Poisson, for councils whose
    figures are to be matched year by year. `upn_las`: LA numbers a UPN is
    allocated in, this council's first (weights UPN_LA_P).
    """

    la: str = LA
    on_plan: tuple[tuple[dt.date, float], ...] = ()
    duration_bands: tuple[tuple[int, int, float], ...] = DURATION_BANDS
    return_p: float = RETURN_P
    return_p_by_year: tuple[tuple[int, float], ...] = ()
    prior_elsewhere_p: float = PRIOR_ELSEWHERE_P
    non_cp_episodes_per_year: float | None = None  # None: NON_CP_EPISODES_PER_YEAR x scale
    upn_las: tuple[str, ...] = tuple(UPN_LAS.tolist())
    duration_bands_by_year: tuple[tuple[int, tuple[tuple[int, int, float], ...]], ...] = ()
    new_children_by_year: tuple[tuple[int, float], ...] = ()
    noise_sd: float = 0.12
    feedback: float = FEEDBACK
    lean_range: tuple[float, float] = (0.5, 1.8)
    steady: bool = False

    def target(self, day: int, scale: float) -> float:
        """Children on a plan the arrival rate leans towards on `day` (int days)."""
        if not self.on_plan:
            return TARGET_ON_PLAN * scale
        xs = [_day(d) for d, _ in self.on_plan]
        return float(np.interp(day, xs, [v for _, v in self.on_plan]))

    def bands_at(self, day: int) -> tuple[tuple[int, int, float], ...]:
        """The plan-length bands of plans starting on `day`."""
        if not self.duration_bands_by_year:
            return self.duration_bands
        return dict(self.duration_bands_by_year).get(_collection_year(day), self.duration_bands)

    def return_p_at(self, days: np.ndarray) -> np.ndarray | float:
        """The return probability for next plans starting on `days`."""
        if not self.return_p_by_year:
            return self.return_p
        by = dict(self.return_p_by_year)
        return np.array([by.get(int(y), self.return_p) for y in _collection_year(days)])


def _collection_year(days):
    """The collection year (year ending 31 March) holding each day (int days)."""
    ye = _year_end(np.asarray(days, dtype=np.int64))
    return (EPOCH + ye.astype("timedelta64[D]")).astype("datetime64[Y]").astype(np.int64) + 1970


#: LA 358 (Trafford) as calibrated by the module constants: the embedded default data set
DEFAULT_PROFILE = Profile()

# assessment factors: code -> probability in an assessment (DV codes drawn separately).
# The truth uses 18B/18C and 19B/19C (2020-21 on); older files write 18A and 19A for them.
FACTOR_P: dict[str, float] = {
    "1A": 0.03, "1B": 0.17, "1C": 0.03, "2A": 0.08, "2B": 0.20, "2C": 0.03,
    "4A": 0.17, "4B": 0.34, "4C": 0.04, "5A": 0.14, "5B": 0.05, "5C": 0.02,
    "6A": 0.05, "6B": 0.08, "6C": 0.02, "7A": 0.04, "8B": 0.002, "8C": 0.002, "8D": 0.002,
    "8E": 0.003, "8F": 0.003, "9A": 0.03, "10A": 0.07, "11A": 0.03, "12A": 0.01, "13A": 0.03,
    "14A": 0.10, "15A": 0.08, "16A": 0.12, "17A": 0.12, "18B": 0.07, "18C": 0.03,
    "19B": 0.035, "19C": 0.015, "20": 0.20, "22A": 0.003, "23A": 0.004, "24A": 0.04,
}
DV_P_CP, DV_P_OTHER = 0.55, 0.45  # any of 3A/3B/3C, CP-bound assessments and the rest
CATEGORY_FACTOR = {"NEG": "16A", "EMO": "17A", "PHY": "18B", "SAB": "19B"}
_OLD_FACTOR = {"18B": "18A", "18C": "18A", "19B": "19A", "19C": "19A"}  # before 2020-21

NO_DATE = 2**30  # "no date" in the int day arrays
EPOCH = np.datetime64("1970-01-01", "D")
YEAR = 365.25
# random streams: (seed, stream, month) keys one month's draws of one kind
_PLANS, _CIN, _IDS, _CIN_FACTORS = 1, 2, 3, 4


def _day(value: dt.date | str) -> int:
    return int((np.datetime64(value, "D") - EPOCH).astype(np.int64))


@cache
def _holidays() -> np.ndarray:
    """England and Wales bank holidays, from the copy of GOV.UK's list that
    govuk-bank-holidays ships (2012-2028; never fetched). Outside those years
    only weekends are days off."""
    from govuk_bank_holidays.bank_holidays import BankHolidays

    days = BankHolidays(use_cached_holidays=True).get_holidays(
        division=BankHolidays.ENGLAND_AND_WALES)
    return np.array(sorted(d["date"] for d in days), dtype="datetime64[D]")


@cache
def _calendar() -> np.busdaycalendar:
    return np.busdaycalendar(holidays=_holidays())


def _workday(days: np.ndarray, offset: np.ndarray | int = 0, roll: str = "forward") -> np.ndarray:
    """`days` moved `offset` working days (after rolling a day off to a working day)."""
    d = EPOCH + np.asarray(days, dtype=np.int64).astype("timedelta64[D]")
    out = np.busday_offset(d, offset, roll=roll, busdaycal=_calendar())
    return (out - EPOCH).astype(np.int64)


def _add_months(days: np.ndarray, months: np.ndarray | int) -> np.ndarray:
    """`days` plus whole calendar months, clipped to the month's end (as DateOffset)."""
    d = EPOCH + np.asarray(days, dtype=np.int64).astype("timedelta64[D]")
    m = d.astype("datetime64[M]")
    dom = (d - m.astype("datetime64[D]")).astype(np.int64)
    target = m + np.asarray(months, dtype=np.int64).astype("timedelta64[M]")
    first = target.astype("datetime64[D]")
    length = ((target + 1).astype("datetime64[D]") - first).astype(np.int64)
    return (first + np.minimum(dom, length - 1).astype("timedelta64[D]") - EPOCH).astype(np.int64)


def _year_end(days: np.ndarray) -> np.ndarray:
    """31 March ending the census year (1 April to 31 March) that holds each day."""
    d = EPOCH + np.asarray(days, dtype=np.int64).astype("timedelta64[D]")
    m = d.astype("datetime64[M]").astype(np.int64)  # months since January 1970
    end_year = m // 12 + np.where(m % 12 >= 3, 1, 0)  # years since 1970
    april = (end_year * 12 + 3).astype("datetime64[M]").astype("datetime64[D]")
    return (april - 1 - EPOCH).astype(np.int64)


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


def _between(rng: np.random.Generator, lo, hi, n: int) -> np.ndarray:
    """n whole numbers from lo to hi inclusive (arrays allowed), one uniform draw each."""
    lo = np.asarray(lo, dtype=np.int64)
    hi = np.asarray(hi, dtype=np.int64)
    return lo + np.floor(rng.random(n) * (hi - lo + 1)).astype(np.int64)
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




@dataclass
class Council:
    """A simulated council's whole history (the truth, not cut to any one return).

    Each table is a dict of equal-length numpy arrays: dates as int days since
    1970-01-01 (`NO_DATE` where none, including dates after `data_to`), `child`
    an index into `child`, `episode` an episode number, `plan` (reviews) an
    index into `plan`. The DataFrame properties give the same with child ids and
    pandas dates.
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
    review: dict[str, np.ndarray] = field(repr=False)
    profile: Profile = field(default=DEFAULT_PROFILE, repr=False)

    def _frame(self, table: dict[str, np.ndarray]) -> pd.DataFrame:
        out = {}
        for k, v in table.items():
            if k == "child":
                out["child_id"] = self.child["child_id"][v]
            elif k.endswith("_date") or k.startswith("date_") or k == "initial_cpc_target":
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
    def section47s(self) -> pd.DataFrame:
        """One row per section 47 enquiry: start, conference target and date, not required."""
        return self._frame(self.section47)

    @property
    def reviews(self) -> pd.DataFrame:
        """One row per child protection plan review held: `plan` indexes `plans`."""
        return self._frame(self.review)

    @property
    def children(self) -> pd.DataFrame:
        """One row per child: id, (expected) birth date, sex code, ethnicity, disabilities, UPN."""
        return self._frame(self.child)


def _choice(rng: np.random.Generator, codes: np.ndarray, p: np.ndarray, n: int) -> np.ndarray:
    return codes[rng.choice(len(codes), size=n, p=p / p.sum())]


def _durations(rng: np.random.Generator, n: int, bands=DURATION_BANDS) -> np.ndarray:
    """Days on plan for n plans, from `bands` (low, high, share)."""
    lo = np.array([b[0] for b in bands])
    hi = np.array([b[1] for b in bands])
    p = np.array([b[2] for b in bands])
    band = rng.choice(len(p), size=n, p=p / p.sum())
    return _between(rng, lo[band], hi[band], n)


def _lags(rng: np.random.Generator, n: int, most: int = 35) -> np.ndarray:
    """Working days from a section 47 enquiry's start to its initial conference (C4's shape)."""
    p = _LAG_P[: most + 1] / _LAG_P[: most + 1].sum()
    return rng.choice(len(p), size=n, p=p)


def _trait_draws(rng: np.random.Generator, n: int, upn_las: np.ndarray = UPN_LAS
                 ) -> dict[str, np.ndarray]:
    """The random numbers behind what a child is born with (see `_traits`)."""
    return {"sex": rng.random(n) < 0.5, "ethnicity": _choice(rng, ETHNICITIES, ETHNICITY_P, n),
            "disabled": rng.random(n) < DISABLED_P,
            "how_many": rng.choice(3, size=n, p=[0.60, 0.28, 0.12]) + 1,
            "rank": np.argsort(np.argsort(rng.random((n, len(DISABILITIES))), axis=1),
                               axis=1).astype(np.int8),
            "no_upn": rng.random(n) < NO_UPN_P,
            "reason": _choice(rng, NO_UPN_REASONS, NO_UPN_REASON_P, n),
            "upn_la": _choice(rng, upn_las, UPN_LA_P, n),
            "exp_off": rng.integers(-10, 11, size=n)}


def _traits(draws: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """What a child is born with: sex, ethnicity, disabilities, where a UPN comes from."""
    n = len(draws["sex"])
    has = draws["disabled"][:, None] & (draws["rank"] < draws["how_many"][:, None])
    dis = np.full(n, "", dtype=object)
    for j, code in enumerate(DISABILITIES):
        dis[has[:, j]] += code + ","
    dis = np.array([d[:-1] for d in dis], dtype=object)
    return {"sex": np.where(draws["sex"], "1", "2"), "ethnicity": draws["ethnicity"],
            "disability": dis, "upn_reason": np.where(draws["no_upn"], draws["reason"], ""),
            "upn_la": draws["upn_la"], "exp_off": draws["exp_off"]}


def _upns(number: np.ndarray, birth: np.ndarray, la: np.ndarray, seed: int) -> np.ndarray:
    """A unique pupil number per child, with DfE's check letter: LA (3), school (4), year
    of allocation (2), serial (3), one child number to one school and serial."""
    a, b = np.random.default_rng([seed, _IDS, 1]).integers(1, 10**6, size=2)
    a = a * 10 + 3  # odd and not a multiple of 5: a bijection modulo 10**7
    x = (number.astype(np.int64) * a + b) % 10**7
    year = (EPOCH + np.minimum(birth, _day("2099-01-01")).astype("timedelta64[D]")).astype(
        "datetime64[Y]").astype(np.int64) + 1970 + UPN_AGE
    school = np.char.zfill((x // 1000).astype(str), 4)
    serial = np.char.zfill((x % 1000).astype(str), 3)
    digits = np.char.add(np.char.add(np.char.add(la.astype(str), school),
                                     np.char.zfill((year % 100).astype(str), 2)), serial)
    d = np.array([list(s) for s in digits], dtype=np.int64) if len(digits) else np.zeros(
        (0, 12), dtype=np.int64)
    check = UPN_CHECK[(d * np.arange(2, 14)).sum(axis=1) % 23]
    return np.char.add(check.astype(str), digits).astype(object)


def _factor_draws(rng: np.random.Generator, n: int, cp: bool) -> dict[str, np.ndarray]:
    """The random draws behind n assessments' factors (see `_factors`), as yes or no."""
    return {"draw": rng.random((n, len(FACTOR_P))) < np.array(list(FACTOR_P.values())),
            "dv": rng.random(n) < (DV_P_CP if cp else DV_P_OTHER),
            "which": rng.random((n, 3)) < np.array([0.40, 0.85, 0.12]),
            "add_cat": rng.random(n) < 0.8, "none": rng.random(n) < 0.5}


def _factors(draws: dict[str, np.ndarray], cat: np.ndarray, allow_none: np.ndarray
             ) -> np.ndarray:
    """Assessment factor codes per assessment, comma separated, in code-list order.

    `draws` say which codes came up (more domestic violence/abuse where the
    assessment goes with a plan); `cat` the plan's category; `allow_none`: code
    21 ("no factors identified") may be used, only for an episode closed after
    this, its one assessment (8873Q).
    """
    n = len(cat)
    col = {c: i for i, c in enumerate(_ALL_FACTORS)}
    sel = np.zeros((n, len(_ALL_FACTORS)), dtype=bool)
    for j, c in enumerate(FACTOR_P):
        sel[:, col[c]] = draws["draw"][:, j]
    dv = draws["dv"]
    which = draws["which"].copy()
    which[~which.any(axis=1), 1] = True
    which &= dv[:, None]
    for j, c in enumerate(("3A", "3B", "3C")):
        sel[:, col[c]] |= which[:, j]
    add_cat = draws["add_cat"]
    for category, c in CATEGORY_FACTOR.items():
        sel[:, col[c]] |= (cat == category) & add_cat
    mul = cat == "MUL"
    sel[:, col["16A"]] |= mul
    sel[:, col["17A"]] |= mul
    none = ~sel.any(axis=1) & allow_none & draws["none"]
    sel[none] = False
    sel[none, col["21"]] = True
    sel[~sel.any(axis=1), col["20"]] = True
    out = np.full(n, "", dtype=object)
    for j, c in enumerate(_ALL_FACTORS):
        out[sel[:, j]] += c + ","
    return np.array([s[:-1] for s in out], dtype=object)


_ALL_FACTORS = ("1A", "1B", "1C", "2A", "2B", "2C", "3A", "3B", "3C", "4A", "4B", "4C", "5A",
                "5B", "5C", "6A", "6B", "6C", "7A", "8B", "8C", "8D", "8E", "8F", "9A", "10A",
                "11A", "12A", "13A", "14A", "15A", "16A", "17A", "18A", "18B", "18C", "19A",
                "19B", "19C", "20", "21", "22A", "23A", "24A")


def _review_draws(rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    """The random numbers behind n plans' reviews (see `_reviews`)."""
    return {"late": rng.random((n, MAX_REVIEWS)) < REVIEW_LATE_P,
            "early": rng.integers(0, 11, size=(n, MAX_REVIEWS)),
            "delay": rng.integers(1, 31, size=(n, MAX_REVIEWS))}


def _reviews(draws: dict[str, np.ndarray], start: np.ndarray, end: np.ndarray) -> np.ndarray:
    """Review dates per plan occasion, (n, MAX_REVIEWS), NO_DATE where none.

    The first is due 3 calendar months after the conference, each later one 6
    months after the previous review (metrics.md, D6); most are held on a
    working day up to 10 days before the due date, REVIEW_LATE_P of them 1 to
    30 days late. A plan's reviews stop at its end.
    """
    n = len(start)
    late, early, delay = draws["late"], draws["early"], draws["delay"]
    out = np.full((n, MAX_REVIEWS), NO_DATE, dtype=np.int64)
    due = _add_months(start, 3)
    alive = np.ones(n, dtype=bool)
    for r in range(MAX_REVIEWS):
        held = np.where(late[:, r], _workday(due + delay[:, r]),
                        _workday(due - early[:, r], roll="backward"))
        alive &= held < end
        out[alive, r] = held[alive]
        due = _add_months(held, 6)
    return out


# ---- the simulated history -------------------------------------------------------------------


def _months(t1: int) -> np.ndarray:
    """First days of the months from SIM_START to the month holding day t1, plus the next."""
    months = pd.date_range(SIM_START, pd.Timestamp(EPOCH + np.timedelta64(t1, "D")), freq="MS")
    nxt = months[-1] + pd.DateOffset(months=1)
    return np.array([_day(m.date()) for m in months] + [_day(nxt.date())], dtype=np.int64)


def _simulate_plans(seed: int, t1: int, scale: float, profile: Profile = DEFAULT_PROFILE
                    ) -> dict:
    """Family plan occasions, month by month from SIM_START to t1 (int days).

    Each month's draws come from their own stream (seed, _PLANS, month), and
    everything about an occasion and its children (their plan ends, whether
    their episode goes on into the family's next plan, the enquiry, the
    assessments, the reviews) is drawn when it starts, so a longer simulation
    has the same first months.
    """
    mdays = _months(t1)
    t0 = int(mdays[0])
    bands = profile.duration_bands
    upn_las = np.array(profile.upn_las)
    target = profile.target(t0, scale)
    mean_days = sum((b[0] + b[1]) / 2 * b[2] for b in bands)
    mean_kids = float((np.arange(1, 7) * FAMILY_SIZE_P).sum())
    # first-time family occasions a month that keep `target` on plan, net of returns
    base = target / (mean_kids * mean_days) * 30.44 * (1 - profile.return_p)
    horizon = int(mdays[-1]) - t0 + 4000
    delta = np.zeros(horizon + 1, dtype=np.int64)  # children on plan: +1 at start, -1 at end

    cap = 64
    birth = np.full((cap, MAX_SLOTS), NO_DATE, dtype=np.int64)
    join = np.full((cap, MAX_SLOTS), 10**6, dtype=np.int64)
    unborn = np.zeros((cap, MAX_SLOTS), dtype=bool)  # known before birth (pre-birth plan)
    prior = np.zeros((cap, MAX_SLOTS), dtype=np.int64)  # plans before the data
    transfer = np.zeros(cap, dtype=bool)  # arrived with a transfer-in conference
    nocc = np.zeros(cap, dtype=np.int64)
    traits: list[dict[str, np.ndarray]] = []
    nfam = 0
    pend_f = np.zeros(0, dtype=np.int64)
    pend_d = np.zeros(0, dtype=np.int64)
    occs: list[dict[str, np.ndarray]] = []  # one row per occasion
    rows: list[dict[str, np.ndarray]] = []  # one row per child on a plan
    noise = 0.0
    for m in range(len(mdays) - 1):
        rng = np.random.default_rng([seed, _PLANS, m])
        ms, me = int(mdays[m]), int(mdays[m + 1])
        stock = delta[: ms - t0 + 1].sum()
        bands = profile.bands_at(ms)
        if profile.on_plan:  # a moving target: replace the month's ends and add its growth
            target = profile.target(ms, scale)
            rise = profile.target(me, scale) - target
            p_ret = float(np.mean(profile.return_p_at(np.array([ms]))))
            mean_days = sum((b[0] + b[1]) / 2 * b[2] for b in bands)
            base = max(0.0, target / mean_days * 30.44 * (1 - p_ret) + rise) / mean_kids
            if profile.new_children_by_year:
                new = dict(profile.new_children_by_year)
                year = int(_collection_year(np.array([ms]))[0])
                base = new[min(new, key=lambda y: (abs(y - year), y))] / 12 / mean_kids
        lean = float(np.clip(np.exp(-profile.feedback * (stock / target - 1)),
                             *profile.lean_range))
        noise = 0.6 * noise + rng.normal(0, profile.noise_sd)
        month = int(((EPOCH + np.timedelta64(ms, "D")).astype("datetime64[M]").astype(int)) % 12)
        lam = base * SEASON[(month - 3) % 12] * np.exp(noise) * lean
        n_new = int(lam + rng.random()) if profile.steady else int(rng.poisson(lam))
        # new families
        if nfam + n_new > cap:
            grow = max(cap, n_new)
            birth = np.vstack([birth, np.full((grow, MAX_SLOTS), NO_DATE, dtype=np.int64)])
            join = np.vstack([join, np.full((grow, MAX_SLOTS), 10**6, dtype=np.int64)])
            unborn = np.vstack([unborn, np.zeros((grow, MAX_SLOTS), dtype=bool)])
            prior = np.vstack([prior, np.zeros((grow, MAX_SLOTS), dtype=np.int64)])
            transfer = np.concatenate([transfer, np.zeros(grow, dtype=bool)])
            nocc = np.concatenate([nocc, np.zeros(grow, dtype=np.int64)])
            cap += grow
        f_new = np.arange(nfam, nfam + n_new)
        nfam += n_new
        s_new = _workday(rng.integers(ms, me, size=n_new))
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
        had_prior = rng.random(n_new) < profile.prior_elsewhere_p
        nprior = rng.choice([1, 2, 3], size=n_new, p=[0.75, 0.2, 0.05])
        transfer[f_new] = had_prior & (rng.random(n_new) < TRANSFER_IN_P)
        birth[f_new, :6] = np.where(use, s_new[:, None] - ages, NO_DATE)
        join[f_new, :6] = np.where(use, 0, 10**6)
        unborn[f_new, 0] = pre
        prior[f_new, :6] = np.where(use & had_prior[:, None], nprior[:, None], 0)
        prior[f_new, 0] = np.where(pre, 0, prior[f_new, 0])
        traits.append(_trait_draws(rng, n_new * MAX_SLOTS, upn_las))
        # returning families due this month
        due = (pend_d >= ms) & (pend_d < me)
        f_all = np.concatenate([f_new, pend_f[due]])
        s_all = np.concatenate([s_new, pend_d[due]])
        pend_f, pend_d = pend_f[~due], pend_d[~due]
        n = len(f_all)
        if n == 0:
            continue
        occ = nocc[f_all].copy()
        nocc[f_all] += 1
        # the occasion: its length, what follows it, its conference and reviews
        end = _workday(s_all + _durations(rng, n, bands) - 1)
        stepdown = np.where(rng.random(n) < 0.25, 0, rng.integers(60, 366, size=n))
        ret_u = rng.random(n)
        gap = np.where(rng.random(n) < 0.45, rng.integers(30, 271, size=n),
                       rng.integers(271, 1801, size=n))
        nxt = _workday(end + gap)
        ret = ret_u < profile.return_p_at(nxt)
        cat = _choice(rng, CATEGORY_CODES, CATEGORY_P, n)
        baby = ret & (rng.random(n) < NEW_BABY_P)
        baby_in = rng.integers(14, 150, size=n)
        lag = _lags(rng, n)
        long_open = rng.random(n) < 0.30
        lead = np.where(long_open, rng.integers(20, 280, size=n), rng.integers(0, 11, size=n))
        ti_lead = rng.integers(5, 21, size=n)
        reviews = _review_draws(rng, n)
        # each child's own draws: categories, referral, closure reason, assessments
        shape = (n, MAX_SLOTS)
        own = rng.random(shape) < 0.15
        own_cat = _choice(rng, CATEGORY_CODES, CATEGORY_P, n * MAX_SLOTS).reshape(shape)
        changed = rng.random(shape) < 0.10
        new_cat = _choice(rng, CATEGORY_CODES, CATEGORY_P, n * MAX_SLOTS).reshape(shape)
        source = _choice(rng, REFERRAL_SOURCES, REFERRAL_SOURCE_P, n * MAX_SLOTS).reshape(shape)
        need = np.where(rng.random(shape) < 0.9, "N1",
                        _choice(rng, np.array(["N4", "N5", "N3", "N8"]),
                                np.array([4, 4, 1, 1.0]), n * MAX_SLOTS).reshape(shape))
        reason = _choice(rng, np.array(["RC7", "RC5", "RC4", "RC3"]),
                         np.array([85, 8, 4, 3.0]), n * MAX_SLOTS).reshape(shape)
        a_off = rng.integers(0, 4, size=shape)
        linked = rng.random(shape) < 0.88
        auth_u = rng.random(shape)
        unlinked = rng.integers(1, 26, size=shape)
        init_off = rng.integers(0, 4, size=shape)
        init_len = rng.integers(5, 46, size=shape)
        # a returning family may bring a new (unborn) baby to its next plan
        for f, when, o, days in zip(f_all[baby], nxt[baby], occ[baby], baby_in[baby],
                                    strict=True):
            free = np.flatnonzero(birth[f] == NO_DATE)
            if len(free):
                j = free[0]
                birth[f, j] = when + int(days)
                join[f, j] = o + 1
                unborn[f, j] = True
        # who is on this plan: joined by now, born or due within ~5 months, and at least a
        # year from 18 (a plan that would outlast the 18th birthday ends the day before it)
        b = birth[f_all]
        b18 = np.where(b < NO_DATE, _add_months(np.minimum(b, _day("2200-01-01")), 216) - 1,
                       NO_DATE)
        mask = (join[f_all] <= occ[:, None]) & (b < NO_DATE) & (b - s_all[:, None] <= 150)
        mask &= s_all[:, None] < b18 - 365
        p_end = np.minimum(end[:, None], np.where(mask, _workday(
            np.minimum(b18, _day("2200-01-01")), roll="backward"), NO_DATE))
        # the child's episode goes on into the family's next plan: the family came back while
        # the child was still on a CIN plan, and the child will be on that plan too
        # (not after a transfer-in conference: that episode's conference is at episode level,
        # and a plan from an enquiry in the same episode would be checked against it, 2885)
        cont = mask & (ret & (gap < stepdown + 30) & ~(transfer[f_all] & (occ == 0)))[:, None] \
            & (nxt[:, None] < b18 - 365) & (p_end == end[:, None])
        kids = mask.sum(axis=1)
        keep = kids > 0
        np.add.at(delta, s_all[keep] - t0, kids[keep])
        ends = p_end[mask & keep[:, None]]
        np.add.at(delta, np.minimum(ends - t0, horizon), -1)
        pend_f = np.concatenate([pend_f, f_all[keep & ret]])
        pend_d = np.concatenate([pend_d, nxt[keep & ret]])
        o_idx = sum(len(x["fam"]) for x in occs) + np.arange(n)
        occs.append({"fam": f_all, "occ": occ, "start": s_all, "end": end, "cat": cat,
                     **{"review_" + k: v for k, v in reviews.items()}})
        oi, slot = np.nonzero(mask & keep[:, None])
        init_cat = np.where(own[oi, slot], own_cat[oi, slot], cat[oi])
        m_rows = len(oi)
        fam_of = f_all[oi]
        rows.append({
            "occasion": o_idx[oi], "fam": fam_of, "slot": slot, "occ": occ[oi],
            "start": s_all[oi], "end": p_end[oi, slot], "stepdown": stepdown[oi],
            "cont": cont[oi, slot], "next": nxt[oi], "lag": lag[oi], "returns": ret[oi],
            "transfer": transfer[fam_of] & (occ[oi] == 0), "long_open": long_open[oi],
            "lead": lead[oi], "ti_lead": ti_lead[oi], "init_cat": init_cat,
            "latest_cat": np.where(changed[oi, slot], new_cat[oi, slot], init_cat),
            "source": source[oi, slot], "need": need[oi, slot], "reason": reason[oi, slot],
            "a_off": a_off[oi, slot], "linked": linked[oi, slot], "auth_u": auth_u[oi, slot],
            "unlinked": unlinked[oi, slot], "init_off": init_off[oi, slot],
            "init_len": init_len[oi, slot],
            **{"factor_" + k: v for k, v in _factor_draws(rng, m_rows, True).items()},
            **{"init_factor_" + k: v for k, v in _factor_draws(rng, m_rows, False).items()},
        })
    fam_traits = {k: v.reshape((-1, MAX_SLOTS) + v.shape[1:]) for k, v in _traits(
        {k: np.concatenate([t[k] for t in traits]) for k in traits[0]}).items()}
    occ_all = {k: np.concatenate([o[k] for o in occs]) for k in occs[0]}
    occ_all["reviews"] = _reviews({k: occ_all.pop("review_" + k) for k in ("late", "early",
                                                                         "delay")},
                                  occ_all["start"], occ_all["end"])
    out = {k: np.concatenate([r[k] for r in rows]) for k in rows[0]}
    n_rows = len(out["start"])
    for name, cat in (("factor", out["init_cat"]), ("init_factor", "")):
        draws = {k: out.pop(f"{name}_{k}") for k in ("draw", "dv", "which", "add_cat", "none")}
        out[name + "s"] = _factors(draws, np.broadcast_to(cat, n_rows),
                                   np.zeros(n_rows, dtype=bool))
    return {"occ": occ_all, "rows": out, "birth": birth[:nfam], "unborn": unborn[:nfam],
            "prior": prior[:nfam], "traits": fam_traits}


def _simulate_cin(seed: int, t1: int, scale: float, profile: Profile = DEFAULT_PROFILE
                  ) -> dict:
    """Children in need who never reach a plan: first referrals month by month from
    SIM_START to t1, each child's later episodes drawn with the first (stream
    (seed, _CIN, month); their assessments' factors from (seed, _CIN_FACTORS,
    month)). Kinds: 0 no further action, 1 assessed and closed (some after a
    section 47 enquiry), 2 a CIN plan for months."""
    mdays = _months(t1)
    per_year = profile.non_cp_episodes_per_year
    per_year = NON_CP_EPISODES_PER_YEAR * scale if per_year is None else per_year
    lam = per_year * (1 - RE_REFERRAL_P) / 12
    upn_las = np.array(profile.upn_las)
    parts: list[dict[str, np.ndarray]] = []
    for m in range(len(mdays) - 1):
        rng = np.random.default_rng([seed, _CIN, m])
        n = int(rng.poisson(lam))
        shape = (n, MAX_EPISODES)
        k = n * MAX_EPISODES
        parts.append({
            "month": np.full(n, m),
            "ref": _workday(rng.integers(mdays[m], mdays[m + 1], size=n)),  # working days
            "age": rng.integers(1, int(17.5 * YEAR), size=n),
            **_trait_draws(rng, n, upn_las),
            "kind": rng.choice(3, size=shape, p=[0.10, 0.40, 0.50]),
            "a_off": rng.integers(0, 6, size=shape),
            "a_len": rng.integers(5, 46, size=shape),
            "s47": rng.random(shape) < 0.30,  # of kind 1: S47s with no plan (C4: ~410 a year)
            "s47_off": rng.integers(0, 4, size=shape),
            "icpc": rng.random(shape) < 0.17,
            "lag": _lags(rng, k, most=25).reshape(shape),
            "close_off": rng.integers(0, 11, size=shape),
            "cin_len": np.minimum(rng.exponential(500, size=shape).astype(np.int64) + 30, 2000),
            "again": rng.random(shape) < RE_REFERRAL_P,
            "re_gap": rng.integers(30, 700, size=shape),
            "close_reason": _choice(rng, np.array(["RC7", "RC5", "RC4", "RC3"]),
                                    np.array([85, 8, 4, 3.0]), k).reshape(shape),
            "rc9": rng.random(shape) < 0.4,
            "source": _choice(rng, REFERRAL_SOURCES, REFERRAL_SOURCE_P, k).reshape(shape),
            "need": _choice(rng, NEEDS, NON_CP_NEED_P, k).reshape(shape),
        })
    D = {key: np.concatenate([p[key] for p in parts]) for key in parts[0]}
    for key in ("kind", "a_off", "a_len", "s47_off", "lag", "close_off", "how_many", "exp_off"):
        D[key] = D[key].astype(np.int8)  # small numbers: a national-sized run fits in memory
    for key in ("cin_len", "re_gap"):
        D[key] = D[key].astype(np.int16)
    n = len(D["ref"])
    ref = D["ref"].copy()
    birth = ref - D["age"]
    b18 = _add_months(birth, 216) - 1
    rc9_from = _day("2022-04-01")
    alive = np.ones(n, dtype=bool)
    cols: dict[str, list] = {key: [] for key in (
        "child", "n", "ref", "kind", "a_start", "auth", "s47", "s47_start", "icpc", "close",
        "reason", "source", "need")}
    for e in range(MAX_EPISODES):
        i = np.flatnonzero(alive)
        if not len(i):
            break
        r, kd = ref[i], D["kind"][i, e]
        a_start = r + D["a_off"][i, e]
        auth = a_start + D["a_len"][i, e]
        has47 = (kd == 1) & D["s47"][i, e]
        held = has47 & D["icpc"][i, e]
        s47d = _workday(a_start + D["s47_off"][i, e])
        conf = np.where(held, _workday(s47d, D["lag"][i, e]), NO_DATE)
        # an enquiry whose conference is after 31 March starts within YEAR_END_WORKING_DAYS
        # of it, as no conference is overdue at the year end (8675Q)
        ye = _year_end(s47d)
        late_start = _workday(ye, -YEAR_END_WORKING_DAYS, roll="backward")
        s47d = np.where(held & (conf > ye), np.maximum(s47d, late_start), s47d)
        # the assessment is authorised after the enquiry starts and, where a conference is
        # held, on or after it (so the return holding the enquiry holds it too)
        close_off = D["close_off"][i, e]
        auth = np.where(has47, np.maximum(auth, s47d + 1), auth)
        auth = np.where(held, conf + close_off // 2, auth)
        close = np.select(
            [kd == 0, (kd == 1) & ~has47, kd == 1],
            [r, auth, np.maximum(auth, np.where(held, conf, 0)) + close_off],
            auth + D["cin_len"][i, e])
        capped = close > b18[i]
        close = np.where(capped, np.maximum(b18[i], np.where(kd == 0, r, auth) + 1), close)
        why = np.select(
            [kd == 0, (kd == 1) & ~has47, capped & (kd == 2)],
            [np.full(len(i), "RC7"), np.where((auth >= rc9_from) & D["rc9"][i, e], "RC9", "RC8"),
             np.full(len(i), "RC6")], D["close_reason"][i, e])
        for key, v in (("child", i), ("n", np.full(len(i), e)), ("ref", r), ("kind", kd),
                       ("a_start", a_start), ("auth", auth), ("s47", has47),
                       ("s47_start", s47d), ("icpc", conf), ("close", close), ("reason", why),
                       ("source", D["source"][i, e]), ("need", D["need"][i, e])):
            cols[key].append(v)
        nref = _workday(close + D["re_gap"][i, e])
        alive[i] = D["again"][i, e] & (nref < b18[i] - 60)
        ref[i] = nref
    ep = {key: np.concatenate(v) for key, v in cols.items()}
    # assessment factors: each month's children's assessments from the month's own stream
    assessed = ep["kind"] > 0
    order = np.lexsort((ep["n"], ep["child"]))
    asked = order[assessed[order]]
    month_of = D["month"][ep["child"][asked]]
    counts = np.bincount(month_of, minlength=len(parts))
    draws = [_factor_draws(np.random.default_rng([seed, _CIN_FACTORS, m]), int(counts[m]), False)
             for m in range(len(parts))]
    ep["factors"] = np.full(len(ep["kind"]), "", dtype=object)
    ep["factors"][asked] = _factors(
        {key: np.concatenate([d[key] for d in draws]) for key in draws[0]},
        np.full(len(asked), ""), ((ep["kind"] == 1) & ~ep["s47"])[asked])
    return {"ep": ep, "traits": _traits({key: D[key] for key in (
        "sex", "ethnicity", "disabled", "how_many", "rank", "no_upn", "reason", "upn_la",
        "exp_off")}), "birth": birth}


def _id_numbers(seed: int, numbers: np.ndarray, scale: float) -> np.ndarray:
    """`SYN` ids: a child's number (fixed by when it first appears) scrambled one to one."""
    width = max(6, len(str(int(100_000 * scale))))
    if len(numbers) and numbers.max() >= 10**width:
        raise ValueError("too many children for the id width; use a larger children_scale")
    a, b = np.random.default_rng([seed, _IDS, 0]).integers(1, 10**5, size=2)
    a = a * 10 + 7  # odd and not a multiple of 5: a bijection modulo 10**width
    ids = (numbers.astype(np.int64) * a + b) % 10**width
    return np.char.add("SYN", np.char.zfill(ids.astype(str), width)).astype(object)


def generate(
    seed: int = DEFAULT_SEED,
    start_year: int = 2016,
    end_year: int = 2019,
    children_scale: float = 1.0,
    data_to: dt.date | None = None,
    profile: Profile = DEFAULT_PROFILE,
) -> Council:
    """Simulate a council's history from SIM_START up to `data_to`.

    Years are collection years (year ending 31 March): 2016 is 2015-16.
    `data_to` defaults to 31 March `end_year`; nothing happens after it.
    `children_scale` multiplies every volume (100 is about England's size).
    Deterministic for a seed; the history up to a date does not depend on the
    years asked for (`start_year` and `end_year` only say which files to write).
    `profile` says which council it is and what it is calibrated to (default
    LA 358, Trafford).
    """
    if end_year < start_year:
        raise ValueError(f"end year {end_year} is before start year {start_year}")
    if start_year < FIRST_YEAR:
        raise ValueError(f"start year {start_year} is before {FIRST_YEAR}, the first the"
                         " synthetic council has 8 years of history for")
    if children_scale <= 0:
        raise ValueError("children_scale must be positive")
    data_to = data_to or dt.date(end_year, 3, 31)
    t1 = _day(data_to)
    sim = _simulate_plans(seed, t1 + LOOKAHEAD_DAYS, children_scale, profile)
    cin = _simulate_cin(seed, t1, children_scale, profile)
    R = sim["rows"]

    # ---- CP children and their plans: rows sorted by child, then start -----------------------
    key = R["fam"] * MAX_SLOTS + R["slot"]
    order = np.lexsort((R["start"], key))
    R = {k: v[order] for k, v in R.items()}
    key = key[order]
    uniq, child_of = np.unique(key, return_inverse=True)
    n_cp = len(uniq)
    cf, cs = uniq // MAX_SLOTS, uniq % MAX_SLOTS
    cp_birth = sim["birth"][cf, cs]
    cp_unborn = sim["unborn"][cf, cs].copy()
    cp_prior = sim["prior"][cf, cs]
    n_p = len(child_of)
    idx = np.arange(n_p)
    first = np.ones(n_p, dtype=bool)
    first[1:] = child_of[1:] != child_of[:-1]
    rank = idx - np.maximum.accumulate(np.where(first, idx, 0))
    prev_plans = cp_prior[child_of] + rank
    T, end = R["start"], R["end"]
    prev = np.maximum(idx - 1, 0)
    # episodes: a plan continues its child's episode when the previous plan said so (`cont`)
    bounce = ~first & R["cont"][prev]
    new_ep = ~bounce
    ep_of_plan = np.cumsum(new_ep) - 1
    last = np.ones(n_p, dtype=bool)
    last[:-1] = new_ep[1:]  # the plan is the last of its episode
    b18 = _add_months(cp_birth[child_of], 216) - 1
    close_raw = end + R["stepdown"]
    # a transfer-in family that comes back while on a CIN plan starts a new episode (see
    # `cont`): the first closes at least 45 days before the next plan
    close_raw = np.where(R["transfer"] & R["returns"],
                         np.minimum(close_raw, np.maximum(end, R["next"] - 45)), close_raw)
    capped = last & (close_raw > b18)
    close_p = np.where(last, np.where(capped, np.maximum(end, b18), close_raw), NO_DATE)
    close_p = np.where(last & R["cont"], NO_DATE, close_p)  # goes on past the simulation
    prev_close = np.where(first, -NO_DATE, close_p[prev])
    # the enquiry: lag working days before the conference, after the previous plan ended (and
    # after the previous episode closed), never straddling 31 March with its conference overdue
    transfer = R["transfer"] & first
    s47 = _workday(T, -R["lag"])
    s47 = np.where(bounce, np.maximum(s47, _workday(end[prev] + 1)), s47)
    after = np.where(~first & ~bounce & (prev_close < NO_DATE), prev_close, 0)
    s47 = np.where(~first & ~bounce, np.maximum(s47, _workday(after + 1)), s47)
    ye = _year_end(s47)
    s47 = np.where(T > ye, np.maximum(s47, _workday(ye, -YEAR_END_WORKING_DAYS, roll="backward")),
                   s47)
    s47 = np.minimum(s47, T)
    # referral: just before the enquiry, or months before (a CIN episode already open);
    # transfer-in families a few days before their conference; never before the child's
    # previous episode closed, and (unborn or newborn children) not long before the birth
    young = cp_birth[child_of] > T - 60
    lead = np.where(young, np.minimum(R["lead"], 60), R["lead"])
    ref_p = np.where(transfer, T - R["ti_lead"], s47 - lead)
    ref_p = np.where(~first, np.maximum(ref_p, prev_close + 1), ref_p)
    ref_p = np.maximum(ref_p, cp_birth[child_of] - 250)  # 8606, 8530Q: not long before birth
    ref_p = np.minimum(_workday(ref_p), np.where(transfer, T, s47))  # on a working day
    ep_first_plan = np.flatnonzero(new_ep)
    ep_ref = ref_p[ep_first_plan]
    ep_child = child_of[ep_first_plan]
    ref_of_plan = ep_ref[ep_of_plan]
    # a child referred before birth is known first by an expected date of birth
    cp_unborn[ep_child[ep_ref < cp_birth[ep_child]]] = True
    # assessments: an initial one at the referral of a long-open episode, then one with each
    # enquiry (or transfer-in), authorised on or before the conference (linked) or after it
    init = new_ep & ~transfer & R["long_open"]
    i_start = ref_p + R["init_off"]
    i_auth = i_start + R["init_len"]
    base = np.where(transfer, ref_p + R["a_off"], s47 - R["a_off"])
    init &= i_auth < base - 1
    a_low = np.select([init, bounce], [i_auth + 1, end[prev] + 1], ref_of_plan)
    a_start = np.minimum(np.maximum(base, a_low), T - 1)
    lo = np.maximum(a_start + 1, _add_months(_year_end(T) + 1, -12))  # 1 April before T
    hi = np.minimum(T, a_start + 60)
    linked_auth = lo + np.floor(R["auth_u"] * (hi - lo + 1)).astype(np.int64)
    late_auth = np.minimum(T + R["unlinked"], np.minimum(end, a_start + 60))
    a_auth = np.where(R["linked"] | transfer | (late_auth <= T), linked_auth, late_auth)

    # ---- other children in need --------------------------------------------------------------
    ce = cin["ep"]
    n_kids = len(cin["birth"])
    n_ep_n = len(ce["ref"])

    # ---- all children: ids fixed by when each first appears -----------------------------------
    number = np.concatenate([2 * uniq, 2 * np.arange(n_kids) + 1])
    child_id = _id_numbers(seed, number, children_scale)
    tr_cp = {k: v[cf, cs] for k, v in sim["traits"].items()}
    tr = {k: np.concatenate([tr_cp[k], cin["traits"][k]]) for k in tr_cp}
    birth_all = np.concatenate([cp_birth, cin["birth"]])
    unborn_all = np.concatenate([cp_unborn, np.zeros(n_kids, dtype=bool)])
    expected = np.where(unborn_all, birth_all + tr["exp_off"], NO_DATE)
    child = {"child_id": child_id, "birth_date": birth_all, "expected_birth_date": expected,
             "sex": tr["sex"], "ethnicity": tr["ethnicity"], "disability": tr["disability"],
             "upn": _upns(number, birth_all, tr["upn_la"], seed),
             "upn_unknown": tr["upn_reason"],
             "family": np.concatenate([cf, np.full(n_kids, -1)])}

    # ---- tables: CP rows first, then the rest; dates after data_to are NO_DATE -----------------
    def cut(days: np.ndarray) -> np.ndarray:
        return np.where(days > t1, NO_DATE, days)

    n_ep_cp = len(ep_first_plan)
    n_ids = n_ep_cp + np.arange(n_ep_n)
    ep_close = close_p[np.flatnonzero(last)]
    ep_reason = np.where(capped, "RC6", R["reason"])[np.flatnonzero(last)]
    ep_keep = np.concatenate([ep_ref <= t1, ce["ref"] <= t1])
    episode = {
        "episode": np.concatenate([np.arange(n_ep_cp), n_ids]),
        "child": np.concatenate([ep_child, n_cp + ce["child"]]),
        "referral_date": np.concatenate([ep_ref, ce["ref"]]),
        "referral_source": np.concatenate([R["source"][ep_first_plan], ce["source"]]),
        "primary_need": np.concatenate([R["need"][ep_first_plan], ce["need"]]),
        "closure_date": cut(np.concatenate([ep_close, ce["close"]])),
        "reason_for_closure": np.concatenate([ep_reason, ce["reason"]]),
        "date_of_initial_cpc": cut(np.concatenate([np.where(transfer, T, NO_DATE)[ep_first_plan],
                                                   np.full(n_ep_n, NO_DATE)])),
        "referral_nfa": np.concatenate([np.zeros(n_ep_cp, dtype=bool), ce["kind"] == 0]),
    }
    episode = {k: v[ep_keep] for k, v in episode.items()}
    n_assessed = ce["kind"] > 0
    a_ep = np.concatenate([ep_of_plan[init], ep_of_plan, n_ids[n_assessed]])
    assessment = {
        "episode": a_ep,
        "child": np.concatenate([child_of[init], child_of, n_cp + ce["child"][n_assessed]]),
        "actual_start_date": np.concatenate([i_start[init], a_start, ce["a_start"][n_assessed]]),
        "authorisation_date": cut(np.concatenate([i_auth[init], a_auth,
                                                  ce["auth"][n_assessed]])),
        "factors": np.concatenate([R["init_factors"][init], R["factors"],
                                   ce["factors"][n_assessed]]),
    }
    assessment = {k: v[assessment["actual_start_date"] <= t1] for k, v in assessment.items()}
    has47 = ~transfer
    s_start = np.concatenate([s47[has47], ce["s47_start"][ce["s47"]]])
    s_conf = np.concatenate([T[has47], ce["icpc"][ce["s47"]]])
    section47 = {
        "episode": np.concatenate([ep_of_plan[has47], n_ids[ce["s47"]]]),
        "child": np.concatenate([child_of[has47], n_cp + ce["child"][ce["s47"]]]),
        "start_date": s_start,
        "initial_cpc_target": _workday(s_start, 15),
        "date_of_initial_cpc": cut(s_conf),
        "icpc_not_required": s_conf >= NO_DATE,
    }
    section47 = {k: v[s_start <= t1] for k, v in section47.items()}
    # CIN plans: from a plan's end to the next plan in the episode (bounce) or the closure
    nxt_start = np.where(last, NO_DATE, np.concatenate([T[1:], [NO_DATE]]))
    cinp_end = np.where(last, np.where(R["cont"], R["next"], close_p), nxt_start)
    has_cinp = cinp_end > end
    kind2 = ce["kind"] == 2
    cin_plan = {
        "episode": np.concatenate([ep_of_plan[has_cinp], n_ids[kind2]]),
        "child": np.concatenate([child_of[has_cinp], n_cp + ce["child"][kind2]]),
        "start_date": np.concatenate([end[has_cinp], ce["auth"][kind2]]),
        "end_date": cut(np.concatenate([cinp_end[has_cinp], ce["close"][kind2]])),
    }
    cin_plan = {k: v[cin_plan["start_date"] <= t1] for k, v in cin_plan.items()}
    keep_p = T <= t1
    plan = {
        "episode": ep_of_plan[keep_p],
        "child": child_of[keep_p],
        "start_date": T[keep_p],
        "end_date": cut(end[keep_p]),
        "initial_category": R["init_cat"][keep_p],
        "latest_category": R["latest_cat"][keep_p],
        "previous_plans": prev_plans[keep_p],
        "family_returns": R["returns"][keep_p],  # false: the child's last plan ever
    }
    # reviews: the occasion's, before this child's plan ends and by data_to
    rv = sim["occ"]["reviews"][R["occasion"][keep_p]]
    p_idx, r_idx = np.nonzero((rv < end[keep_p, None]) & (rv <= t1))
    review = {"plan": p_idx, "child": plan["child"][p_idx], "review_date": rv[p_idx, r_idx]}
    return Council(seed, start_year, end_year, children_scale, data_to, child, episode,
                   assessment, section47, cin_plan, plan, review, profile)


# ---- writing the yearly returns --------------------------------------------------------------

#: faults planted in each file: name -> (what it is, does the file still validate against its
#: XSD, the rule `cpmetrics validate` reports it by: DfE's number, or a local code for a check
#: DfE leaves to the XSD or to councils)
FAULTS: dict[str, tuple[str, bool, str]] = {
    "missing_plan_end": ("CPPendDate left out of a plan whose episode is closed", True, "L11"),
    "missing_closure_date": ("ReasonForClosure given but CINclosureDate left out", True, "8810"),
    "duplicate_plan": ("the same ChildProtectionPlans block written twice", True, "L03"),
    "category_not_in_list": ("LatestCategoryOfAbuse 'NEGLECT', not a code in the list", False,
                             "8910"),
    "factor_not_in_list": ("AssessmentFactors '3D' (a referral-source code), not a factor",
                           False, "L10"),
    "assessment_after_closure": ("AssessmentAuthorisationDate after its episode's closure",
                                 True, "8565"),
}
#: a plan left open in one return and absent from the next (cpmetrics' continuity check) is
#: also reported when the next year's return is written beside it
CONTINUITY_RULE = "L20"
#: not a fault: a part-year return (cut before 31 March) holds enquiries still waiting for
#: their conference, some more than 15 working days after they began (8675Q, counted to the
#: last date the return records); listed in the manifest as what `validate` will report
OVERDUE = ("overdue_at_data_end", "8675Q")
#: manifest columns; `line` is the faulty element's, or for a missing one the line it should
#: follow; one row per fault and rule it breaks
FAULT_COLUMNS = ("file", "line", "child_id", "fault", "rule", "element", "xsd_valid", "detail")


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


def _last_of_child(child: np.ndarray, start: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Of `rows` (indexes into child/start), those that are their child's latest by start."""
    if not len(rows):
        return rows
    order = rows[np.lexsort((start[rows], child[rows]))]
    last = np.ones(len(order), dtype=bool)
    last[:-1] = child[order][1:] != child[order][:-1]
    return order[last]


def _render_year(council: Council, year: int, faults: bool, fh) -> list[dict]:
    """Write one year's return to the text file `fh`; the faults planted in it."""
    info = _schema_info(year)
    ys = _day(dt.date(year - 1, 4, 1))
    ref_day = _day(dt.date(year, 3, 31))
    cut = min(ref_day, _day(council.data_to))
    E, A, S, C, P, R = (council.episode, council.assessment, council.section47,
                        council.cin_plan, council.plan, council.review)
    ch = council.child
    # what the return holds: episodes open at some point in the year, and in them the
    # assessments, S47s, CIN plans and CP plans open or done in the year, as known at `cut`
    e_keep = (E["referral_date"] <= cut) & (E["closure_date"] >= ys)
    ep_sel = np.flatnonzero(e_keep)
    ep_sel = ep_sel[np.lexsort((E["referral_date"][ep_sel], ch["child_id"][E["child"][ep_sel]]))]
    eps = E["episode"][ep_sel]
    a_idx, a_lo, a_hi = _grouped(A["episode"], (A["actual_start_date"] <= cut)
                                 & (A["authorisation_date"] >= ys), A["actual_start_date"], eps)
    # an enquiry is done at its conference, or at its start when no conference is needed
    s_last = np.where(S["date_of_initial_cpc"] < NO_DATE, S["date_of_initial_cpc"],
                      np.where(S["icpc_not_required"], S["start_date"], NO_DATE))
    s_idx, s_lo, s_hi = _grouped(S["episode"], (S["start_date"] <= cut) & (s_last >= ys),
                                 S["start_date"], eps)
    c_idx, c_lo, c_hi = _grouped(C["episode"], (C["start_date"] <= cut) & (C["end_date"] >= ys)
                                 & info.cin_plan_dates, C["start_date"], eps)
    p_idx, p_lo, p_hi = _grouped(P["episode"], (P["start_date"] <= cut) & (P["end_date"] >= ys),
                                 P["start_date"], eps)
    # reviews held in the return's own year, by plan
    r_keep = np.flatnonzero((R["review_date"] >= ys) & (R["review_date"] <= cut))
    r_keep = r_keep[np.lexsort((R["review_date"][r_keep], R["plan"][r_keep]))]
    r_plan = R["plan"][r_keep]
    r_iso = _iso(R["review_date"][r_keep])

    def iso(table: str, column: str, rows: np.ndarray, upto: int = NO_DATE) -> np.ndarray:
        """A date column as ISO strings for the file's rows (by index into the table), ''
        for other rows and for dates after `upto`."""
        days = getattr(council, table)[column]
        out = np.full(len(days), "", dtype=object)
        rows = rows[days[rows] <= upto]
        out[rows] = _iso(days[rows])
        return out

    e_ref = iso("episode", "referral_date", ep_sel)
    e_close = iso("episode", "closure_date", ep_sel, cut)
    e_icpc = iso("episode", "date_of_initial_cpc", ep_sel, cut)  # in every return holding it
    a_start = iso("assessment", "actual_start_date", a_idx)
    a_auth = iso("assessment", "authorisation_date", a_idx, cut)
    s_start = iso("section47", "start_date", s_idx)
    s_target = iso("section47", "initial_cpc_target", s_idx)
    s_icpc = iso("section47", "date_of_initial_cpc", s_idx, cut)
    c_start, c_end = iso("cin_plan", "start_date", c_idx), iso("cin_plan", "end_date", c_idx, cut)
    p_start, p_end = iso("plan", "start_date", p_idx), iso("plan", "end_date", p_idx, cut)
    birth = ch["birth_date"]
    born = birth <= cut
    kids = np.unique(E["child"][ep_sel])
    b_iso = iso("child", "birth_date", kids[born[kids]])
    exp_iso = iso("child", "expected_birth_date", kids[~born[kids]])
    if info.sex_element == "Sex":
        sex = np.where(born, np.where(ch["sex"] == "1", "M", "F"), "U")
    else:
        sex = np.where(born, ch["sex"], "0")
    # a UPN from the age of 4 (UN1 before), unless the child has none and a reason why
    school_age = born & (birth <= _add_months(np.array([ref_day]), -12 * UPN_AGE)[0])
    upn_line = np.where(school_age & (ch["upn_unknown"] == ""),
                        "        <UPN>" + ch["upn"] + "</UPN>",
                        "        <UPNunknown>" + np.where(school_age, ch["upn_unknown"], "UN1")
                        + "</UPNunknown>")
    dis_line = {}
    factor_ok = info.factors
    factor_lines: dict[str, list[str]] = {}

    def factor_codes(text: str) -> list[str]:
        got = factor_lines.get(text)
        if got is None:
            codes = text.split(",")
            if year < 2021:
                codes = [_OLD_FACTOR.get(c, c) for c in codes]
            codes = [c for c in dict.fromkeys(codes) if c in factor_ok] or ["20"]
            got = factor_lines[text] = [f"            <AssessmentFactors>{c}</AssessmentFactors>"
                                        for c in codes]
        return got

    # faults, chosen reproducibly for this seed and year
    plan_fault: dict[int, str] = {}
    ep_fault: dict[int, str] = {}
    ass_fault: dict[int, str] = {}
    late_auth: dict[int, int] = {}
    if faults:
        rng = np.random.default_rng([council.seed, year])
        m = max(1, round(council.children_scale))
        taken: set = set()
        # plans that ended in the year: no later return holds them, so the fault is the one
        # the merged history keeps; and not an open plan (its copy would be a second open one)
        ended_in = p_idx[(P["end_date"][p_idx] <= cut) & (P["end_date"][p_idx] >= ys)]
        closure_of = dict(zip(E["episode"][ep_sel], E["closure_date"][ep_sel], strict=True))
        # left open: the child's last plan ever (the family does not come back, so no later
        # return has a plan it would overlap), its episode closed the day it ended (no CIN
        # plan after it that would look concurrent) or no CIN plans in this schema
        last_plans = p_idx[~P["family_returns"][p_idx]]
        open_ok = np.array([
            i for i in ended_in
            if P["episode"][i] in closure_of and closure_of[P["episode"][i]] <= cut
            and (not info.cin_plan_dates or closure_of[P["episode"][i]] == P["end_date"][i])
        ], dtype=np.int64)
        open_ok = open_ok[np.isin(open_ok, last_plans)]
        for i in _pick(rng, open_ok, m, taken):
            plan_fault[i] = "missing_plan_end"
        for i in _pick(rng, ended_in, m, taken):
            plan_fault[i] = "duplicate_plan"
        for i in _pick(rng, ended_in, m, taken):
            plan_fault[i] = "category_not_in_list"
        # episodes closed in the year, the child's latest in the file, with no planted plan
        closed = ep_sel[(E["closure_date"][ep_sel] <= cut)
                        & ~np.isin(E["episode"][ep_sel], P["episode"][list(plan_fault)])]
        closed = closed[np.isin(closed, _last_of_child(E["child"], E["referral_date"], ep_sel))]
        ep_taken: set = set()
        for i in _pick(rng, closed, m, ep_taken):
            ep_fault[i] = "missing_closure_date"
        factored = a_idx[(A["authorisation_date"][a_idx] <= cut)
                         & (A["factors"][a_idx] != "21")]  # 21 stands alone (8869)
        a_taken: set = set()
        for i in _pick(rng, factored, m, a_taken):
            ass_fault[i] = "factor_not_in_list"
        # an authorisation moved past the closure of an episode with no plan, its last
        # assessment, the episode closed at least a day before the cut
        no_plan = ~np.isin(E["episode"][closed], P["episode"])
        roomy = closed[no_plan & (E["closure_date"][closed] < cut)
                       & ~np.isin(closed, list(ep_fault))]
        last_a = _last_of_child(A["episode"], A["actual_start_date"], a_idx)
        last_a = last_a[np.isin(A["episode"][last_a], E["episode"][roomy])
                        & (A["authorisation_date"][last_a] <= cut)]
        for i in _pick(rng, last_a, m, a_taken):
            ass_fault[i] = "assessment_after_closure"
            close = closure_of[A["episode"][i]]
            late_auth[i] = close + int(rng.integers(1, min(14, cut - close) + 1))

    # a part-year return: enquiries with no conference yet, more than 15 working days old at
    # the last date the return records
    overdue: set[int] = set()
    last_day = cut
    if cut < ref_day:
        dates = [E["referral_date"][ep_sel], E["closure_date"][ep_sel],
                   E["date_of_initial_cpc"][ep_sel], A["actual_start_date"][a_idx],
                   A["authorisation_date"][a_idx], S["start_date"][s_idx],
                   S["date_of_initial_cpc"][s_idx], C["start_date"][c_idx], C["end_date"][c_idx],
                   P["start_date"][p_idx], P["end_date"][p_idx], R["review_date"][r_keep],
                   np.array(list(late_auth.values()), dtype=np.int64)]
        last_day = max(int(d[d <= cut].max()) for d in dates if (d <= cut).any())
        waiting = s_idx[(S["date_of_initial_cpc"][s_idx] > cut) & ~S["icpc_not_required"][s_idx]]
        days = np.busday_count(EPOCH + (S["start_date"][waiting] + 1).astype("timedelta64[D]"),
                               EPOCH + np.timedelta64(last_day + 1, "D"), busdaycal=_calendar())
        overdue = set(waiting[days > 15].tolist())
    last_iso = _iso(np.array([last_day]))[0]

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
        f"      <LEA>{council.profile.la}</LEA>",
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
                      "child_id": ch["child_id"][child], "fault": fault,
                      "rule": FAULTS[fault][2], "element": element,
                      "xsd_valid": FAULTS[fault][1], "detail": detail})

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
        lo, hi = np.searchsorted(r_plan, i, "left"), np.searchsorted(r_plan, i, "right")
        if hi > lo:
            add("          <Reviews>")
            for r in r_iso[lo:hi]:
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
        add(upn_line[c])
        if b_iso[c]:
            add(f"        <PersonBirthDate>{b_iso[c]}</PersonBirthDate>")
        else:
            add(f"        <ExpectedPersonBirthDate>{exp_iso[c]}</ExpectedPersonBirthDate>")
        add(f"        <{info.sex_element}>{sex[c]}</{info.sex_element}>")
        add("      </ChildIdentifiers>")
        add("      <ChildCharacteristics>")
        add(f"        <Ethnicity>{ch['ethnicity'][c]}</Ethnicity>")
        dis = ch["disability"][c] or "NONE"
        if dis not in dis_line:
            dis_line[dis] = ("        <Disabilities>" + "".join(
                f"<Disability>{d}</Disability>" for d in dis.split(",")) + "</Disabilities>")
        add(dis_line[dis])
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
                    late = ass_fault.get(a) == "assessment_after_closure"
                    auth = _iso(np.array([late_auth[a]]))[0] if late else a_auth[a]
                    add(f"          <AssessmentAuthorisationDate>{auth}"
                        "</AssessmentAuthorisationDate>")
                    if late:
                        note(c, "assessment_after_closure", "AssessmentAuthorisationDate",
                             f"authorised {auth}, episode closed {e_close[e]} (truly {a_auth[a]})")
                    add("          <FactorsIdentifiedAtAssessment>")
                    lines.extend(factor_codes(A["factors"][a]))
                    if ass_fault.get(a) == "factor_not_in_list":
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
                if i in overdue:
                    found.append({"file": name, "line": written + len(lines),
                                  "child_id": ch["child_id"][c], "fault": OVERDUE[0],
                                  "rule": OVERDUE[1], "element": "Section47", "xsd_valid": True,
                                  "detail": "not planted: no conference by " + last_iso
                                  + ", the last date this part-year return records"})
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
    written empty), so every file validates against its year's XSD. A plan left
    open by a fault is listed twice when the next year's file is written too:
    by its own rule and as a plan the next return does not hold.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths, manifest = [], []
    years = [y for y in range(council.start_year, council.end_year + 1)
             if dt.date(y - 1, 4, 1) <= council.data_to]
    for year in years:
        path = out / census_file_name(year)
        with open(path, "w", encoding="utf-8", newline="\n") as fh:
            found = _render_year(council, year, faults, fh)
        paths.append(path)
        for row in found:
            manifest.append(row)
            if row["fault"] == "missing_plan_end" and year + 1 in years:
                manifest.append({**row, "rule": CONTINUITY_RULE,
                                 "detail": row["detail"] + "; not in the next year's return"})
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
    profile: Profile = DEFAULT_PROFILE,
) -> list[Path]:
    """Simulate a council and write its yearly CIN census returns to `out_dir`.

    One file per collection year, `cin_census_YYYY.xml` (year ending 31 March),
    plus `faults.csv` listing the planted data-quality faults. Returns the XML
    files. See `generate` for the arguments.
    """
    council = generate(seed, start_year, end_year, children_scale, data_to, profile)
    return write_council(council, out_dir, faults)
