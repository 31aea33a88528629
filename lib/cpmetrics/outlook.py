"""Year-end outlook: where this financial year's re-plan and long-plan shares will end, on current
trends, with an 80% interval, and how often such intervals held the final figure in the past.

Two measures, each a share of plans counted over the financial year (1 April to
31 March): `starts_second_or_subsequent` (DfE D3: plans started that were a
second or subsequent plan) and `ended_2y_plus` (plans ended that had lasted 730
days or more, D5's ceased measure, LAIT `CPPlans2yrs`).

The method (docs/methods.md, "Year-end outlook"), at a reporting date D inside
the year, with `n` of `N` plans counted from 1 April to D:

1. **How many more plans by 31 March.** The plans of the rest of the year are
   Poisson with a daily rate learnt from the plans counted so far this year
   (Jeffreys prior, Gamma(N + 1/2, days elapsed)): their number is negative
   binomial.
2. **How many of them count.** The share among them is the year-to-date share
   with its uncertainty (Jeffreys prior, Beta(n + 1/2, N - n + 1/2)): their
   number is beta-binomial.
3. **Clustering.** Brothers and sisters start and end plans together, so a
   month's share varies more than a binomial count would (on the synthetic data
   at 30 September 2018, 1.5 times as much for re-plans, 2.2 for long plans). Every
   count is divided by `phi`, the Pearson dispersion of the council's own
   monthly shares in the 36 months before D (at least 1; 1 with fewer than 12
   months of history), as a quasi-binomial model does: the council is taken to
   hold `N / phi` independent families.
4. The final share is (n + phi x counted) / (N + phi x more plans); its 10th and
   90th percentiles, worked out exactly over every outcome, are the 80%
   interval, and its median the central projection.

No month-of-year pattern is modelled. `backtest` re-runs the outlook at every
month end whose year's final figure is in the data and says how often the final
figure fell inside the interval.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from cpmetrics.durations import TWO_YEARS
from cpmetrics.periods import DateLike, Period, as_date, financial_year_end, month_end
from cpmetrics.proportion import Proportion

#: the interval's coverage: the 10th to the 90th percentile
LEVEL = 0.8
#: months of history the clustering factor is estimated from, at most and at least
DISPERSION_MONTHS = 36
DISPERSION_MIN_MONTHS = 12
#: the measures projected: key -> (what the plans counted did, of which plans)
MEASURES: dict[str, tuple[str, str]] = {
    "starts_second_or_subsequent": ("were second or subsequent", "plans started"),
    "ended_2y_plus": ("had lasted 2 years or more", "plans ended"),
}
LABELS = {
    "starts_second_or_subsequent": "Plans started: second or subsequent plan",
    "ended_2y_plus": "Plans ended: lasted 2 years or more",
}
#: the counts each figure of `outlook_table` rests on (`disclosure.suppress_table(depends=...)`)
PROJECTED = ("projected", "projected_low", "projected_high")
DEPENDS = {c: ("n", "of") for c in ("pct", *PROJECTED)}


def _events(plans: pd.DataFrame, measure: str) -> pd.DataFrame:
    """(date, counts) for each plan the measure counts: the start (re-plans) or end (long)."""
    if measure == "starts_second_or_subsequent":
        return pd.DataFrame({"date": plans["start_date"], "hit": plans["is_replan"].astype(bool)})
    if measure == "ended_2y_plus":
        e = plans[plans["end_date"].notna()]
        days = (e["end_date"] - e["start_date"]).dt.days + 1
        return pd.DataFrame({"date": e["end_date"], "hit": (days >= TWO_YEARS).astype(bool)})
    raise ValueError(f"unknown measure {measure!r}: one of {', '.join(MEASURES)}")


def _count(ev: pd.DataFrame, period: Period) -> Proportion:
    s = ev[period.contains(ev["date"])]
    return Proportion(int(s["hit"].sum()), len(s))


def data_start(plans: pd.DataFrame) -> pd.Timestamp | None:
    """Where the data are taken to begin (as `survival.default_since`)."""
    from cpmetrics.survival import default_since

    return default_since(plans)


def dispersion(plans: pd.DataFrame, measure: str, at: DateLike,
               months: int = DISPERSION_MONTHS) -> tuple[float, int]:
    """How many times more the monthly shares vary than binomial chance allows, and over how
    many months (the Pearson statistic over its degrees of freedom, at least 1).

    Complete calendar months before the one holding `at`, from where the data
    begin, at most `months` of them; with fewer than `DISPERSION_MIN_MONTHS`
    months holding plans, 1 (no clustering assumed).
    """
    d = as_date(at)
    last = month_end(d) - pd.offsets.MonthEnd(1)
    first = last - pd.offsets.MonthEnd(months) + pd.Timedelta(days=1)
    start = data_start(plans)
    if start is not None and start > first:
        first = start
    ev = _events(plans, measure)
    ev = ev[(ev["date"] >= first) & (ev["date"] <= last)]
    g = ev.groupby(ev["date"].dt.to_period("M"))["hit"].agg(["sum", "size"])
    g = g[g["size"] > 0]
    if len(g) < DISPERSION_MIN_MONTHS:
        return 1.0, len(g)
    p = g["sum"].sum() / g["size"].sum()
    if p <= 0 or p >= 1:
        return 1.0, len(g)
    chi2 = (((g["sum"] - g["size"] * p) ** 2) / (g["size"] * p * (1 - p))).sum()
    return max(1.0, float(chi2 / (len(g) - 1))), len(g)


@dataclass(frozen=True)
class Outlook:
    """The projected 31 March figure of one measure, from the year to date at `at`."""

    measure: str
    at: pd.Timestamp
    year_end: pd.Timestamp
    so_far: Proportion  # counted from 1 April to `at`
    expected_more: float  # plans expected from `at` to 31 March (mean)
    centre: float | None  # median projected final %, None with no plans so far
    low: float | None  # 10th percentile
    high: float | None  # 90th percentile
    phi: float  # clustering factor used
    phi_months: int
    level: float = LEVEL

    def as_dict(self) -> dict:
        return {"measure": self.measure, "at": self.at.date().isoformat(),
                "year_end": self.year_end.date().isoformat(), **self.so_far.as_dict(),
                "expected_more": self.expected_more, "centre": self.centre, "low": self.low,
                "high": self.high, "phi": self.phi, "level": self.level}


def _final_distribution(n: int, of: int, elapsed: int, remaining: int, phi: float
                        ) -> tuple[np.ndarray, np.ndarray, float]:
    """Every possible final share (in %) with its probability, and the expected plans to come."""
    from scipy import stats
    from scipy.special import betaln, gammaln

    n_eff, of_eff = n / phi, of / phi
    # plans to come, in families: negative binomial (Poisson with a Gamma(N/phi + 1/2) rate)
    r, q = of_eff + 0.5, elapsed / (elapsed + remaining)
    kmax = int(stats.nbinom.ppf(1 - 1e-10, r, q)) + 1
    k = np.arange(kmax + 1)
    pk = stats.nbinom.pmf(k, r, q)
    # how many of them count: beta-binomial with the year to date's Beta(n/phi + 1/2, ...)
    a, b = n_eff + 0.5, of_eff - n_eff + 0.5
    kk, jj = np.meshgrid(k, k, indexing="ij")
    ok = jj <= kk
    with np.errstate(invalid="ignore"):
        log_bb = (gammaln(kk + 1) - gammaln(jj + 1) - gammaln(kk - jj + 1)
                  + betaln(jj + a, kk - jj + b) - betaln(a, b))
    weight = np.where(ok, np.exp(np.where(ok, log_bb, -np.inf)), 0.0) * pk[:, None]
    share = 100 * (n + phi * jj) / (of + phi * kk)
    return share[ok], weight[ok], float(phi * (pk * k).sum())


def _quantile(values: np.ndarray, weights: np.ndarray, q: float) -> float:
    order = np.argsort(values, kind="stable")
    v, w = values[order], weights[order]
    cum = np.cumsum(w) / w.sum()
    return float(v[min(int(np.searchsorted(cum, q, side="left")), len(v) - 1)])


def outlook(plans: pd.DataFrame, at: DateLike, measure: str = "starts_second_or_subsequent",
            phi: float | None = None, level: float = LEVEL) -> Outlook:
    """The projected final figure of the financial year holding `at` for `measure`.

    `phi` (the clustering factor) is estimated with `dispersion` unless given.
    At 31 March the year is over: the interval is the figure itself.
    """
    d = as_date(at)
    ev = _events(plans, measure)
    year = Period.ending(d)
    end = financial_year_end(d)
    so_far = _count(ev, year)
    months = 0
    if phi is None:
        phi, months = dispersion(plans, measure, d)
    elapsed = (d - year.start).days + 1
    remaining = (end - d).days
    if not so_far.of:
        return Outlook(measure, d, end, so_far, 0.0, None, None, None, phi, months, level)
    if remaining == 0:
        pct = so_far.pct
        return Outlook(measure, d, end, so_far, 0.0, pct, pct, pct, phi, months, level)
    share, weight, more = _final_distribution(so_far.n, so_far.of, elapsed, remaining, phi)
    tail = (1 - level) / 2
    return Outlook(measure, d, end, so_far, more, _quantile(share, weight, 0.5),
                   _quantile(share, weight, tail), _quantile(share, weight, 1 - tail),
                   phi, months, level)


def outlook_table(plans: pd.DataFrame, at: DateLike,
                  measures: Iterable[str] = tuple(MEASURES)) -> pd.DataFrame:
    """One row per measure: the year to date (`n` of `of`, `pct`), plans expected by 31 March
    (`year_end_plans`), and the projected final % (`projected`, the `Outlook`'s centre) with
    its 80% interval (`projected_low`, `projected_high`). The projections rest on `n` and `of`
    (`DEPENDS`)."""
    rows = []
    for m in measures:
        o = outlook(plans, at, m)
        rows.append({"measure": LABELS[m], "n": o.so_far.n, "of": o.so_far.of,
                     "pct": o.so_far.pct,
                     "year_end_plans": round(o.so_far.of + o.expected_more),
                     "projected": o.centre, "projected_low": o.low,
                     "projected_high": o.high})
    out = pd.DataFrame(rows, columns=["measure", "n", "of", "pct", "year_end_plans", "projected",
                                      "projected_low", "projected_high"])
    out["measure"] = out["measure"].astype("string")
    for c in ("n", "of", "year_end_plans"):
        out[c] = out[c].astype("Int64")
    for c in ("pct", *PROJECTED):
        out[c] = out[c].astype("float64")
    d = as_date(at)
    out.attrs.update({"at": d, "year_end": financial_year_end(d), "level": LEVEL})
    return out


def outlook_sentence(o: Outlook, threshold: int = 5) -> str:
    """ "On current trends the year will end between x% and y%", with the counts it rests on.

    Disclosure control: with a count from 1 to threshold-1 so far, no
    percentage is given (and the count is "fewer than 5"), as `narrative` does.
    """
    from cpmetrics.narrative import count, suppressed

    did, of_what = MEASURES[o.measure]
    year = f"{o.year_end.year - 1}-{o.year_end.year % 100:02d}"
    if not o.so_far.of:
        return (f"No {of_what} have been counted yet in {year}: there is no year-end outlook "
                f"for {LABELS[o.measure].lower()}.")
    counts = f"{count(o.so_far.n, threshold)} of {count(o.so_far.of, threshold)} {of_what}"
    period = f"1 April to {o.at.day} {o.at:%B %Y}"
    if suppressed(o.so_far, threshold):
        return (f"So far in {year} ({period}), {counts} {did}: too few to project the year "
                f"end without revealing small numbers.")
    if o.at >= o.year_end:
        return f"The year {year} ended at {o.so_far.pct:.1f}% ({counts} {did})."
    return (f"On current trends the year will end between {o.low:.1f}% and {o.high:.1f}% "
            f"({of_what} that {did}, an {round(100 * o.level)}% interval); so far in "
            f"{year} it is {o.so_far.pct:.1f}% ({counts}, {period}).")


def backtest(plans: pd.DataFrame, first: DateLike, last: DateLike,
             measures: Iterable[str] = tuple(MEASURES)) -> pd.DataFrame:
    """The outlook at every month end from `first` to `last` (March left out: the year is over)
    against the year's final figure, computed from the same data; whether it fell inside.

    Only month ends whose financial year has ended by the latest date in the data are used.
    """
    ends = pd.date_range(month_end(as_date(first)), as_date(last), freq="ME")
    latest = max(plans["start_date"].max(), plans["end_date"].max())
    rows = []
    for m in measures:
        ev = _events(plans, m)
        for d in ends:
            if d.month == 3 or financial_year_end(d) > latest:
                continue
            o = outlook(plans, d, m)
            final = _count(ev, Period.financial_year(financial_year_end(d).year))
            inside = None if o.low is None else bool(o.low <= final.pct <= o.high)
            rows.append({"measure": m, "month_end": d, "n": o.so_far.n, "of": o.so_far.of,
                         "low": o.low, "centre": o.centre, "high": o.high, "phi": o.phi,
                         "final_n": final.n, "final_of": final.of, "final_pct": final.pct,
                         "inside": inside})
    out = pd.DataFrame(rows)
    out.attrs["coverage"] = {m: float(g["inside"].mean()) for m, g in out.groupby("measure")}
    return out
