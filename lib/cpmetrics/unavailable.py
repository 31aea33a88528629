"""What a data set cannot show, said plainly in the place of a table or chart.

Not every source holds everything: Annex A's List 7 and a tidy CSV folder
without `assessments.csv` hold no assessments, so nothing about the factors
identified at assessment can be worked out from them. A function that needs
what the data lack returns a `NotAvailable` instead of a table; the chart
functions pass it through, and `artefacts.show_chart` and `show_table` show
its sentence once, where the chart or table would be, so that a page builds
from every source and says why a question goes unanswered. A notebook calls
the same functions whatever the source, with no test of its own.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from cpmetrics.tables import Tables

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(eq=False)
class NotAvailable:
    """A table or chart the data cannot give: what it would show and why it cannot.

    `str()` is the sentence a reader sees: "This data set holds no assessments
    (Annex A's List 7 has none), so the factors identified at assessment are
    not available."
    """

    what: str  # "the factors identified at assessment"
    reason: str  # "this data set holds no assessments (Annex A's List 7 has none)"
    shown: bool = field(default=False, compare=False)  # set once a page has shown the sentence

    def sentence(self) -> str:
        text = f"{self.reason}, so {self.what} are not available."
        return text[0].upper() + text[1:]

    def __str__(self) -> str:
        return self.sentence()

    def __repr__(self) -> str:
        return f"Not available: {self.sentence()}"

    def _repr_markdown_(self) -> str:
        return f"**Not available.** {self.sentence()}"

    def round(self, *_: Any, **__: Any) -> NotAvailable:
        """Itself: a notebook writes `table.round(1)` whatever the source."""
        return self


def in_short(missing: list[NotAvailable]) -> list[str]:
    """One sentence per reason, naming all it hides: "This data set holds no assessments, so
    these are not available: the factors identified at assessment; re-plans with and ..."."""
    whats: dict[str, list[str]] = {}
    for na in missing:
        seen = whats.setdefault(na.reason, [])
        if na.what not in seen:
            seen.append(na.what)
    out = []
    for reason, w in whats.items():
        if len(w) == 1:
            out.append(NotAvailable(w[0], reason).sentence())
        else:
            text = f"{reason}, so these are not available: {'; '.join(w)}."
            out.append(text[0].upper() + text[1:])
    return out


def _no_assessments_because(tables: Tables) -> str:
    if tables.source == "annex_a":
        return "this data set holds no assessments (Annex A's List 7 has none)"
    if tables.source == "csv":
        return "this data set holds no assessments (the tidy CSV folder has no assessments.csv)"
    return "this data set holds no assessments"


def no_assessments(tables: Tables, what: str) -> NotAvailable | None:
    """A `NotAvailable` saying why `what` cannot be shown when `tables` hold no assessments;
    None when they do."""
    if tables.has_assessments:
        return None
    return NotAvailable(what, _no_assessments_because(tables))


#: why a source holds no pathway table of each kind: (table, source) -> words
_NOT_HELD: dict[tuple[str, str], str] = {
    ("section47", "annex_a"): "this data set holds no section 47 enquiries (the Annex A"
    " workbook has no List 5)",
    ("section47", "csv"): "this data set holds no section 47 enquiries (the tidy CSV folder has"
    " no section47.csv)",
    ("reviews", "annex_a"): "this data set holds each plan's latest review only (Annex A's"
    " List 7), not every review",
    ("reviews", "csv"): "this data set holds no review dates (the tidy CSV folder has no"
    " reviews.csv)",
    ("visits", "cin_census"): "this data set holds no statutory visits (the CIN census has none;"
    " Annex A's List 7 does)",
    ("visits", "csv"): "this data set holds no statutory visits (the tidy CSV folder has no"
    " visits.csv)",
}
_NOT_HELD_ANY = {"section47": "this data set holds no section 47 enquiries",
                 "reviews": "this data set holds no review dates",
                 "visits": "this data set holds no statutory visits"}


def not_held(tables: Tables, table: str, what: str) -> NotAvailable:
    """A `NotAvailable` saying why `what` cannot be shown: the source holds no `table`
    (`section47`, `reviews` or `visits`)."""
    return NotAvailable(what, _NOT_HELD.get((table, tables.source), _NOT_HELD_ANY[table]))


def passes_through(func: F) -> F:
    """A chart function that, given a `NotAvailable` for its data, returns it with its sentence
    as the alt text (`fig, alt = chart(...)` reads the same whatever the source)."""

    @functools.wraps(func)
    def wrapper(data: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(data, NotAvailable):
            return data, data.sentence()
        return func(data, *args, **kwargs)

    return wrapper  # type: ignore[return-value]
