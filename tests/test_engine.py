"""The pack engine: notebooks on Dask distributed workers, a lost worker's work run again.

The cluster here is real: a `dask scheduler` and two `dask worker` processes on
127.0.0.1, started by the test in sessions of their own (so a kill takes a
worker's nanny, worker and kernel together), watched by a timer that kills
them all if the test overruns, and always torn down.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import nbformat
import pytest
from conftest import sample_region
from cpmetrics.errors import InputError
from cpmetrics.pack.engine import NotebookResult, scheduler_from, write_files
from cpmetrics.params import load_params
from helpers import SAMPLE_PARAMS, run_pack

ROOT = Path(__file__).resolve().parents[1]
FIXTURE_NOTEBOOKS = ROOT / "tests" / "fixtures" / "pack_notebooks"
DASK = Path(sys.executable).with_name("dask")
#: the longest the cluster test may take before its watchdog kills the cluster (seconds)
WATCHDOG = 300


def test_scheduler_from_argument_environment_or_none(monkeypatch):
    monkeypatch.delenv("CPMETRICS_SCHEDULER", raising=False)
    assert scheduler_from(None) is None
    assert scheduler_from("tcp://10.0.0.5:8786") == "tcp://10.0.0.5:8786"
    monkeypatch.setenv("CPMETRICS_SCHEDULER", "tls://hub.example:8786")
    assert scheduler_from(None) == "tls://hub.example:8786"
    assert scheduler_from("local") == "local"  # the argument wins over the environment
    monkeypatch.setenv("CPMETRICS_SCHEDULER", "  ")
    assert scheduler_from(None) is None
    with pytest.raises(InputError, match="scheduler 'my cluster' is not an address"):
        scheduler_from("my cluster")


def test_an_unreachable_scheduler_is_one_line_and_exit_2(tmp_path):
    params = tmp_path / "2018-03.yaml"
    params.write_text(SAMPLE_PARAMS)
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    os.environ["CPMETRICS_CONNECT_TIMEOUT"] = "3"  # Dask retries a refused connection until then
    try:
        done = run_pack("--params", str(params), "--notebooks", str(FIXTURE_NOTEBOOKS),
                        "--out", str(tmp_path / "out"), "--scheduler",
                        f"tcp://127.0.0.1:{port}", cwd=tmp_path)
    finally:
        del os.environ["CPMETRICS_CONNECT_TIMEOUT"]
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith(f"error: scheduler tcp://127.0.0.1:{port}: cannot connect")
    assert not (tmp_path / "out" / "2018-03").exists()


def test_a_results_files_are_written_into_its_build(tmp_path):
    result = NotebookResult("2018-03", "x.ipynb", True, 1.0, files=(
        ("tables/a.csv", b"a\n1\n"), ("notebooks/x.ipynb", b"{}"), ("kernel.log", b"one\n")))
    build = tmp_path / "build"
    (build).mkdir()
    (build / "kernel.log").write_bytes(b"zero\n")
    left = write_files(result, build)
    assert left.files == () and left.ok and left.notebook == "x.ipynb"
    assert (build / "tables" / "a.csv").read_bytes() == b"a\n1\n"
    assert (build / "notebooks" / "x.ipynb").read_bytes() == b"{}"
    assert (build / "kernel.log").read_bytes() == b"zero\none\n"  # appended, not replaced


def test_a_remote_workers_files_come_back_naming_the_build(tmp_path):
    """A worker that cannot see the run's shared folder (another machine) sends its files as
    bytes; text that named its private folder names the build, images are left alone."""
    from cpmetrics.pack.engine import _files, _name_the_build

    work = tmp_path / "work-abc"
    (work / "tables").mkdir(parents=True)
    (work / "page.html").write_text(f"<p>made in {work}/tables</p>")
    (work / "tables" / "t.csv").write_text("a\n1\n")
    png = b"\x89PNG" + str(work).encode()
    (work / "chart.png").write_bytes(png)
    build = tmp_path / ".2018-03.building-x"
    _name_the_build(work, build)
    files = dict(_files(work))
    assert files == {"chart.png": png, "page.html": f"<p>made in {build}/tables</p>".encode(),
                     "tables/t.csv": b"a\n1\n"}


def test_a_local_workers_files_are_moved_from_its_workspace(tmp_path):
    work = tmp_path / "shared" / "run-x"
    (work / "tables").mkdir(parents=True)
    (work / "tables" / "t.csv").write_text("a\n1\n")
    (work / "kernel.log").write_text("two\n")
    build = tmp_path / "build"
    build.mkdir()
    (build / "kernel.log").write_text("one\n")
    left = write_files(NotebookResult("2018-03", "x.ipynb", False, 1.0, workspace=str(work)),
                       build)
    assert left.workspace == "" and not work.exists()
    assert (build / "tables" / "t.csv").read_text() == "a\n1\n"
    assert (build / "kernel.log").read_text() == "one\ntwo\n"


# ---- a real cluster ---------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Cluster:
    """`dask scheduler` and `dask worker`s on 127.0.0.1, each in a session of its own."""

    def __init__(self, workers: int, cwd: Path, elsewhere: Path | None = None) -> None:
        """`elsewhere`: the last worker runs as if on another machine, that folder (the
        outputs) hidden from it under an empty tmpfs in a mount namespace of its own."""
        self.address = f"tcp://127.0.0.1:{_free_port()}"
        self.procs: list[subprocess.Popen] = []
        self.cwd = cwd
        self._start(["scheduler", "--host", "127.0.0.1", "--port",
                     self.address.rsplit(":", 1)[1], "--no-dashboard"])
        worker = ["worker", self.address, "--nthreads", "1", "--nworkers", "1", "--host",
                  "127.0.0.1", "--no-dashboard"]
        self.workers = [self._start(worker, hide=elsewhere if i == workers - 1 else None)
                        for i in range(workers)]
        self.timer = threading.Timer(WATCHDOG, self.close)
        self.timer.daemon = True
        self.timer.start()

    def _start(self, args: list[str], hide: Path | None = None) -> subprocess.Popen:
        log = open(self.cwd / f"dask-{len(self.procs)}.log", "wb")  # noqa: SIM115 - closed by the OS
        command = [str(DASK), *args]
        if hide is not None:
            command = ["unshare", "--mount", "sh", "-c", f'mount -t tmpfs tmpfs "{hide}" && exec'
                       + "".join(f' "{a}"' for a in command)]
        p = subprocess.Popen(command, cwd=self.cwd, stdout=log, stderr=log,
                             start_new_session=True)
        self.procs.append(p)
        return p

    def kill(self, proc: subprocess.Popen) -> None:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass

    def close(self) -> None:
        self.timer.cancel()
        for p in self.procs:
            self.kill(p)
        for p in self.procs:
            p.wait(timeout=30)


@pytest.mark.skipif(not DASK.exists(), reason="dask's command line is not installed")
def test_a_scheduler_without_workers_is_one_line_and_exit_2(tmp_path):
    params = tmp_path / "2018-03.yaml"
    params.write_text(SAMPLE_PARAMS)
    cluster = Cluster(0, tmp_path)
    os.environ["CPMETRICS_CONNECT_TIMEOUT"] = "4"
    try:
        done = run_pack("--params", str(params), "--notebooks", str(FIXTURE_NOTEBOOKS),
                        "--out", str(tmp_path / "out"), "--scheduler", cluster.address,
                        cwd=tmp_path)
    finally:
        del os.environ["CPMETRICS_CONNECT_TIMEOUT"]
        cluster.close()
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        f"error: scheduler {cluster.address} has no workers (waited 4 s): start some with"
        " `dask worker`"]


def _slow_notebook(folder: Path) -> None:
    """A notebook that runs long enough to be caught mid-run."""
    nb = nbformat.v4.new_notebook(metadata={
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
        "language_info": {"name": "python"}})
    params = nbformat.v4.new_code_cell("period_end = None\ndata = None\npack_dir = None")
    params.metadata["tags"] = ["parameters"]
    nb.cells = [nbformat.v4.new_markdown_cell("# Slow: a page that takes a few seconds"),
                params, nbformat.v4.new_code_cell("import time\ntime.sleep(4)\nprint('done')")]
    nbformat.write(nb, folder / "00_slow.ipynb")


def _tables(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("tables/*.csv"))}


@pytest.mark.skipif(not DASK.exists(), reason="dask's command line is not installed")
def test_a_worker_killed_mid_run_leaves_every_pack_complete(tmp_path):
    """A region (two councils, each a copy of the hand-made sample) for 2018-03: the regional
    pack and both councils' packs, on this machine and then on the cluster, one of whose two
    workers is killed while it runs a notebook."""
    from cpmetrics.pack.regions import build_region
    from cpmetrics.region import read_region
    from distributed import Client

    notebooks = tmp_path / "notebooks"
    shutil.copytree(FIXTURE_NOTEBOOKS, notebooks)
    _slow_notebook(notebooks)
    region = read_region(sample_region(tmp_path / "region", (("356", "Stockport"),
                                                             ("358", "Trafford"))))
    f = tmp_path / "2018-03.yaml"
    f.write_text(SAMPLE_PARAMS)
    params = [load_params(f)]

    def build(out: str, scheduler: str | None = None) -> Path:
        runs = build_region(region, params, out_dir=tmp_path / out, notebooks_dir=notebooks,
                            jobs=2, progress=False, root=ROOT, scheduler=scheduler)
        assert [c.ok for c in runs[0].councils] == [True, True], runs[0].councils
        assert runs[0].pack is not None and runs[0].pack.ok, runs[0].pack
        got["results"] = [r for c in runs[0].councils for r in c.pack.notebooks] \
            + runs[0].pack.notebooks
        return runs[0].dest

    got: dict = {}
    local = build("local")

    # The worker that survives runs as if on another machine when this one can make mount
    # namespaces (root, as CI is): it cannot see the outputs folder, so its notebooks' files
    # come back as bytes, while the killed one's went through the run's shared folder.
    elsewhere = tmp_path / "dask" if _can_hide() else None
    (tmp_path / "dask").mkdir()
    cluster = Cluster(2, tmp_path, elsewhere)
    try:
        with Client(cluster.address, timeout=30) as watcher:
            watcher.wait_for_workers(2, timeout=60)
            pids = watcher.run(os.getpid)  # worker address -> its process id
            victim_addr = next(a for a, pid in pids.items()
                               if _has_child(cluster.workers[0].pid, pid))
            victim_pid = pids[victim_addr]
            remote_pid = next(pid for a, pid in pids.items() if a != victim_addr)
            runner = threading.Thread(target=lambda: got.update(dest=build("dask",
                                                                          cluster.address)))
            runner.start()
            deadline = time.monotonic() + 120
            caught = []
            while time.monotonic() < deadline and not caught:
                caught = [k for k in watcher.processing(workers=[victim_addr]).get(victim_addr, ())
                          if str(k).startswith("run_notebook")]
                time.sleep(0.1)
            assert caught, "the victim never started a notebook"
            if elsewhere is not None:  # the survivor cannot see the outputs; the victim can
                seen = watcher.run(os.path.isdir, str(elsewhere / "region-test-region"))
                assert seen == {victim_addr: True,
                                next(a for a in pids if a != victim_addr): False}
            time.sleep(1.0)  # mid-run: every notebook here runs longer than a second
            victim = next(p for p in cluster.workers if _has_child(p.pid, victim_pid))
            cluster.kill(victim)
            runner.join(timeout=WATCHDOG)
            assert not runner.is_alive()
    finally:
        cluster.close()

    dest = got["dest"]  # every pack published (build() asserted it)
    runs = sorted((r.period, r.notebook) for r in got["results"])
    assert runs == sorted([(f"2018-03 {la}", nb.name) for la in ("356", "358")
                           for nb in notebooks.glob("*.ipynb")]
                          + [("2018-03 region", "00_region.ipynb")])
    victim_name = f"{socket.gethostname()}:{victim_pid}"
    survivor = {r.worker for r in got["results"]} - {victim_name}
    # the notebook caught mid-run, and the rest, ran on the other
    assert survivor == {f"{socket.gethostname()}:{remote_pid}"}
    assert _tables(dest) == _tables(local)  # the same tables as on this machine, every pack
    assert {k.split("/")[0] for k in _tables(dest)} == {"356", "358", "tables"}
    assert sorted(p.name for p in dest.rglob("*") if "notebooks" not in p.parts) == \
        sorted(p.name for p in local.rglob("*") if "notebooks" not in p.parts)
    assert json.loads((dest / "356" / "metrics.json").read_text())["pack"]["la"] == "356"
    left = sorted(f.name for f in (tmp_path / "dask").rglob(".*"))
    assert left == []  # no build, run folder, shared data or failed pack left


def _can_hide() -> bool:
    """Whether a process here may make a mount namespace and mount in it (root, as in CI)."""
    try:
        return subprocess.run(["unshare", "--mount", "sh", "-c", "mount -t tmpfs tmpfs /mnt"],
                              capture_output=True, timeout=10).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def _has_child(parent: int, pid: int) -> bool:
    """Whether `pid` is `parent` or one of its descendants (a nanny's worker)."""
    while pid > 1:
        if pid == parent:
            return True
        try:
            with open(f"/proc/{pid}/stat") as fh:
                pid = int(fh.read().rsplit(")", 1)[1].split()[1])
        except OSError:
            return False
    return False
