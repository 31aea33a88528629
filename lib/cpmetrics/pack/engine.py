"""Running a pack's notebooks: papermill on each worker's warm kernel, in a pool of workers.

`run_notebook` executes one `Task` on this worker's kernel (`cpmetrics.pack.kernel`)
through a papermill engine of our own and exports its page; `run_notebooks` spreads
tasks over worker processes and yields each `NotebookResult` as it finishes.
"""

from __future__ import annotations

import concurrent.futures as cf
import os
import re
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cpmetrics.errors import InputError
from cpmetrics.pack.kernel import (
    _KERNEL,
    _RESET,
    _keep_kernel_log,
    _kernel,
    _run_quiet,
    _shutdown_kernel,
    _start_kernel,
)
from cpmetrics.pack.pages import PAGE_SUFFIX, _exporter, export_page

CELL_TIMEOUT = 900  # seconds a single cell may run before the notebook counts as failed


def project_root() -> Path:
    """The folder holding pyproject.toml and lib/cpmetrics (CPMETRICS_ROOT overrides)."""
    env = os.environ.get("CPMETRICS_ROOT")
    if env and (Path(env) / "lib" / "cpmetrics").is_dir():
        return Path(env).resolve()
    return Path(__file__).resolve().parents[3]


def find_notebooks(folder: Path) -> list[Path]:
    """The notebooks a pack runs, in name order (checkpoints and hidden files left out)."""
    if not folder.is_dir():
        raise InputError(folder, None, "no such notebooks folder")
    found = sorted(p for p in folder.glob("*.ipynb") if not p.name.startswith((".", "_")))
    if not found:
        raise InputError(folder, None, "holds no notebooks")
    return found


def _worker_start(root: Path) -> None:
    """A worker's first moments: its kernel boots while the worker imports what it needs.

    jsonschema (imported by nbformat) compiles a grammar for its optional IRI
    format checker when `rfc3987_syntax` is installed, most of a second per
    process; nbformat never checks formats, so workers skip it. Failures here
    are left for the first notebook to report.
    """
    if "jsonschema" not in sys.modules:
        sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]
    try:
        _start_kernel(root)
    except Exception:  # noqa: BLE001 - run_notebook starts it again and says what is wrong
        pass
    import nbformat  # noqa: F401
    import papermill  # noqa: F401

    _exporter()
    try:
        _kernel(root)
    except Exception:  # noqa: BLE001 - as above
        pass


def _engine() -> str:
    """Register (once) a papermill engine that runs notebooks on this worker's kernel."""
    from papermill.clientwrap import PapermillNotebookClient
    from papermill.engines import NBClientEngine, papermill_engines

    class SharedKernelEngine(NBClientEngine):
        """nbclient on this worker's running kernel and its one client.

        One client only: clients of the same kernel manager share a session
        identity, so the kernel's replies to a second client can go astray.
        """

        @classmethod
        def execute_managed_notebook(cls, nb_man, kernel_name, **kwargs):
            kwargs.pop("input_path", None)
            client = PapermillNotebookClient(
                nb_man,
                km=_KERNEL["km"],
                timeout=kwargs.get("execution_timeout"),
                startup_timeout=kwargs.get("start_timeout", 60),
                kernel_name=kernel_name,
                log_output=False,
            )
            client.kc = _KERNEL["kc"]
            _KERNEL["nb"] = nb_man.nb  # what ran, kept for when a cell fails
            return client.execute()

    papermill_engines.register("cpmetrics-shared-kernel", SharedKernelEngine)
    return "cpmetrics-shared-kernel"


@dataclass(frozen=True)
class Task:
    """One notebook to run for one period."""

    period: str
    notebook: Path
    build: Path
    parameters: dict[str, Any]
    root: Path
    shared: str | None = None  # see _SHARED_DIR


@dataclass(frozen=True)
class NotebookResult:
    """How one notebook run went (picklable, sent back from a worker)."""

    period: str
    notebook: str
    ok: bool
    seconds: float
    title: str = ""
    error: str = ""


def _title(nb: Any, fallback: str) -> str:
    """The notebook's first markdown heading, for page titles and the index."""
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            m = re.search(r"^#+\s*(.+)$", cell.source, re.M)
            if m:
                return m.group(1).strip()
    return fallback


def _renumber(nb: Any) -> None:
    """Execution counts 1, 2, 3... as a fresh kernel would give."""
    n = 0
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        if cell.get("execution_count") is None:
            continue
        n += 1
        cell.execution_count = n
        for out in cell.get("outputs", []):
            if "execution_count" in out:
                out["execution_count"] = n


