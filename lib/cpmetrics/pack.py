"""Period packs: run every notebook for a reporting period and publish what may leave the machine.

`python -m cpmetrics pack --period 2018-09` reads `params/2018-09.yaml`, runs
each notebook in `notebooks/` with papermill (its Python API) in parallel
worker processes, and writes `outputs/2018-09/`:

```
index.html              headline table, links, data source, reporting date, version, time made
<notebook>.html         one page per notebook, outputs only, self-contained (no other host)
notebooks/*.ipynb       the executed notebooks
charts/*.png, *.txt     every chart and its alt text
tables/*.csv            every table (disclosure-controlled)
tables.xlsx             the tables as an accessible workbook (cpmetrics.workbook)
metrics.json            `cpmetrics metrics` for the period, suppressed, plus "pack" (our own key)
quality.csv             data-quality summary, counts only
data_dictionary.csv     every CSV column's heading, meaning and unit (cpmetrics.data_dictionary)
```

Why it is shaped like this:

- **Atomic.** A pack is built in `outputs/.<period>.building-*` (beside the
  destination, so the final move is a rename) and moved into place only when
  every notebook succeeded and every check passed. Otherwise the previous pack
  stays as it was, the build is kept as `outputs/<period>.failed/` for
  debugging, and the command exits 1.
- **Fast.** Each worker process starts one kernel (the project's own Python,
  `sys.executable`) and reuses it for every notebook it runs, resetting the
  namespace in between, with the libraries already imported and each data
  set loaded once per kernel (`_install_load_cache`). `--all` shares one pool
  across all periods, so 18 packs cost far less than 18 single packs.
- **Within the data.** A reporting date outside the dates the data cover
  (`cpmetrics.coverage`) stops the command with one line naming both dates
  (exit 2) before any notebook runs; each data set is read for that once,
  and the pack reuses what was read.
- **Safe.** Every file is checked before publishing: no child id or date of
  birth from the input, no row-level column, no count below the threshold in
  a CSV or in metrics.json, no page fetching from another host.
"""

from __future__ import annotations

import argparse
import collections
import concurrent.futures as cf
import copy
import datetime as dt
import functools
import hashlib
import html
import json
import os
import pickle
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cpmetrics.errors import InputError
from cpmetrics.params import Params, load_params, params_files

if TYPE_CHECKING:
    import pandas as pd

    from cpmetrics.coverage import Coverage
    from cpmetrics.tables import Tables

PAGE_SUFFIX = ".html"
FAILED_SUFFIX = ".failed"
CELL_TIMEOUT = 900  # seconds a single cell may run before the notebook counts as failed


def project_root() -> Path:
    """The folder holding pyproject.toml and lib/cpmetrics (CPMETRICS_ROOT overrides)."""
    env = os.environ.get("CPMETRICS_ROOT")
    if env and (Path(env) / "lib" / "cpmetrics").is_dir():
        return Path(env).resolve()
    return Path(__file__).resolve().parents[2]


def find_notebooks(folder: Path) -> list[Path]:
    """The notebooks a pack runs, in name order (checkpoints and hidden files left out)."""
    if not folder.is_dir():
        raise InputError(folder, None, "no such notebooks folder")
    found = sorted(p for p in folder.glob("*.ipynb") if not p.name.startswith((".", "_")))
    if not found:
        raise InputError(folder, None, "holds no notebooks")
    return found


# ---- inside the kernel ------------------------------------------------------------------------


def _fingerprint(path: str | os.PathLike) -> tuple:
    """Where the data are and what they look like now: a changed file is read again."""
    p = Path(path).resolve()
    files = sorted(p.rglob("*")) if p.is_dir() else [p]
    return (str(p), tuple((str(f), f.stat().st_size, f.stat().st_mtime_ns) for f in files
                          if f.is_file()))


#: In a pack's kernel: the folder where the pack's own process leaves what it has already
#: read (the data set, the published tables) for the kernels to take instead of reading it again
_SHARED_DIR: str | None = None


def _data_key(path: str | os.PathLike, args: tuple = (), kwargs: dict | None = None) -> tuple:
    """What a loaded data set is kept and shared under: its files now, and how it was loaded."""
    return (_fingerprint(path), tuple(args), tuple(sorted((kwargs or {}).items())))


def _shared_file(folder: str | os.PathLike, kind: str, key: tuple) -> Path:
    """Where a shared `kind` is kept, named by its key (path, sizes and times of its files)."""
    digest = hashlib.sha1(repr(key).encode("utf-8")).hexdigest()[:20]
    return Path(folder) / f"{kind}-{digest}.pickle"


def _promise(folder: str | os.PathLike, kind: str, key: tuple) -> None:
    """Say that the pack's process is working `kind` out, so kernels wait for it rather than
    work it out again themselves at the same time (on two cores that doubled the cost)."""
    _shared_file(folder, kind, key).with_suffix(".promised").touch()


def _share(folder: str | os.PathLike, kind: str, key: tuple, value: Any) -> None:
    """Leave `value` for the kernels (written whole, then renamed into place)."""
    path = _shared_file(folder, kind, key)
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    with open(tmp, "wb") as fh:
        pickle.dump(value, fh, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(tmp, path)


def _break_promises(folder: str | os.PathLike) -> None:
    """The pack's process could not share what it promised: kernels work it out themselves."""
    for p in Path(folder).glob("*.promised"):
        p.unlink(missing_ok=True)


#: How long a kernel waits for a promised table before working it out itself
SHARE_WAIT = 60.0


def _take_shared(kind: str, key: tuple) -> Any:
    """What the pack's process left for this key, or None (then the kernel reads it itself).

    Waits while the pack's process has promised it and not yet written it.
    """
    if _SHARED_DIR is None:
        return None
    path = _shared_file(_SHARED_DIR, kind, key)
    promised = path.with_suffix(".promised")
    deadline = time.monotonic() + SHARE_WAIT
    while not path.exists() and promised.exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    try:
        with open(path, "rb") as fh:
            return pickle.load(fh)
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError):
        return None


