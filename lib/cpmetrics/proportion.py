"""A count out of a total, printed the same way by notebooks, the CLI and packs."""

from __future__ import annotations

from dataclasses import dataclass

from cpmetrics.stats import Z95, wilson_interval


@dataclass(frozen=True)
class Proportion:
    """`n` of `of`; `pct` is 100 n / of, or None when `of` is 0."""

    n: int
    of: int

    @property
    def pct(self) -> float | None:
        return 100 * self.n / self.of if self.of else None

    def wilson(self, z: float = Z95) -> tuple[float, float] | None:
        """95% Wilson score interval for the percentage (cpmetrics.stats); None when `of` is 0."""
        interval = wilson_interval(self.n, self.of, z)
        return None if interval is None else (100 * interval[0], 100 * interval[1])

    def as_dict(self) -> dict:
        """The machine form of architecture.md: pct unrounded, null when `of` is 0."""
        return {"n": int(self.n), "of": int(self.of), "pct": self.pct}

    def __str__(self) -> str:
        return f"{self.n} of {self.of} ({self.pct:.1f}%)" if self.of else f"{self.n} of 0 (-)"