def _failure(nb: Any, exc: BaseException) -> str:
    """`cell 7 ("rep = replans(...)"): KeyError: 'x'`, counting cells as the author sees them.

    The failed cell is the one holding an error output; papermill's own cells
    (injected parameters, error banners) are not counted.
    """
    ename = getattr(exc, "ename", None) or type(exc).__name__
    evalue = getattr(exc, "evalue", None)
    if evalue is None:
        lines = str(exc).strip().splitlines()
        evalue = lines[-1] if lines else ""
    theirs = {"injected-parameters", "papermill-error-cell-tag"}
    ours = [c for c in nb.cells if not theirs & set(c.metadata.get("tags", []))]
    for number, cell in enumerate(ours, start=1):
        if any(o.get("output_type") == "error" for o in cell.get("outputs", [])):
            source = cell.source.strip().splitlines()
            first = f' ("{source[0][:70]}")' if source else ""
            return f"cell {number}{first}: {ename}: {evalue}"
    return f"{ename}: {evalue}"


def _source(path: Path) -> Any:
    """The notebook to run, without its committed outputs (read once per worker and file)."""
    import nbformat

    stat = path.stat()
    key = (str(path), stat.st_size, stat.st_mtime_ns)
    cached = _SOURCES.get(key)
    if cached is None:
        cached = nbformat.read(path, as_version=4)
        for cell in cached.cells:
            if cell.cell_type == "code":
                cell.outputs, cell.execution_count = [], None
        _SOURCES[key] = cached
    return cached


_SOURCES: dict[tuple, Any] = {}


def run_notebook(task: Task) -> NotebookResult:
    """Execute one notebook on this worker's kernel, then export its page (outputs only)."""
    import nbformat
    import papermill as pm

    started = time.perf_counter()
    out_nb = task.build / "notebooks" / task.notebook.name
    out_nb.parent.mkdir(parents=True, exist_ok=True)
    try:
        _, kc = _kernel(task.root)
        _run_quiet(kc, _RESET.format(cwd=str(task.root), shared=task.shared))
        _KERNEL.pop("nb", None)
        nb = pm.execute_notebook(
            _source(task.notebook),  # papermill reads a copy of it
            None,  # written below, once: papermill's own save validated and wrote it again
            parameters=task.parameters,
            engine_name=_engine(),
            kernel_name="python3",
            progress_bar=False,
            execution_timeout=CELL_TIMEOUT,
            request_save_on_cell_execute=False,
        )
    except Exception as exc:  # noqa: BLE001 - any failure fails this notebook, reported below
        nb = _KERNEL.pop("nb", None) or nbformat.v4.new_notebook()
        _finish_notebook(nb, task)
        nbformat.write(nb, out_nb)
        _keep_kernel_log(task.build)
        if "km" in _KERNEL and not _KERNEL["km"].is_alive():
            _shutdown_kernel()
        return NotebookResult(
            task.period, task.notebook.name, False, time.perf_counter() - started,
            error=_failure(nb, exc),
        )
    _KERNEL.pop("nb", None)
    _KERNEL["log"].take()  # a good run's kernel chatter goes nowhere
    _finish_notebook(nb, task)
    nbformat.write(nb, out_nb)
    title = _title(nb, task.notebook.stem)
    page = export_page(nb, title)
    (task.build / f"{task.notebook.stem}{PAGE_SUFFIX}").write_text(page, encoding="utf-8")
    return NotebookResult(
        task.period, task.notebook.name, True, time.perf_counter() - started, title=title
    )


def _finish_notebook(nb: Any, task: Task) -> None:
    """Numbered as a fresh kernel numbers cells, and naming the notebook it was run from."""
    _renumber(nb)
    meta = nb.metadata.get("papermill")
    if meta is not None:
        meta["input_path"] = str(task.notebook)
        meta["output_path"] = str(task.build / "notebooks" / task.notebook.name)


def _pool(jobs: int, root: Path) -> cf.ProcessPoolExecutor:
    import multiprocessing as mp

    method = "fork" if "fork" in mp.get_all_start_methods() else "spawn"
    return cf.ProcessPoolExecutor(max_workers=jobs, mp_context=mp.get_context(method),
                                  initializer=_worker_start, initargs=(root,))


def run_notebooks(
    tasks: list[Task], jobs: int, *, progress: bool = True, desc: str = "notebooks",
    started: Callable[[], None] | None = None,
) -> Iterator[NotebookResult]:
    """Run tasks across `jobs` worker processes (one kernel each); yield results as they finish.

    `started` is called once every task is submitted (the workers exist by
    then, so the caller may start threads without forking them).
    """
    from tqdm import tqdm

    root = tasks[0].root if tasks else project_root()
    with _pool(jobs, root) as pool:
        futures = {pool.submit(run_notebook, t): t for t in tasks}
        if started is not None:
            started()
        bar = tqdm(total=len(tasks), desc=desc, unit="notebook", disable=not progress,
                   file=sys.stderr, dynamic_ncols=True)
        try:
            for fut in cf.as_completed(futures):
                t = futures[fut]
                try:
                    result = fut.result()
                except Exception as exc:  # noqa: BLE001 - a worker that died fails its notebook
                    result = NotebookResult(t.period, t.notebook.name, False, 0.0,
                                            error=f"worker failed: {type(exc).__name__}: {exc}")
                bar.update(1)
                bar.set_postfix_str(f"{result.period} {result.notebook}", refresh=False)
                yield result
        finally:
            bar.close()