def _published_key() -> tuple:
    import cpmetrics.benchmarks

    return _fingerprint(Path(cpmetrics.benchmarks.__file__).parent / "published")


def _install_published_cache() -> None:
    """Make `benchmarks.published_values` take the table the pack's process built, if it did.

    Runs inside a pack's kernel only; the table is the same whichever process builds it.
    """
    import cpmetrics.benchmarks as benchmarks

    if getattr(benchmarks.published_values, "_pack_cached", False):
        return
    original = benchmarks.published_values
    held: list[Any] = []

    @functools.wraps(original)
    def published_values():
        if not held:
            shared = _take_shared("published", _published_key())
            held.append(shared if shared is not None else original())
        return held[0]

    published_values._pack_cached = True  # type: ignore[attr-defined]
    benchmarks.published_values = published_values


def _install_load_cache() -> None:
    """Make `cpmetrics.sources.load` read each data set once per kernel (a copy each call),
    or take it from the pack's process when that has read it already.

    Runs inside a pack's kernel only: interactive sessions are untouched.
    """
    import cpmetrics.sources as sources

    if getattr(sources.load, "_pack_cached", False):
        return
    original = sources.load
    cache: dict[tuple, Any] = {}

    @functools.wraps(original)
    def load(path, *args, **kwargs):
        try:
            key = _data_key(path, args, kwargs)
        except (OSError, TypeError):
            return original(path, *args, **kwargs)
        if key not in cache:
            shared = _take_shared("data", key)
            cache[key] = shared if shared is not None else original(path, *args, **kwargs)
        return copy.deepcopy(cache[key])

    load._pack_cached = True  # type: ignore[attr-defined]
    sources.load = load
    import cpmetrics

    if getattr(cpmetrics, "load", None) is original:
        cpmetrics.load = load


def _preload() -> None:
    """Import every cpmetrics module once per kernel, so no notebook pays for it."""
    import importlib
    import pkgutil

    import cpmetrics

    for mod in pkgutil.iter_modules(cpmetrics.__path__, "cpmetrics."):
        if mod.name.endswith((".cli", ".pack", "__main__")):
            continue
        try:
            importlib.import_module(mod.name)
        except Exception:  # noqa: BLE001 - a notebook that needs it will say what is wrong
            pass


_WARMUP = """
import warnings as _w
import matplotlib, matplotlib.figure
from cpmetrics import pack as _pack
_pack._preload()
_pack._install_load_cache()
_pack._install_published_cache()
_pack._KERNEL_RC = dict(matplotlib.rcParams)
_pack._KERNEL_WARNINGS = list(_w.filters)
import gc as _gc
_gc.collect()
_gc.freeze()  # what every notebook shares is never scanned again by the collector
del _w, _pack, _gc
"""

_RESET = """
get_ipython().reset(new_session=True)
import os as _os, sys as _sys, warnings as _w
import matplotlib as _mpl, pandas as _pd
from cpmetrics import pack as _pack
if "matplotlib.pyplot" in _sys.modules:
    _sys.modules["matplotlib.pyplot"].close("all")
_mpl.rcParams.update(_pack._KERNEL_RC)
_w.filters[:] = _pack._KERNEL_WARNINGS
with _w.catch_warnings():
    _w.simplefilter("ignore")
    _pd.reset_option("all")
_os.chdir({cwd!r})
_pack._SHARED_DIR = {shared!r}
get_ipython().execution_count = 1
del _os, _sys, _w, _mpl, _pd, _pack
"""

# ---- worker processes -------------------------------------------------------------------------

_KERNEL: dict[str, Any] = {}


def _kernel_env(root: Path) -> dict[str, str]:
    """The kernel's environment: the project's root known, MPLBACKEND left to ipykernel (inline)."""
    env = dict(os.environ)
    env.pop("MPLBACKEND", None)
    env["CPMETRICS_ROOT"] = str(root)
    env.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    env.setdefault("JUPYTER_PLATFORM_DIRS", "1")
    return env


def _run_quiet(kc: Any, code: str, timeout: float = 120) -> None:
    """Run set-up code in the kernel without recording it; raise when it fails."""
    reply = kc.execute_interactive(
        code, silent=True, store_history=False, timeout=timeout, output_hook=lambda msg: None
    )
    content = reply["content"]
    if content.get("status") != "ok":
        raise RuntimeError(f"kernel set-up failed: {content.get('ename')}: {content.get('evalue')}")


def _start_kernel(root: Path) -> None:
    """Start this worker's kernel process and its client, without waiting for it to be ready."""
    km = _KERNEL.get("km")
    if km is not None:
        if km.is_alive():
            return
        _shutdown_kernel()
    from multiprocessing import util

    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import KernelManager

    # The kernelspec installed into this environment (`make setup`), or ipykernel's own:
    # both run sys.executable, so a user-wide "python3" kernel elsewhere is never picked up.
    ksm = KernelSpecManager(kernel_dirs=[str(Path(sys.prefix) / "share" / "jupyter" / "kernels")])
    km = KernelManager(kernel_name="python3", kernel_spec_manager=ksm)
    # The kernel's own chatter (start-up, warnings; notebook output is on iopub) is read from a
    # pipe into memory, never written to a file of its own: it can hold child-level values, so
    # it goes only into a failed pack's kept build (`kernel_log`). No IPython history either:
    # a pack's kernel has no use for it, and saving it to sqlite after every cell cost time.
    km.start_kernel(env=_kernel_env(root), cwd=str(root), stdout=subprocess.DEVNULL,
                    stderr=subprocess.PIPE, extra_arguments=["--HistoryManager.enabled=False"])
    log = _KernelLog(km.provisioner.process.stderr)
    kc = km.client()
    kc.start_channels()
    _KERNEL.update(km=km, kc=kc, log=log, ready=False)
    util.Finalize(km, _shutdown_kernel, exitpriority=10)


