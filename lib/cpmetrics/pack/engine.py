"""Running a pack's notebooks: papermill on each worker's warm kernel, on Dask or a local pool.

`run_notebook` executes one `Task` on this worker's kernel (`cpmetrics.pack.kernel`)
through a papermill engine of our own and exports its page, in a folder of its
own; `run_notebooks` spreads tasks over workers and puts each finished run's
files into its build.

Where the workers are (`scheduler`, or the environment variable CPMETRICS_SCHEDULER):

- an address (`tcp://host:8786`, `tls://...`): an existing Dask distributed
  cluster's workers, on this machine or others. They need the project's
  environment and the data at the same paths; they need not see the outputs
  folder, because a notebook runs in a private folder of the worker's and its
  files come back with its result.
- `local`: a Dask LocalCluster of `jobs` worker processes on this machine.
- nothing: this machine's default, `LOCAL_ENGINE`: a pool of `jobs` forked
  worker processes, which `benchmarks/engine_choice.py` measured faster
  for `make pack` than a LocalCluster (the cluster's scheduler and spawned
  workers cost more than a single pack gains).

Why a notebook runs in a folder of its own: a worker lost mid-notebook (killed,
out of memory) has written nothing into the build; Dask runs its notebook again
on another worker, and only a finished run's files reach the pack, so no partial
pack can be published. On this machine that folder is in the run's private
shared folder and its files are moved into the build; a worker on another
machine sends them back as bytes in its result. On every engine each worker
keeps one warm kernel and each data set is loaded once per kernel.
"""

from __future__ import annotations

import concurrent.futures as cf
import os
import re
import shutil
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
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
    #: the files the notebook made, relative to its pack's build (taken off once written there)
    files: tuple[tuple[str, bytes], ...] = ()
    #: the process that ran it ("host:pid"), to tell a re-run from a first run
    worker: str = ""
    #: on this machine: the private folder holding its files, moved into the build by the
    #: pack's process (instead of `files`)
    workspace: str = ""


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


#: one notebook at a time per worker process: its kernel is one (a Dask worker may have threads)
_RUN_LOCK = threading.Lock()

#: files whose text names the folder they were made in (read back with the build's name)
_TEXT = {".html", ".ipynb", ".csv", ".json", ".txt", ".md", ".log"}


def _workspace(task: Task) -> tuple[Path, bool]:
    """A private folder for one run of one notebook, and whether the pack's process sees it.

    In the run's shared folder when this worker sees it (this machine: same disk as the
    builds, private, removed with the run, so a killed worker's half-written folder goes
    too); else in the worker's own temporary folder, its files then sent back as bytes.
    """
    shared = task.shared
    if shared and os.path.isdir(shared) and os.access(shared, os.W_OK):
        return Path(tempfile.mkdtemp(prefix=f"run-{task.notebook.stem}-", dir=shared)), True
    return Path(tempfile.mkdtemp(prefix=f".run-{task.notebook.stem}-")), False


def _name_the_build(work: Path, build: Path) -> None:
    """Text under `work` that names it names `build` instead, where its files go next."""
    old, new = str(work).encode(), str(build).encode()
    for f in work.rglob("*"):
        if f.suffix in _TEXT and f.is_file():
            data = f.read_bytes()
            if old in data:
                f.write_bytes(data.replace(old, new))


def _files(work: Path) -> tuple[tuple[str, bytes], ...]:
    """Every file under `work`, relative to it, with its bytes."""
    return tuple((f.relative_to(work).as_posix(), f.read_bytes())
                 for f in sorted(work.rglob("*")) if f.is_file())


def write_files(result: NotebookResult, build: Path) -> NotebookResult:
    """Put a finished run's files into its pack's build (moved from its workspace on this
    machine, written from the bytes sent back from another); the result without them.

    `kernel.log` is appended to (each failed notebook adds what its kernel said).
    """
    def put(rel: str, data: bytes) -> None:
        dest = build / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        with open(dest, "ab" if rel == "kernel.log" else "wb") as fh:
            fh.write(data)

    for rel, data in result.files:
        put(rel, data)
    if result.workspace:
        work = Path(result.workspace)
        for f in sorted(work.rglob("*")):
            if f.is_file():
                rel = f.relative_to(work).as_posix()
                if rel == "kernel.log":
                    put(rel, f.read_bytes())
                    continue
                dest = build / rel
                dest.parent.mkdir(parents=True, exist_ok=True)
                os.replace(f, dest)
        shutil.rmtree(work, ignore_errors=True)
    return replace(result, files=(), workspace="")


