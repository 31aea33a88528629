"""What a pack needs from its data and params alone, worked out in the pack's own process.

metrics.json's contents, quality.csv's rows and the `Secrets` the checks look
for depend on the data set and the params, not on the notebooks: `_Ahead`
works them out while the notebooks run, and first leaves each data set and the
published tables in the shared folder for the kernels (`cpmetrics.pack.kernel`),
so nothing is read twice. Each data set is loaded once per process.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cpmetrics.pack.checks import Secrets, secrets_of
from cpmetrics.pack.index import published_beside
from cpmetrics.pack.kernel import (
    _break_promises,
    _data_key,
    _fingerprint,
    _promise,
    _published_key,
    _share,
)
from cpmetrics.params import Params

if TYPE_CHECKING:
    import pandas as pd

    from cpmetrics.coverage import Coverage
    from cpmetrics.tables import Tables


#: data sets kept loaded in the pack's process: a region's every council (23 in the North West,
#: 33 in London) is read once for its coverage, its pooled "region now", its metrics and secrets
KEEP_LOADED = 48


@functools.lru_cache(maxsize=KEEP_LOADED)
def _load_cached(fingerprint: tuple) -> Any:
    from cpmetrics.sources import load

    return load(fingerprint[0])


def _tables(path: Path) -> Any:
    """The data set, loaded once per process for all periods that use it."""
    return _load_cached(_fingerprint(path))


@functools.lru_cache(maxsize=KEEP_LOADED)
def _secrets_cached(fingerprint: tuple) -> Secrets:
    return secrets_of(_load_cached(fingerprint))


def _secrets(path: Path) -> Secrets:
    """The data set's child ids and birth dates, worked out once per process."""
    return _secrets_cached(_fingerprint(path))


def pack_metrics(params: Params, root: Path) -> dict:
    """metrics.json: what `cpmetrics metrics` prints for this period and data, suppressed,
    plus a `pack` object of our own."""
    from cpmetrics import __version__
    from cpmetrics.disclosure import suppress_metrics
    from cpmetrics.measures import headline
    from cpmetrics.population import on_plan_rate

    tables = _tables(params.data_path(root))
    period = params.period
    raw = headline(tables, period, rate=on_plan_rate(tables, period, params.la),
                   visit_standard=params.visit_standard)
    raw["coverage"] = check_coverage(params, root).as_dict()
    out = suppress_metrics(raw, params.suppression_threshold)
    out["pack"] = {
        "period": params.month,
        "params_file": params.file.name,
        "data": params.data,
        "la": params.la,
        "suppression_threshold": params.suppression_threshold,
        "cpmetrics_version": __version__,
        "made_at": _now(),
        "wilson_95": _intervals(out),
        "published": published_beside(params),
    }
    out["outlook"] = _outlook(tables, period.end, params.suppression_threshold)
    return out


def _outlook(tables: Tables, at: pd.Timestamp, threshold: int) -> dict[str, dict]:
    """The year-end outlook of each projected measure (`outlook.Outlook.as_dict`), suppressed:
    a count below the threshold is `<5`, and then no percentage or projection is given."""
    from cpmetrics.disclosure import suppress_metrics
    from cpmetrics.outlook import MEASURES, outlook

    out = {}
    for m in MEASURES:
        o = outlook(tables.plans, at, m).as_dict()
        o.pop("measure")
        safe = suppress_metrics(o, threshold)
        if safe["pct"] is None:
            safe.update({"centre": None, "low": None, "high": None})
        out[m] = safe
    return out


def check_coverage(params: Params, root: Path) -> Coverage:
    """The dates the params' data cover; InputError naming the params file, the key and both
    dates when the reporting date is outside them (`cpmetrics.coverage`)."""
    from cpmetrics.coverage import CoverageError, check

    try:
        return check(_tables(params.data_path(root)), params.period, params.data_to)
    except CoverageError as exc:
        raise exc.located(params.file) from None