class _KernelLog:
    """The last lines a kernel wrote to stderr, drained from its pipe by a daemon thread (a full
    pipe would block the kernel)."""

    def __init__(self, stream: Any, keep: int = 2000) -> None:
        self._lines: collections.deque[str] = collections.deque(maxlen=keep)
        threading.Thread(target=self._drain, args=(stream,), daemon=True).start()

    def _drain(self, stream: Any) -> None:
        with stream:
            for raw in iter(stream.readline, b""):
                self._lines.append(raw.decode("utf-8", errors="replace"))

    def take(self) -> str:
        """What the kernel wrote since the last call."""
        out = []
        while self._lines:
            out.append(self._lines.popleft())
        return "".join(out)


def _keep_kernel_log(build: Path) -> None:
    """A failed notebook's build keeps what its kernel wrote to stderr, as `kernel.log`."""
    log = _KERNEL.get("log")
    text = log.take() if log is not None else ""
    if text:
        with open(build / "kernel.log", "a", encoding="utf-8") as f:
            f.write(text)


def _kernel(root: Path) -> tuple[Any, Any]:
    """This worker's kernel (started once, restarted if it died), ready and warmed up."""
    km = _KERNEL.get("km")
    if km is None or not km.is_alive():
        _start_kernel(root)
    km, kc = _KERNEL["km"], _KERNEL["kc"]
    if _KERNEL.get("ready"):
        return km, kc
    try:
        kc.wait_for_ready(timeout=120)
    except RuntimeError as exc:
        tail = _KERNEL["log"].take()[-2000:]
        _shutdown_kernel()
        raise RuntimeError(f"the kernel did not start ({exc}); its stderr ends:\n{tail}") from exc
    _run_quiet(kc, _WARMUP)
    _KERNEL["ready"] = True
    return km, kc


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


def _shutdown_kernel() -> None:
    km, kc = _KERNEL.pop("km", None), _KERNEL.pop("kc", None)
    _KERNEL.pop("ready", None)
    if kc is not None:
        kc.stop_channels()
    if km is not None:
        km.shutdown_kernel(now=True)


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


# ---- pages --------------------------------------------------------------------------------------

_SCRIPT = re.compile(r"<script\b[^>]*>.*?</script\s*>", re.I | re.S)
_EXTERNAL_LINK = re.compile(r"<link\b[^>]*\bhref\s*=\s*[\"']?(?:https?:)?//[^>]*>", re.I)
_EXTERNAL_ANCHOR = re.compile(
    r"<a\b[^>]*\bhref\s*=\s*[\"']((?:https?:)?//[^\"']+)[\"'][^>]*>(.*?)</a>", re.I | re.S
)
_EXTERNAL_ATTR = re.compile(r"\b(src|href)\s*=\s*[\"']?(?:https?:)?//", re.I)
_CSS_IMPORT = re.compile(r"@import\s+url\([\"']?(?:https?:)?//[^)]*\)\s*;?", re.I)
_CSS_URL = re.compile(r"url\(\s*[\"']?(?:https?:)?//", re.I)


def offline(page: str) -> str:
    """Strip everything that could fetch from another host: every script (require.js, MathJax,
    the mermaid loader: the pages need none), external stylesheets and CSS imports.

    Links to other sites keep their text and show the address as text, so a
    reader can still see where a figure comes from without the page reaching out.
    """
    page = _SCRIPT.sub("", page)
    page = _EXTERNAL_LINK.sub("", page)
    page = _CSS_IMPORT.sub("", page)

    def anchor(m: re.Match[str]) -> str:
        text, url = m.group(2), m.group(1)
        shown = html.escape(url)
        return text if shown in text else f"{text} ({shown})"

    return _EXTERNAL_ANCHOR.sub(anchor, page)


def external_refs(page: str) -> list[str]:
    """Every src=, href=, CSS url() pointing at another host, and any script (should be none)."""
    found = [*_EXTERNAL_ATTR.finditer(page), *_CSS_URL.finditer(page),
             *re.finditer(r"<script\b", page, re.I)]
    return [page[max(0, m.start() - 20): m.end() + 40] for m in found]


@functools.cache
def _exporter() -> Any:
    """One HTML exporter per process: its templates are compiled once, not once per page."""
    from nbconvert import HTMLExporter
    from nbconvert.exporters.templateexporter import TemplateExporter
    from nbconvert.filters.highlight import Highlight2HTML
    from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter

    class PageExporter(HTMLExporter):
        """nbconvert's lab HTML, less two passes a pack's pages do not need.

        nbconvert re-parses every page with BeautifulSoup to give images
        without alt text a placeholder (every chart here has its own alt text,
        and `check_pack` refuses a page with an image without one) and to
        make cells and outputs focusable, done here by `_FOCUSABLE`; and it validates
        the whole notebook after each of its preprocessors, which change
        nothing here. Together they were most of the time a page took.
        """

        def _validate_preprocessor(self, nbc: Any, preprocessor: Any) -> None:
            return None

        def from_notebook_node(self, nb: Any, resources: Any = None, **kw: Any) -> Any:
            lang = nb.metadata.get("language_info", {})
            lexer = lang.get("pygments_lexer", lang.get("name", None))
            self.register_filter("highlight_code", self.filters.get(
                "highlight_code", Highlight2HTML(pygments_lexer=lexer, parent=self)))
            resources = self._init_resources(resources)
            self.register_filter("filter_data_type", WidgetsDataTypeFilter(
                notebook_metadata=self._nb_metadata, parent=self, resources=resources))
            page, resources = TemplateExporter.from_notebook_node(self, nb, resources, **kw)
            return _FOCUSABLE.sub(r'\1 tabindex="0"', page), resources

    return PageExporter(
        template_name="lab",
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        embed_images=True,
    )


#: The output areas a keyboard user can move to, as nbconvert marks them
_FOCUSABLE = re.compile(
    r'(<div\b[^>]*\bclass="[^"]*\b(?:jp-OutputArea-output|jp-Cell-inputWrapper)\b[^"]*")'
)