def _worker_name() -> str:
    import socket

    return f"{socket.gethostname()}:{os.getpid()}"


def run_notebook(task: Task) -> NotebookResult:
    """Execute one notebook on this worker's kernel and export its page (outputs only), in a
    private folder whose files the pack's process moves into the build, or that come back as
    bytes in the result when the pack's process cannot see it."""
    with _RUN_LOCK:
        work, seen = _workspace(task)
        handed_over = False
        try:
            result = replace(_run_in(task, work), worker=_worker_name())
            _name_the_build(work, task.build)
            if seen:
                handed_over = True
                return replace(result, workspace=str(work))
            return replace(result, files=_files(work))
        finally:
            if not handed_over:
                shutil.rmtree(work, ignore_errors=True)


def _run_in(task: Task, work: Path) -> NotebookResult:
    import nbformat
    import papermill as pm

    started = time.perf_counter()
    out_nb = work / "notebooks" / task.notebook.name
    out_nb.parent.mkdir(parents=True, exist_ok=True)
    build = str(task.build)
    parameters = {k: str(work) if v == build else v for k, v in task.parameters.items()}
    try:
        _, kc = _kernel(task.root)
        _run_quiet(kc, _RESET.format(cwd=str(task.root), shared=task.shared))
        _KERNEL.pop("nb", None)
        nb = pm.execute_notebook(
            _source(task.notebook),  # papermill reads a copy of it
            None,  # written below, once: papermill's own save validated and wrote it again
            parameters=parameters,
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
        _keep_kernel_log(work)
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
    (work / f"{task.notebook.stem}{PAGE_SUFFIX}").write_text(page, encoding="utf-8")
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


#: the engine on this machine when no scheduler is named: "pool" or "local" (a Dask LocalCluster)
LOCAL_ENGINE = "pool"
#: the environment variable naming a Dask scheduler, as --scheduler does
SCHEDULER_ENV = "CPMETRICS_SCHEDULER"
#: how long to wait (seconds) for a named scheduler to answer, and for its first worker: Dask
#: keeps retrying a refused connection until then (CPMETRICS_CONNECT_TIMEOUT overrides)
CONNECT_TIMEOUT = float(os.environ.get("CPMETRICS_CONNECT_TIMEOUT") or 30)


def scheduler_from(value: str | None) -> str | None:
    """The scheduler asked for: `value` (--scheduler), else CPMETRICS_SCHEDULER, else None."""
    value = value if value is not None else os.environ.get(SCHEDULER_ENV)
    value = (value or "").strip()
    if not value:
        return None
    if value != "local" and not re.fullmatch(r"(tcp|tls|inproc|ucx|ws|wss)://\S+|[\w.-]+:\d+",
                                              value):
        raise InputError(None, None, f"scheduler {value!r} is not an address such as"
                         " tcp://10.0.0.5:8786 or tls://host:8786 (or 'local')")
    return value


class _PoolEngine:
    """This machine's worker processes, forked, each warming its kernel as it starts."""

    name = "pool"

    def __init__(self, jobs: int, root: Path) -> None:
        import multiprocessing as mp

        method = "fork" if "fork" in mp.get_all_start_methods() else "spawn"
        self.workers = jobs
        self._pool = cf.ProcessPoolExecutor(max_workers=jobs, mp_context=mp.get_context(method),
                                            initializer=_worker_start, initargs=(root,))

    def submit(self, task: Task, priority: int) -> Any:
        return self._pool.submit(run_notebook, task)

    def as_completed(self, futures: list[Any]) -> Iterator[Any]:
        return cf.as_completed(futures)

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


def _warm(root: str) -> str:
    """Run on a Dask worker before its first notebook: boot and warm its kernel."""
    with _RUN_LOCK:
        _worker_start(Path(root))
    return _worker_name()


def _kernel_plugin() -> Any:
    from distributed import WorkerPlugin

    class KernelPlugin(WorkerPlugin):
        """Shuts a Dask worker's kernel down with the worker (a killed worker's kernel sees its
        parent gone and exits by itself: jupyter_client sets JPY_PARENT_PID)."""

        name = "cpmetrics-kernel"

        def teardown(self, worker: Any) -> None:
            _shutdown_kernel()

    return KernelPlugin()


class _DaskEngine:
    """A Dask distributed cluster: an existing one at `address`, or a LocalCluster of `jobs`
    worker processes (one thread each) for address "local"."""

    name = "dask"

    def __init__(self, jobs: int, root: Path, address: str) -> None:
        import logging

        from distributed import Client, LocalCluster

        self._cluster = None
        if address == "local":
            self._cluster = LocalCluster(
                n_workers=jobs, threads_per_worker=1, processes=True, dashboard_address=None,
                silence_logs=logging.ERROR,
            )
            self.client = Client(self._cluster)
            where = "a local Dask cluster"
        else:
            try:
                self.client = Client(address, timeout=CONNECT_TIMEOUT)
            except (OSError, TimeoutError, TypeError, RuntimeError, ValueError) as exc:
                # unreachable, or TLS asked for on one side only (Dask raises TypeError or
                # RuntimeError for those): one line, the first of Dask's own
                said = (str(exc).strip().splitlines() or [""])[0]
                hint = (" (a tls:// scheduler needs Dask's TLS settings: see README, Many"
                        " councils)" if address.startswith("tls://")
                        or "encryption" in said or "TLS" in said else "")
                raise InputError(None, None, f"scheduler {address}: cannot connect"
                                 f" ({type(exc).__name__}: {said}){hint}") from None
            where = f"scheduler {address}"
        try:
            self.client.wait_for_workers(1, timeout=CONNECT_TIMEOUT)
        except TimeoutError:
            self.close()
            raise InputError(None, None, f"{where} has no workers (waited"
                             f" {CONNECT_TIMEOUT:g} s): start some with `dask worker`") from None
        self.client.register_plugin(_kernel_plugin())
        workers = list(self.client.scheduler_info(n_workers=-1)["workers"])
        self.workers = len(workers)
        for w in workers:  # each worker warms its kernel before its first notebook
            self.client.submit(_warm, str(root), workers=[w], allow_other_workers=False,
                               pure=False, priority=1_000_000)

    def submit(self, task: Task, priority: int) -> Any:
        return self.client.submit(run_notebook, task, pure=False, priority=priority)

    def as_completed(self, futures: list[Any]) -> Iterator[Any]:
        from distributed import as_completed

        return as_completed(futures)

    def close(self) -> None:
        self.client.close()
        if self._cluster is not None:
            self._cluster.close()


def open_engine(jobs: int, root: Path, scheduler: str | None = None) -> _PoolEngine | _DaskEngine:
    """The workers to run notebooks on: Dask at `scheduler`, else this machine's LOCAL_ENGINE."""
    address = scheduler or (None if LOCAL_ENGINE == "pool" else "local")
    if address is None:
        return _PoolEngine(jobs, root)
    return _DaskEngine(jobs, root, address)


def run_notebooks(
    tasks: list[Task], jobs: int, *, progress: bool = True, desc: str = "notebooks",
    started: Callable[[], None] | None = None, scheduler: str | None = None,
) -> Iterator[NotebookResult]:
    """Run tasks on `jobs` local workers or a Dask cluster (one kernel each); write each
    result's files into its build and yield the result as it finishes.

    Tasks are started in the order given. `started` is called once every task
    is submitted (the workers exist by then, so the caller may start threads
    without forking them).
    """
    from tqdm import tqdm

    root = tasks[0].root if tasks else project_root()
    engine = open_engine(jobs, root, scheduler)
    try:
        futures = {engine.submit(t, len(tasks) - i): t for i, t in enumerate(tasks)}
        if started is not None:
            started()
        bar = tqdm(total=len(tasks), desc=desc, unit="notebook", disable=not progress,
                   file=sys.stderr, dynamic_ncols=True)
        try:
            for fut in engine.as_completed(list(futures)):
                t = futures[fut]
                try:
                    result = write_files(fut.result(), t.build)
                except Exception as exc:  # noqa: BLE001 - a worker that died fails its notebook
                    result = NotebookResult(t.period, t.notebook.name, False, 0.0,
                                            error=f"worker failed: {type(exc).__name__}: {exc}")
                bar.update(1)
                bar.set_postfix_str(f"{result.period} {result.notebook}", refresh=False)
                yield result
        finally:
            bar.close()
    finally:
        engine.close()
