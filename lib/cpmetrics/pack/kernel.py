"""A pack worker's warm kernel, and what runs inside it.

Each worker process of a pack starts one Jupyter kernel (the project's own
Python) and reuses it for every notebook it runs: `_WARMUP` runs once per
kernel (every cpmetrics module imported, the load and published-table caches
installed, matplotlib's and the warnings' state saved), `_RESET` before each
notebook (a fresh namespace, that state restored). The kernel's stderr is kept
in memory only (`_KernelLog`), for a failed pack's kept build.

Inside the kernel, `cpmetrics.sources.load` and `benchmarks.published_values`
take what the pack's own process has already worked out from the shared folder
(`_SHARED_DIR`, pickles named by `_data_key`), waiting while it is promised.

The state that code run in the kernel sets (`_SHARED_DIR`, `_KERNEL_RC`,
`_KERNEL_WARNINGS`) and the worker's kernel (`_KERNEL`) live in this module
only: `_WARMUP` and `_RESET` import `cpmetrics.pack.kernel` by name.
"""

from __future__ import annotations

import collections
import copy
import functools
import hashlib
import os
import pickle
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any


def _fingerprint(path: str | os.PathLike) -> tuple:
    """Where the data are and what they look like now: a changed file is read again."""
    p = Path(path).resolve()
    files = sorted(p.rglob("*")) if p.is_dir() else [p]
    return (str(p), tuple((str(f), f.stat().st_size, f.stat().st_mtime_ns) for f in files
                          if f.is_file()))


#: In a pack's kernel: the folder where the pack's own process leaves what it has already
#: read (the data set, the published tables) for the kernels to take instead of reading it again
_SHARED_DIR: str | None = None

#: In a pack's kernel: matplotlib's settings and the warnings filters as `_WARMUP` left them,
#: restored by `_RESET` before each notebook
_KERNEL_RC: dict[str, Any] = {}
_KERNEL_WARNINGS: list[Any] = []


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


#: data sets a kernel keeps loaded, the least recently used dropped first: a region's run (23
#: councils in the North West) runs council by council, so a few suffice
KERNEL_KEEP = 4


def _install_load_cache() -> None:
    """Make `cpmetrics.sources.load` read each data set once per kernel (a copy each call),
    or take it from the pack's process when that has read it already.

    Runs inside a pack's kernel only: interactive sessions are untouched.
    """
    import cpmetrics.sources as sources

    if getattr(sources.load, "_pack_cached", False):
        return
    original = sources.load
    cache: collections.OrderedDict[tuple, Any] = collections.OrderedDict()

    @functools.wraps(original)
    def load(path, *args, **kwargs):
        try:
            key = _data_key(path, args, kwargs)
        except (OSError, TypeError):
            return original(path, *args, **kwargs)
        if key not in cache:
            shared = _take_shared("data", key)
            cache[key] = shared if shared is not None else original(path, *args, **kwargs)
            while len(cache) > KERNEL_KEEP:  # a region's run passes many councils' data sets
                cache.popitem(last=False)
        cache.move_to_end(key)
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
from cpmetrics.pack import kernel as _kernel
_kernel._preload()
_kernel._install_load_cache()
_kernel._install_published_cache()
_kernel._KERNEL_RC = dict(matplotlib.rcParams)
_kernel._KERNEL_WARNINGS = list(_w.filters)
import gc as _gc
_gc.collect()
_gc.freeze()  # what every notebook shares is never scanned again by the collector
del _w, _kernel, _gc
"""

_RESET = """
get_ipython().reset(new_session=True)
import os as _os, sys as _sys, warnings as _w
import matplotlib as _mpl, pandas as _pd
from cpmetrics.pack import kernel as _kernel
if "matplotlib.pyplot" in _sys.modules:
    _sys.modules["matplotlib.pyplot"].close("all")
_mpl.rcParams.update(_kernel._KERNEL_RC)
_w.filters[:] = _kernel._KERNEL_WARNINGS
with _w.catch_warnings():
    _w.simplefilter("ignore")
    _pd.reset_option("all")
_os.chdir({cwd!r})
_kernel._SHARED_DIR = {shared!r}
get_ipython().execution_count = 1
del _os, _sys, _w, _mpl, _pd, _kernel
"""

#: In a worker: its kernel's manager, client and stderr log, whether it is warmed up, and the
#: notebook running on it
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



def _shutdown_kernel() -> None:
    km, kc = _KERNEL.pop("km", None), _KERNEL.pop("kc", None)
    _KERNEL.pop("ready", None)
    if kc is not None:
        kc.stop_channels()
    if km is not None:
        km.shutdown_kernel(now=True)