def export_page(nb: Any, title: str) -> str:
    """A notebook as a self-contained HTML page: markdown and outputs, no code, no stderr."""
    import nbformat

    # a new notebook holding the same outputs less stderr (the exporter copies what it changes)
    cells = []
    for cell in nb.cells:
        cell = nbformat.NotebookNode(cell)
        if cell.cell_type == "code":
            cell.outputs = [
                o for o in cell.get("outputs", [])
                if not (o.get("output_type") == "stream" and o.get("name") == "stderr")
            ]
        cells.append(cell)
    nb = nbformat.NotebookNode({**nb, "cells": cells})
    exporter = _exporter()
    body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": title}})
    # a landmark of its own: content outside every landmark is lost to a screen reader's
    # landmark navigation (axe's `region` rule)
    back = ('<nav class="pack-nav" aria-label="Pack" style="font-family: '
            'var(--jp-ui-font-family, sans-serif); font-size: 14px; margin: 12px 20px 0">'
            '<a href="index.html">Back to the pack contents</a></nav>')
    body = re.sub(r"(<body[^>]*>)", lambda m: m.group(1) + back, body, count=1)
    return offline(body)


# ---- running many notebooks ------------------------------------------------------------------


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


# ---- the pack ----------------------------------------------------------------------------------


@dataclass
class PackResult:
    """One period's pack: published, or failed with the reasons and where the build was kept."""

    period: str
    dest: Path
    ok: bool = False
    problems: list[str] = field(default_factory=list)
    kept: Path | None = None
    notebooks: list[NotebookResult] = field(default_factory=list)


@functools.lru_cache(maxsize=4)
def _load_cached(fingerprint: tuple) -> Any:
    from cpmetrics.sources import load

    return load(fingerprint[0])


def _tables(path: Path) -> Any:
    """The data set, loaded once per process for all periods that use it."""
    return _load_cached(_fingerprint(path))


@functools.lru_cache(maxsize=4)
def _secrets_cached(fingerprint: tuple) -> Secrets:
    return secrets_of(_load_cached(fingerprint))


def _secrets(path: Path) -> Secrets:
    """The data set's child ids and birth dates, worked out once per process."""
    return _secrets_cached(_fingerprint(path))