def _intervals(metrics: dict) -> dict[str, list[float] | None]:
    """95% Wilson intervals (per cent, 1 dp) for each proportion shown; None when suppressed."""
    from cpmetrics.stats import wilson_interval

    found: dict[str, list[float] | None] = {}
    for key, v in metrics.items():
        if isinstance(v, dict) and {"n", "of", "pct"} <= set(v):
            if isinstance(v["n"], int) and isinstance(v["of"], int) and v["of"]:
                lo, hi = wilson_interval(v["n"], v["of"])
                found[key] = [round(100 * lo, 1), round(100 * hi, 1)]
            else:
                found[key] = None
    return found


def _quality_rows(params: Params, root: Path) -> list[dict[str, Any]]:
    """The data-quality summary as counts only (no child, no file, no place in a file)."""
    from cpmetrics.disclosure import suppress_count

    tables = _tables(params.data_path(root))
    q = tables.quality_summary()
    t = params.suppression_threshold
    rows = [
        {"item": k, "description": d, "count": suppress_count(q.get(k), t)}
        for k, d in (
            ("read", "plan records read"),
            ("loaded", "plan records loaded"),
            ("rejected", "plan records rejected (left out of the measures)"),
            ("merged", "plan records merged across yearly returns"),
            ("plans", "plans measured"),
        )
        if k in q
    ]
    findings = tables.findings
    if len(findings):
        messages = findings.groupby("rule")["message"].first()
        for rule, n in findings["rule"].value_counts().sort_index().items():
            rows.append({"item": f"rule {rule}", "description": _generic(messages[rule]),
                         "count": suppress_count(int(n), t)})
    return rows


def _generic(message: str) -> str:
    """A finding's message without anything specific to one record (dates, ids, numbers)."""
    message = re.sub(r"\b\d{4}-\d{2}-\d{2}\b", "a date", str(message))
    message = re.sub(r"'[^']*'", "a value", message)
    return re.sub(r"\b[A-Z]*\d[\w-]*\b", "n", message)



def pack_key(params: Params) -> tuple[str, str, str]:
    """What tells one run's packs apart: the period, and the data and council (a region's
    council packs share a period)."""
    return (params.month, params.data, params.la)


def _now() -> str:
    return dt.datetime.now().astimezone().isoformat(timespec="seconds")


class _Ahead:
    """What a pack needs from the data and its params alone (metrics.json, quality.csv and
    what must never appear in it), worked out in this process while the notebooks run."""

    def __init__(self, params_list: list[Params], root: Path) -> None:
        self.params_list, self.root = params_list, root
        self._lock = threading.Lock()
        self._done: dict[tuple, tuple[dict, list[dict[str, Any]], Secrets]] = {}
        self._to_share: list[tuple[str, tuple, Callable[[], Any]]] | None = None

    def _work_out(self, params: Params) -> tuple[dict, list[dict[str, Any]], Secrets]:
        return (pack_metrics(params, self.root), _quality_rows(params, self.root),
                _secrets(params.data_path(self.root)))

    def get(self, params: Params) -> tuple[dict, list[dict[str, Any]], Secrets]:
        with self._lock:
            key = pack_key(params)
            if key not in self._done:
                self._done[key] = self._work_out(params)
            return self._done.pop(key)  # each pack takes its own once

    def _shares(self) -> list[tuple[str, tuple, Callable[[], Any]]]:
        """What `run` leaves for the kernels: (kind, key, how to work it out), keyed once, so
        what `promise` announces is exactly what `run` writes."""
        if self._to_share is None:
            from cpmetrics.benchmarks import published_values

            paths = {p.data_path(self.root) for p in self.params_list}
            self._to_share = [("data", _data_key(path), functools.partial(_tables, path))
                              for path in paths]
            self._to_share.append(("published", _published_key(), published_values))
        return self._to_share

    def promise(self, shared: str) -> None:
        """Tell the kernels what `run` will share, before they start."""
        for kind, key, _ in self._shares():
            _promise(shared, kind, key)

    def run(self, shared: str | None = None) -> None:
        if shared is not None:
            try:
                for kind, key, work_out in self._shares():
                    _share(shared, kind, key, work_out())
            except Exception:  # noqa: BLE001 - the kernels read for themselves
                pass
            finally:
                _break_promises(shared)
        for p in self.params_list:
            try:
                with self._lock:
                    if pack_key(p) not in self._done:
                        self._done[pack_key(p)] = self._work_out(p)
            except Exception:  # noqa: BLE001 - finish_pack works it out again and reports it
                pass
