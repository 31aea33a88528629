"""A count out of a total, printed the same way by notebooks, the CLI and packs."""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Proportion:
    """`n` of `of`; `pct` is 100 n / of, or None when `of` is 0."""

    n: int
    of: int

    @property
    def pct(self) -> float | None:
        return 100 * self.n / self.of if self.of else None

    def wilson(self, z: float = 1.959963984540054) -> tuple[float, float] | None:
        """95% Wilson score interval for the percentage, or None when `of` is 0."""
        if not self.of:
            return None
        p = self.n / self.of
        denom = 1 + z * z / self.of
        centre = (p + z * z / (2 * self.of)) / denom
        half = z * math.sqrt(p * (1 - p) / self.of + z * z / (4 * self.of**2)) / denom
        return 100 * max(0.0, centre - half), 100 * min(1.0, centre + half)

    def as_dict(self) -> dict:
        """The machine form of architecture.md: pct unrounded, null when `of` is 0."""
        return {"n": int(self.n), "of": int(self.of), "pct": self.pct}

    def __str__(self) -> str:
        return f"{self.n} of {self.of} ({self.pct:.1f}%)" if self.of else f"{self.n} of 0 (-)"