def pack_metrics(params: Params, root: Path) -> dict:
    """metrics.json: what `cpmetrics metrics` prints for this period and data, suppressed,
    plus a `pack` object of our own."""
    from cpmetrics import __version__
    from cpmetrics.cli import _rate
    from cpmetrics.disclosure import suppress_metrics
    from cpmetrics.measures import headline

    tables = _tables(params.data_path(root))
    period = params.period
    raw = headline(tables, period, rate=_rate(tables, period, params.la),
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


def _write_csv(rows: list[dict[str, Any]], path: Path) -> None:
    import pandas as pd

    pd.DataFrame(rows, columns=["item", "description", "count"]).to_csv(path, index=False)


def _meta(build: Path, kind: str) -> list[dict[str, Any]]:
    folder = build / "_meta"
    return [json.loads(p.read_text(encoding="utf-8"))
            for p in sorted(folder.glob(f"*.{kind}.json"))] if folder.is_dir() else []


def write_workbook(build: Path, tables: list[dict[str, Any]], params: Params) -> Path | None:
    """Every table in one accessible workbook (`cpmetrics.workbook`): a sheet each, titled, with
    the period, the legend of the markers and the source above it, and plain headings; first,
    the data dictionary, saying what each heading means and which CSV column it is."""
    import csv

    from cpmetrics import data_dictionary, workbook

    if not tables:
        return None
    t = params.suppression_threshold

    def read(path: Path) -> tuple[list[str], list[list[Any]]]:
        with open(path, newline="", encoding="utf-8") as f:
            header, *rows = list(csv.reader(f)) or [[]]
        return ([data_dictionary.heading(h) for h in header],
                [[workbook.cell_value(v) for v in r] for r in rows])

    about_dictionary = ("This worksheet contains one table.",
                        "A row for each column of the tables: its name in the CSV files, the"
                        " heading the other sheets give it, what it means, its unit and the CSV"
                        " files that have it.")
    header, rows = read(build / data_dictionary.FILE)
    sheets = [workbook.Sheet("Data dictionary", "Data dictionary: what each column means",
                             header, rows, above=about_dictionary)]
    for meta in tables:
        header, rows = read(build / "tables" / f"{meta['name']}.csv")
        sheets.append(workbook.Sheet(meta["name"], meta["title"], header, rows))
    return workbook.write_workbook(
        build / "tables.xlsx", sheets,
        title=f"Child protection plans: period pack {params.month}",
        intro=[f"Tables for the reporting period ending {params.period.end:%d %B %Y}.",
               f"Counts from 1 to {t - 1} are shown as <{t} (disclosure control)."],
        about=["Definitions follow the DfE Children in Need statistics.",
               "Each table is also in the pack as a CSV file, in the folder tables, its columns"
               " named as the sheet Data dictionary gives them (also data_dictionary.csv)."],
        above=[f"Reporting period {params.period.start:%d %B %Y} to {params.period.end:%d %B %Y}",
               "This worksheet contains one table.",
               f"<{t} = a count from 1 to {t - 1}, not shown to protect children's privacy",
               "[c] = not shown because it would reveal a count below the threshold",
               "[x] = not available",
               f"Source: {params.data}, cpmetrics period pack {params.month}"],
    )


_LABELS = {
    "on_plan": "Children on a child protection plan at the reporting date",
    "on_plan_second_or_subsequent": "of whom on a second or subsequent plan",
    "on_plan_2y_plus": "of whom on their plan two years or more",
    "starts": "Plans started in the period",
    "starts_second_or_subsequent": "of which second or subsequent plans",
    "starts_dv": "of which linked to domestic violence or abuse",
    "ended": "Plans ended in the period",
    "ended_2y_plus": "of which lasted two years or more",
    "rate_per_10k": "Children on a plan per 10,000 children aged 0-17",
    "icpc_within_15_days": "Initial conferences in the period within 15 working days of the"
                           " enquiry starting",
    "reviews_in_time": "Children on a plan 3 months or more reviewed in time",
}
#: the published measure (`comparison.published_figure`) beside each headline key, for
#: metrics.json's `pack.published` and the index's neighbours and England columns
PUBLISHED = {
    "starts_second_or_subsequent": "starts_second_or_subsequent_pct",
    "on_plan_2y_plus": "on_plan_2y_plus_pct",
    "ended_2y_plus": "ended_2y_plus_pct",
    "rate_per_10k": "on_plan_rate_per_10k",
    "icpc_within_15_days": "icpc_within_15_days_pct",
    "reviews_in_time": "reviews_in_time_pct",
}

_CSS = """
body{font-family:Arial,Helvetica,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;
color:#0b0c0c;line-height:1.5}
h1{font-size:2rem;margin-bottom:.25rem}table{border-collapse:collapse;margin:1rem 0}
th,td{border-bottom:1px solid #b1b4b6;padding:.4rem .8rem;text-align:left;vertical-align:top}
td.num{text-align:right;font-variant-numeric:tabular-nums}a{color:#1d70b8}
.meta{color:#505a5f}caption{text-align:left;font-weight:bold;padding:.5rem 0}
"""


def _shown(v: Any) -> str:
    if v is None:
        return "not available"
    if isinstance(v, dict):
        n, of, pct = v.get("n"), v.get("of"), v.get("pct")
        share = f" ({pct:.1f}%)" if isinstance(pct, int | float) else ""
        return f"{n} of {of}{share}"
    if isinstance(v, float):
        return f"{v:.1f}"
    return str(v)


def _beside(value: float | None, pub: dict) -> str:
    """A published figure for the index: "80.5% (2016-17)", blank when there is none."""
    if value is None:
        return ""
    unit = "" if pub.get("measure") == "on_plan_rate_per_10k" else "%"
    return f"{value:.1f}{unit} ({pub['year']})" if pub.get("year") else f"{value:.1f}{unit}"


def published_beside(params: Params) -> dict[str, dict]:
    """metrics.json's `pack.published`: for each headline key with a published counterpart
    (`PUBLISHED`), DfE's figure for the statistical neighbours (mean) and England in the year to
    compare with at the reporting date: `{measure, year, neighbours, england}`, None where
    unpublished."""
    from cpmetrics.comparison import published_figure

    out = {}
    for key, measure in PUBLISHED.items():
        f = published_figure(params.la, measure, params.period.end, params.sn_grouping)
        out[key] = {"measure": measure, "year": f["year_label"], "neighbours": f["neighbours"],
                    "england": f["england"]}
    return out


def _missing(missing: Iterable[dict]) -> list[str]:
    """What the data set cannot show (the pack's unavailable artefacts), a sentence a reason."""
    from cpmetrics.unavailable import NotAvailable, in_short

    return in_short([NotAvailable(m["what"], m["reason"]) for m in missing])


def index_page(params: Params, metrics: dict, results: list[NotebookResult],
               tables: list[dict], charts: list[dict], has_workbook: bool,
               missing: Iterable[dict] = ()) -> str:
    """The pack's front page: headline, links to each page and file, where the numbers came from,
    the dates the data cover and what the data cannot show (`missing`: unavailable artefacts)."""
    e = html.escape
    p = metrics["pack"]
    rows = []
    for key, label in _LABELS.items():
        if key not in metrics:
            continue
        ci = p["wilson_95"].get(key)
        interval = f"{ci[0]:.1f}% to {ci[1]:.1f}%" if ci else ""
        pub = p.get("published", {}).get(key) or {}
        beside = "".join(
            f"<td class=\"num\">{e(_beside(pub.get(who), pub))}</td>"
            for who in ("neighbours", "england"))
        rows.append(f"<tr><th scope=\"row\">{e(label)}</th><td class=\"num\">"
                    f"{e(_shown(metrics[key]))}</td><td class=\"num\">{e(interval)}</td>"
                    f"{beside}</tr>")
    pages = "".join(
        f'<li><a href="{e(Path(r.notebook).stem)}{PAGE_SUFFIX}">{e(r.title)}</a></li>'
        for r in sorted(results, key=lambda r: r.notebook)
    )
    files = [(METHODS_PAGE, "how every figure is worked out: its DfE table and definition, the"
              " decisions taken where DfE is silent, and what could make a figure differ from"
              " DfE's (docs/methods.md)"),
             ("data_dictionary.csv", "what each column of the CSV files means: its heading,"
              " meaning and unit"),
             ("metrics.json", "headline measures as JSON"),
             ("quality.csv", "data-quality summary (counts only)")]
    if has_workbook:
        files.insert(0, ("tables.xlsx", "every table in one Excel workbook"))
    files_html = "".join(f'<li><a href="{e(f)}">{e(f)}</a>: {e(d)}</li>' for f, d in files)
    tables_html = "".join(
        f'<li><a href="tables/{e(t["name"])}.csv">{e(t["title"])}</a></li>' for t in tables
    )
    charts_html = "".join(
        f'<li><a href="charts/{e(c["name"])}.png">{e(c["name"])}</a>: {e(c["alt"])}</li>'
        for c in charts
    )
    period = params.period
    t = params.suppression_threshold
    covered = metrics.get("coverage", {}).get("basis") or ""
    reasons = _missing(missing)
    missing_html = ("<h2>Not available from this data set</h2><ul>"
                    + "".join(f"<li>{e(r)}</li>" for r in reasons) + "</ul>") if reasons else ""
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Child protection plans: period pack {e(params.month)}</title><style>{_CSS}</style></head>
<body><main>
<h1>Child protection plans: period pack {e(params.month)}</h1>
<p class="meta">Reporting date {period.end:%d %B %Y}; period {period.start:%d %B %Y} to
{period.end:%d %B %Y}. Council (DfE number) {e(params.la)}. Data: <code>{e(params.data)}</code>.
Made {e(p["made_at"])} with cpmetrics {e(p["cpmetrics_version"])}.</p>
<p class="meta">{e(covered)}</p>
<table><caption>Headline measures</caption>
<thead><tr><th scope="col">Measure</th><th scope="col">This period</th>
<th scope="col">95% interval</th><th scope="col">Statistical neighbours (published)</th>
<th scope="col">England (published)</th></tr></thead><tbody>{"".join(rows)}</tbody></table>
<p>Counts from 1 to {t - 1} are shown as &lt;{t}, and a percentage that would reveal one is not
shown, so that no child can be identified.</p>
<h2>Pages</h2><ul>{pages}</ul>
{missing_html}
<h2>Files</h2><ul>{files_html}</ul>
<h2>Tables (CSV)</h2><ul>{tables_html or "<li>none</li>"}</ul>
<h2>Charts (PNG)</h2><ul>{charts_html or "<li>none</li>"}</ul>
</main></body></html>
"""


METHODS_PAGE = "methods.html"


def methods_page(root: Path) -> str:
    """docs/methods.md as a page of the pack, so a reader of the pack can see how every figure
    was worked out without the project (mistune: the Markdown renderer nbconvert uses).

    Rendered once per process while the file is unchanged (`pack --all` writes it 18 times).
    """
    return _methods_page(_fingerprint(root / "docs" / "methods.md"))


@functools.lru_cache(maxsize=2)
def _methods_page(fingerprint: tuple) -> str:
    import mistune

    text = Path(fingerprint[0]).read_text(encoding="utf-8")
    body = mistune.create_markdown(plugins=["table"])(text)
    title = re.search(r"^#\s+(.+)$", text, re.M)
    e = html.escape
    return offline(f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{e(title.group(1) if title else "Methods")}</title><style>{_CSS}</style></head>
<body><nav aria-label="Pack"><p><a href="index.html">Back to the pack contents</a></p></nav>
<main>
{body}
</main></body></html>
""")


