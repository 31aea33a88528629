import os
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).parent))

#: the system's temporary folder as the suite found it; the suite works in a private folder of
#: its own inside it (pytest's tmp_path too, and every child process through TMPDIR) and removes
#: it at the end, so a test run leaves nothing behind there (packs' kernels included)
_SYSTEM_TEMP = Path(tempfile.gettempdir())
_PRIVATE: Path | None = None


def pytest_configure(config):
    global _PRIVATE
    if hasattr(config, "workerinput"):
        return
    _PRIVATE = Path(tempfile.mkdtemp(prefix="cpmetrics-tests-"))
    os.environ["TMPDIR"] = str(_PRIVATE)
    tempfile.tempdir = str(_PRIVATE)
    if not config.option.basetemp:
        config.option.basetemp = str(_PRIVATE / "pytest")


def pytest_unconfigure(config):
    global _PRIVATE
    if _PRIVATE is not None:
        shutil.rmtree(_PRIVATE, ignore_errors=True)
        tempfile.tempdir = None
        os.environ["TMPDIR"] = str(_SYSTEM_TEMP)
        _PRIVATE = None
