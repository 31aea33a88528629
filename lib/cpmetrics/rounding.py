"""Rounding as DfE's published figures are rounded: to one decimal place, halves away from zero.

Its own module because both the published tables (`benchmarks`) and the rates
per 10,000 children (`population`) round so, and `population` reads
`benchmarks`: neither may import the other for it.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal


def round1(x: float | None) -> float | None:
    """Round to 1 dp, halves away from zero, as published figures are; None stays None."""
    if x is None or x != x:
        return None
    return float(Decimal(repr(float(x))).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))