# ---- checks before publishing ------------------------------------------------------------------

_BASE64_RUN = re.compile(r"[A-Za-z0-9+/=\\n]{200,}")
_DATA_URI = re.compile(r"(?<=;base64,)[A-Za-z0-9+/=]+")
_TOKEN = re.compile(r"[A-Za-z0-9]+")
_DATE_TOKEN = re.compile(r"\b(\d{4}-\d{2}-\d{2}|\d{1,2}/\d{1,2}/\d{4})\b")
TEXT_SUFFIXES = {".html", ".ipynb", ".csv", ".json", ".txt", ".md"}


@dataclass(frozen=True)
class Secrets:
    """What must never appear in a pack: the input's child ids and dates of birth."""

    ids: frozenset[str]
    dates: frozenset[str]


def secrets_of(tables: Any) -> Secrets:
    """Child ids and unique pupil numbers (those distinctive enough to find in text) and birth
    dates, in common spellings.

    A birth date that is also a month end or the first of a month is left out:
    packs legitimately show such dates (month ends, period starts).
    """
    ids: set[str] = set()
    for frame in (tables.plans, getattr(tables, "children", None),
                  getattr(tables, "section47", None), getattr(tables, "visits", None)):
        if frame is not None and "child_id" in frame:
            ids.update(str(c) for c in frame["child_id"].dropna().unique())
    children = getattr(tables, "children", None)
    if children is not None and "upn" in children:
        ids.update(str(u) for u in children["upn"].dropna().unique())
    ids = {i for i in ids if len(i) >= 6 or re.search(r"[A-Za-z]", i)}
    dates: set[str] = set()
    children = getattr(tables, "children", None)
    if children is not None:
        for col in ("birth_date", "expected_birth_date"):
            if col in children:
                for d in children[col].dropna():
                    if d.day == 1 or d.is_month_end:
                        continue
                    dates.update({d.strftime("%Y-%m-%d"), d.strftime("%d/%m/%Y"),
                                  f"{d.day}/{d.month}/{d.year}"})
    return Secrets(frozenset(ids), frozenset(dates))


def check_pack(folder: Path, secrets: Secrets, threshold: int) -> list[str]:
    """Everything wrong with a built pack; an empty list means it may be published."""
    problems: list[str] = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        problems.extend(check_file(path, folder, secrets, threshold))
    return problems


_STYLE_BLOCK = re.compile(r"(<style\b[^>]*>.*?</style\s*>)", re.I | re.S)


def _findings(text: str) -> tuple[set[str], set[str]]:
    """The words and date-like tokens of a text, base64 runs (images' bytes) left out."""
    scan = _BASE64_RUN.sub(" ", text)
    return set(_TOKEN.findall(scan)), set(_DATE_TOKEN.findall(scan))


@functools.lru_cache(maxsize=32)
def _stylesheet_findings(css: str) -> tuple[frozenset[str], frozenset[str], tuple[str, ...]]:
    """A stylesheet's words, date-like tokens and references to other hosts. Every page of a
    pack carries the same nbconvert stylesheets (nine tenths of a page without its images):
    read once per process rather than once per page."""
    tokens, dates = _findings(css)
    return frozenset(tokens), frozenset(dates), tuple(external_refs(css))


def check_file(path: Path, folder: Path, secrets: Secrets, threshold: int) -> list[str]:
    """Everything wrong with one file of a built pack (text files only: the rest are not read)."""
    from cpmetrics.disclosure import is_row_level, small_counts

    problems: list[str] = []
    rel = path.relative_to(folder)
    if path.suffix not in TEXT_SUFFIXES:
        return problems
    text = path.read_text(encoding="utf-8", errors="replace")
    refs: list[str] = []
    if path.suffix == ".html":  # an embedded image's bytes fetch nothing and name no one
        text = _DATA_URI.sub("", text)
        parts = _STYLE_BLOCK.split(text)  # the page between its stylesheets, and each of them
        text = " ".join(parts[::2])
        tokens, dates = _findings(text)
        refs = external_refs(text)
        for css in parts[1::2]:
            css_tokens, css_dates, css_refs = _stylesheet_findings(css)
            tokens, dates, refs = tokens | css_tokens, dates | css_dates, refs + list(css_refs)
    else:
        tokens, dates = _findings(text)
    ids = secrets.ids.intersection(tokens)
    if ids:
        problems.append(f"{rel}: holds {len(ids)} child id(s) from the input")
    births = secrets.dates.intersection(dates)
    if births:
        problems.append(f"{rel}: holds {len(births)} date(s) of birth from the input")
    if path.suffix == ".html":
        if refs:
            problems.append(f"{rel}: refers to another host ({refs[0]!r})")
        blind = [m for m in re.findall(r"<img\b[^>]*>", text) if not re.search(r"\balt=", m)]
        if blind:
            problems.append(f"{rel}: {len(blind)} image(s) without alt text")
        heads = re.findall(r"<th[^>]*>\s*([^<]+?)\s*</th>", text)
        bad = sorted({h for h in heads if is_row_level(h)})
        if bad:
            problems.append(f"{rel}: a table has row-level column(s) {', '.join(bad)}")
    if path.suffix == ".csv":
        problems.extend(_check_csv(path, rel, threshold))
    if path.name == "metrics.json":
        small = small_counts(json.loads(text), threshold)
        if small:
            problems.append(f"{rel}: counts below {threshold} at {', '.join(small[:5])}")
    return problems


