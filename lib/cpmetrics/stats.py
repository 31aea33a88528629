"""Uncertainty for small numbers: Wilson score intervals and funnel-plot control limits.

Council figures are small (30 of 112), so every proportion in a pack carries a
95% Wilson score interval, and a council's rate is placed on a funnel plot
against England's to see whether it is out of the ordinary for its size.
"""

from __future__ import annotations

import math
from statistics import NormalDist

import numpy as np
import pandas as pd

Z95 = NormalDist().inv_cdf(0.975)  # 1.959963984540054
Z998 = NormalDist().inv_cdf(0.999)  # 3.090232306167813

FUNNEL_LEVELS: dict[str, float] = {"95": Z95, "99.8": Z998}


def wilson_interval(n: int, of: int, z: float = Z95) -> tuple[float, float] | None:
    """Wilson score interval for the proportion n/of, as fractions in [0, 1]; None when of is 0.

    (2np + z^2 -/+ z sqrt(z^2 + 4np(1-p))) / (2(n + z^2)), with n the denominator
    and p the observed proportion; unlike p +/- z se it never leaves [0, 1].
    """
    if not of:
        return None
    if n < 0 or n > of:
        raise ValueError(f"numerator {n} is not between 0 and the denominator {of}")
    return _wilson(n / of, of, z)


def _wilson(p: float, of: int | float, z: float) -> tuple[float, float]:
    centre = 2 * of * p + z * z
    half = z * math.sqrt(z * z + 4 * of * p * (1 - p))
    denom = 2 * (of + z * z)
    # The interval always holds p; at p = 0 or 1 rounding could put a limit a hair inside it
    # (11 of 11 gave an upper limit below 100%, and a chart's whisker a negative length).
    return max(0.0, min(p, (centre - half) / denom)), min(1.0, max(p, (centre + half) / denom))


def funnel_limits(target_pct: float, of: int) -> dict[str, float] | None:
    """Funnel control limits (95% and 99.8%, in %) around `target_pct` for denominator `of`.

    The limits are the Wilson score interval of the target proportion at that
    denominator (the method of Public Health England's funnel-plot tools), so
    they stay within 0-100% for small councils. Keys: lower_95, upper_95,
    lower_99_8, upper_99_8. None when `of` is 0.
    """
    if not of:
        return None
    p = target_pct / 100
    out: dict[str, float] = {}
    for name, z in FUNNEL_LEVELS.items():
        lo, hi = _wilson(p, of, z)
        key = name.replace(".", "_")
        out[f"lower_{key}"] = 100 * lo
        out[f"upper_{key}"] = 100 * hi
    return out


def funnel_table(points: pd.DataFrame, target_pct: float) -> pd.DataFrame:
    """Add funnel limits and a plain-English position to one row per council.

    `points` has columns `n` and `of` (numbers; missing where DfE suppressed
    them). Returns a copy with `pct`, the four limits and `position`: "above
    99.8% limit", "above 95% limit", "within 95% limits", "below 95% limit",
    "below 99.8% limit", or missing where the council's figure is suppressed.
    """
    out = points.copy()
    of = pd.to_numeric(out["of"], errors="coerce").astype("float64")
    n = pd.to_numeric(out["n"], errors="coerce").astype("float64")
    out["pct"] = np.where(of > 0, 100 * n / of.where(of > 0), np.nan)
    limits = [funnel_limits(target_pct, int(d)) if d > 0 else None for d in of.fillna(0)]
    for col in ("lower_95", "upper_95", "lower_99_8", "upper_99_8"):
        out[col] = [lim[col] if lim else np.nan for lim in limits]
    out["target_pct"] = target_pct
    out["position"] = [
        _position(p, lo95, hi95, lo998, hi998)
        for p, lo95, hi95, lo998, hi998 in zip(
            out["pct"],
            out["lower_95"],
            out["upper_95"],
            out["lower_99_8"],
            out["upper_99_8"],
            strict=True,
        )
    ]
    out["position"] = out["position"].astype("string")
    return out


def _position(p: float, lo95: float, hi95: float, lo998: float, hi998: float) -> str | None:
    if p != p or lo95 != lo95:  # NaN: suppressed or no denominator
        return None
    if p > hi998:
        return "above 99.8% limit"
    if p > hi95:
        return "above 95% limit"
    if p < lo998:
        return "below 99.8% limit"
    if p < lo95:
        return "below 95% limit"
    return "within 95% limits"


def byar_interval(count: int | float, z: float = Z95) -> tuple[float, float]:
    """95% interval of a count of events (a Poisson count) by Byar's approximation.

    Lower O(1 - 1/(9O) - z/(3 sqrt O))^3, upper (O+1)(1 - 1/(9(O+1)) + z/(3 sqrt(O+1)))^3:
    the method Public Health England's tools use for counts, within a hundredth of the
    exact interval from about 10 events (10 events: 4.79 to 18.39).
    """
    o = float(count)
    if o < 0:
        raise ValueError(f"count {count} is below 0")
    lower = 0.0 if o == 0 else o * (1 - 1 / (9 * o) - z / (3 * math.sqrt(o))) ** 3
    o1 = o + 1
    upper = o1 * (1 - 1 / (9 * o1) + z / (3 * math.sqrt(o1))) ** 3
    return max(0.0, lower), upper


def mover_difference(before: float, before_ci: tuple[float, float], since: float,
                     since_ci: tuple[float, float]) -> tuple[float, float, float]:
    """`since - before` and its interval from each figure's own interval (MOVER).

    The method of variance estimates recovery (Newcombe 1998, method 10, for two
    proportions with Wilson intervals; Zou and Donner 2008 for rates): the
    difference's interval reaches as far as each figure's interval allows, so it
    stays honest for small counts where the plain `± z se` does not. Newcombe's
    example, 56 of 70 against 48 of 80: 0.2000, 0.0524 to 0.3339.
    """
    d = since - before
    (bl, bh), (sl, sh) = before_ci, since_ci
    low = d - math.sqrt((since - sl) ** 2 + (bh - before) ** 2)
    high = d + math.sqrt((sh - since) ** 2 + (before - bl) ** 2)
    return d, low, high
