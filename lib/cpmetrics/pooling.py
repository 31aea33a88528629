"""A region's councils pooled into one set of canonical tables, so every measure runs on it.

Regional performance hubs compare their councils on this month's data and want
the region's own figure beside them. Pooling concatenates each council's
`Tables`, table by table, with every child and episode identifier prefixed by
the council's DfE LA number (`358:A123`): two councils' child `A123` are two
children, and a child known to two councils is counted by each, as DfE's
regional figures (sums of councils' returns) count them. Every measure of
`cpmetrics.measures`, `pathway` and `spc` then runs on the pooled tables
unchanged, and a pooled count is the sum of the councils' counts.

What cannot be pooled exactly is said, not guessed:

- A table one council's source does not hold (assessments in Annex A, section
  47 enquiries, reviews or visits in a tidy CSV without them) is not held by
  the region either (None): a regional share over some councils only would be
  read as the region's.
- Review timeliness (D6) reads which yearly returns the data come from; the
  pooled tables hold the union of the councils' returns, which gives each
  council's own answer when the councils send the same years (a region pooling
  the same CIN census collections). `returns_differ` says when they do not.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from cpmetrics.tables import LoadCounts, Tables

#: what separates the council's LA number from a child or episode identifier in pooled tables
SEPARATOR = ":"
#: the identifier columns prefixed with the council's LA number (`plan_id` is child id + start)
ID_COLUMNS = ("child_id", "episode_id", "plan_id")
#: the tables a source may not hold (None): pooled only when every council holds them
OPTIONAL = ("assessments", "section47", "reviews", "visits")
#: the tables every source holds
ALWAYS = ("plans", "children", "episodes", "cin_plans", "findings", "rejects")


def council_id(la: str, ids: pd.Series) -> pd.Series:
    """`ids` made unique across a region: prefixed by the council's LA number ("358:A123");
    a missing identifier stays missing."""
    return (str(la) + SEPARATOR + ids.astype("string")).astype("string")


def _prefixed(frame: pd.DataFrame, la: str) -> pd.DataFrame:
    out = frame.copy()
    for c in ID_COLUMNS:
        if c in out:
            out[c] = council_id(la, out[c])
    return out


def _concat(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """Frames stacked, keeping the first frame's column order and dtypes where all agree."""
    out = pd.concat(frames, ignore_index=True)
    first = frames[0]
    for c in first.columns:
        if c in out and out[c].dtype != first[c].dtype:
            try:
                out[c] = out[c].astype(first[c].dtype)
            except (TypeError, ValueError):
                pass
    return out


def pool(tables_by_la: Mapping[str, Tables]) -> Tables:
    """One `Tables` holding every council's data, identifiers prefixed by LA number.

    Counts (records read, loaded, rejected, merged) are the councils' sums; the
    source is the councils' common source, or "mixed"; the reference dates the
    union of theirs; an optional table is None unless every council holds it.
    `la` is None (a region is no council).
    """
    if not tables_by_la:
        raise ValueError("a region needs at least one council to pool")
    items = [(str(la), t) for la, t in tables_by_la.items()]
    pooled: dict[str, object] = {}
    for name in ALWAYS:
        pooled[name] = _concat([_prefixed(getattr(t, name), la) for la, t in items])
    for name in OPTIONAL:
        frames = [getattr(t, name) for _, t in items]
        pooled[name] = None if any(f is None for f in frames) else _concat(
            [_prefixed(f, la) for (la, _), f in zip(items, frames, strict=True)])
    counts = LoadCounts(
        read=sum(t.counts.read for _, t in items),
        loaded=sum(t.counts.loaded for _, t in items),
        rejected=sum(t.counts.rejected for _, t in items),
        merged=sum(t.counts.merged for _, t in items),
    )
    sources = {t.source for _, t in items}
    visits_to = [pd.Timestamp(t.visits_to) for _, t in items if t.visits_to is not None]
    return Tables(
        **pooled,
        counts=counts,
        source=sources.pop() if len(sources) == 1 else "mixed",
        la=None,
        files=tuple(f for _, t in items for f in t.files),
        reference_dates=tuple(sorted({pd.Timestamp(d) for _, t in items
                                      for d in t.reference_dates})),
        visits_to=max(visits_to) if visits_to else None,
    )


def returns_differ(tables_by_la: Mapping[str, Tables]) -> bool:
    """True when the councils' data come from different yearly returns (reference dates), so
    the pooled review timeliness may differ from the sum of the councils' (module docstring)."""
    dates = {tuple(sorted(pd.Timestamp(d) for d in t.reference_dates))
             for t in tables_by_la.values()}
    return len(dates) > 1


def council_of(ids: pd.Series) -> pd.Series:
    """The LA number a pooled identifier belongs to ("358:A123" -> "358")."""
    return ids.astype("string").str.split(SEPARATOR, n=1).str[0]