_WHOLE = re.compile(r"\d+")
_NUMBER = re.compile(r"-?[\d.]+")


def _csv_columns(path: Path) -> list[tuple[str, list[str]]]:
    """A CSV's columns as text, named as `pandas.read_csv` names them (an empty heading is
    `Unnamed: i`, a repeated one `name.1`), without building a DataFrame."""
    import csv

    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    if not rows:
        return []
    names: list[str] = []
    for i, h in enumerate(rows[0]):
        name = h or f"Unnamed: {i}"
        base, k = name, 0
        while name in names:
            k += 1
            name = f"{base}.{k}"
        names.append(name)
    body = [r for r in rows[1:] if r]
    return [(n, [r[i] if i < len(r) else "" for r in body]) for i, n in enumerate(names)]


def _check_csv(path: Path, rel: Path, threshold: int) -> list[str]:
    """A pack CSV's row-level columns and counts below the threshold.

    Read with the csv module (a pack has two dozen small CSVs: a DataFrame each
    cost more than the check); a column is judged by `disclosure._kind` on its
    numbers, as `suppress_table` would judge it.
    """
    import pandas as pd

    from cpmetrics.disclosure import _kind, is_row_level

    columns = _csv_columns(path)
    bad = [c for c, _ in columns if is_row_level(c)]
    if bad:
        return [f"{rel}: row-level column(s) {', '.join(bad)}"]
    problems = []
    for c, values in columns:
        if not any(_WHOLE.fullmatch(v) for v in values):
            continue
        numbers = [x for x in (_number(v) for v in values if _NUMBER.fullmatch(v))
                   if x is not None]
        if not numbers:
            continue
        dtype = "int64" if len(numbers) == len(values) and all(
            isinstance(x, int) for x in numbers) else "float64"
        numeric = pd.Series(numbers, dtype=dtype)
        kind = _kind(numeric, c, set(), set(), set())
        if kind == "count" and any(0 < x < threshold for x in numbers):
            problems.append(f"{rel}: column {c!r} holds a count below {threshold}")
    return problems


def _number(text: str) -> int | float | None:
    """`text` as `pandas.to_numeric` reads it (`-?[\\d.]+` only), None where it is no number."""
    try:
        return int(text)
    except ValueError:
        try:
            return float(text)
        except ValueError:
            return None


# ---- publishing ------------------------------------------------------------------------------


def _replace_text(folder: Path, old: str, new: str) -> None:
    """Point the executed notebooks' `pack_dir` at the published folder, not the build folder."""
    for path in folder.rglob("*"):
        if path.suffix in (".ipynb", ".html") and path.is_file():
            text = path.read_text(encoding="utf-8")
            if old in text:
                path.write_text(text.replace(old, new), encoding="utf-8")


def _publish(build: Path, dest: Path) -> None:
    """Swap the new pack into place; the old one is removed only after the swap."""
    old = None
    if dest.exists():
        old = dest.with_name(f".{dest.name}.old-{uuid.uuid4().hex[:8]}")
        dest.rename(old)
    try:
        build.rename(dest)
    except OSError:
        if old is not None:
            old.rename(dest)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _keep_failed(build: Path, dest: Path) -> Path:
    kept = dest.with_name(dest.name + FAILED_SUFFIX)
    if kept.exists():
        shutil.rmtree(kept)
    build.rename(kept)
    return kept


def _now() -> str:
    return dt.datetime.now().astimezone().isoformat(timespec="seconds")


class _Ahead:
    """What a pack needs from the data and its params alone (metrics.json, quality.csv and
    what must never appear in it), worked out in this process while the notebooks run."""

    def __init__(self, params_list: list[Params], root: Path) -> None:
        self.params_list, self.root = params_list, root
        self._lock = threading.Lock()
        self._done: dict[str, tuple[dict, list[dict[str, Any]], Secrets]] = {}
        self._to_share: list[tuple[str, tuple, Callable[[], Any]]] | None = None

    def _work_out(self, params: Params) -> tuple[dict, list[dict[str, Any]], Secrets]:
        return (pack_metrics(params, self.root), _quality_rows(params, self.root),
                _secrets(params.data_path(self.root)))

    def get(self, params: Params) -> tuple[dict, list[dict[str, Any]], Secrets]:
        with self._lock:
            if params.month not in self._done:
                self._done[params.month] = self._work_out(params)
            return self._done.pop(params.month)  # each pack takes its own once

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
                    if p.month not in self._done:
                        self._done[p.month] = self._work_out(p)
            except Exception:  # noqa: BLE001 - finish_pack works it out again and reports it
                pass


def finish_pack(params: Params, build: Path, dest: Path, results: list[NotebookResult],
                root: Path, ahead: _Ahead | None = None) -> PackResult:
    """Write the pack-level files, check everything, publish or keep the build for debugging."""
    result = PackResult(params.month, dest, notebooks=results)
    failed = [r for r in results if not r.ok]
    if failed:
        result.problems = [f"{r.notebook} failed at {r.error}" for r in failed]
        result.kept = _keep_failed(build, dest)
        return result
    from cpmetrics import data_dictionary

    try:
        tables, charts = _meta(build, "table"), _meta(build, "chart")
        missing = _meta(build, "unavailable")
        metrics, quality, secrets = (ahead or _Ahead([params], root)).get(params)
        metrics["pack"]["made_at"] = _now()
        (build / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n", encoding="utf-8")
        _write_csv(quality, build / "quality.csv")
        data_dictionary.write(build)
        shutil.rmtree(build / "_meta", ignore_errors=True)
        _replace_text(build, str(build), str(dest))
        (build / METHODS_PAGE).write_text(methods_page(root), encoding="utf-8")
        result.problems = check_pack(build, secrets, params.suppression_threshold)
        has_wb = write_workbook(build, tables, params) is not None
        page = index_page(params, metrics, results, tables, charts, has_wb, missing)
        index = build / "index.html"
        index.write_text(page.replace(str(build), str(dest)), encoding="utf-8")
        result.problems += check_file(index, build, secrets, params.suppression_threshold)
    except Exception as exc:  # noqa: BLE001 - any failure here fails this pack, not the others
        result.problems = [f"finishing the pack: {type(exc).__name__}: {exc}"]
    if result.problems:
        result.kept = _keep_failed(build, dest)
        return result
    _publish(build, dest)
    result.ok = True
    return result


def build_packs(
    params_list: list[Params],
    *,
    out_dir: Path,
    notebooks_dir: Path | None = None,
    jobs: int | None = None,
    progress: bool = True,
    root: Path | None = None,
) -> list[PackResult]:
    """Build one pack per params, sharing one pool of kernels; each pack is published atomically."""
    root = root or project_root()
    notebooks = find_notebooks(notebooks_dir or root / "notebooks")
    months = [p.month for p in params_list]
    dupes = sorted({m for m in months if months.count(m) > 1})
    if dupes:
        raise InputError(None, None, f"more than one params file for {', '.join(dupes)}")
    for p in params_list:
        if not p.data_path(root).exists():
            raise InputError(p.file, "key data", f"{p.data}: no such file or folder")
    for p in params_list:  # each data set read once (kept for the pack's own use), then checked
        check_coverage(p, root)
    out_dir.mkdir(parents=True, exist_ok=True)
    builds = {p.month: out_dir / f".{p.month}.building-{uuid.uuid4().hex[:8]}" for p in params_list}
    # data shared with the kernels: child-level, so beside the builds (never in the system's
    # temporary folder), private (0700) and removed below
    shared = Path(tempfile.mkdtemp(prefix=".shared-", dir=out_dir))
    # Longest first, so no worker is left with a long notebook while the others idle: the
    # committed notebooks' sizes (mostly their charts) say roughly how long each takes.
    longest_first = sorted(notebooks, key=lambda nb: nb.stat().st_size, reverse=True)
    tasks = []
    for p in params_list:
        builds[p.month].mkdir()
        values = p.notebook_parameters(builds[p.month])
        tasks.extend(Task(p.month, nb, builds[p.month], values, root, str(shared))
                     for nb in longest_first)
    by_month = {p.month: p for p in params_list}
    waiting = {m: len(notebooks) for m in months}
    done: dict[str, list[NotebookResult]] = {m: [] for m in months}
    packs: list[PackResult] = []
    jobs = max(1, min(jobs or os.cpu_count() or 2, len(tasks)))
    desc = f"pack {months[0]}" if len(months) == 1 else f"{len(months)} packs"
    # Read each data set and work out each pack's metrics in this process while the kernels
    # start and the notebooks run.
    ahead = _Ahead(params_list, root)
    ahead.promise(str(shared))
    prefetch = threading.Thread(target=ahead.run, args=(str(shared),), daemon=True)
    try:
        for r in run_notebooks(tasks, jobs, progress=progress, desc=desc, started=prefetch.start):
            done[r.period].append(r)
            waiting[r.period] -= 1
            if waiting[r.period] == 0:
                p = by_month[r.period]
                packs.append(finish_pack(p, builds[p.month], out_dir / p.month, done[p.month],
                                         root, ahead))
    finally:
        shutil.rmtree(shared, ignore_errors=True)
        for b in builds.values():
            if b.exists():
                shutil.rmtree(b, ignore_errors=True)
    return sorted(packs, key=lambda r: r.period)


def _selected(args: argparse.Namespace, root: Path) -> list[Params]:
    folder = root / "params"
    if getattr(args, "all", False):
        files = params_files(folder)
        if not files:
            raise InputError(folder, None, "holds no YYYY-MM.yaml params files")
        return [load_params(f) for f in files]
    if getattr(args, "params", None):
        return [load_params(args.params)]
    period = args.period or ""
    if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", period):
        raise InputError(None, None, f"--period {period!r} is not YYYY-MM")
    return [load_params(folder / f"{period}.yaml")]


def report(packs: Iterable[PackResult], out: Any = sys.stdout, err: Any = sys.stderr) -> int:
    """One line per pack; 1 when any failed."""
    status = 0
    for p in packs:
        if p.ok:
            print(f"{p.period}: pack written to {p.dest}", file=out)
            continue
        status = 1
        for line in p.problems:
            print(f"error: {p.period}: {line}", file=err)
        where = f"; the previous pack at {p.dest} is unchanged" if p.dest.exists() else ""
        print(f"error: {p.period}: pack not published; build kept for debugging at {p.kept}"
              f" (not for sharing){where}", file=err)
    return status


def main(args: argparse.Namespace) -> int:
    """`cpmetrics pack`: 0 when every pack was published, 1 when a notebook or a check failed."""
    root = project_root()
    params_list = _selected(args, root)
    out = Path(args.out) if getattr(args, "out", None) else root / "outputs"
    jobs = getattr(args, "jobs", None)
    if jobs is not None and jobs < 1:
        raise InputError(None, None, f"--jobs {jobs}: must be 1 or more")
    started = time.perf_counter()
    notebooks = Path(args.notebooks).resolve() if getattr(args, "notebooks", None) else None
    packs = build_packs(params_list, out_dir=out.resolve(), notebooks_dir=notebooks, jobs=jobs,
                        root=root, progress=True)
    status = report(packs)
    print(f"{sum(p.ok for p in packs)} of {len(packs)} pack(s) in "
          f"{time.perf_counter() - started:.1f}s", file=sys.stderr)
    return status
