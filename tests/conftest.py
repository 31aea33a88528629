import os
import shutil
import sys
import tempfile
from pathlib import Path

import pytest

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


PROJECT_NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


# Packs of the project's own notebooks, built once per test run: test_pack.py,
# test_data_dictionary.py and test_accessibility.py all read them.

@pytest.fixture(scope="session")
def project_pack(tmp_path_factory) -> dict:
    """The default pack (2018-09 on the synthetic council), as `make pack` makes it."""
    from helpers import run_pack

    if not PROJECT_NOTEBOOKS:
        pytest.skip("the project's notebooks have not landed yet")
    tmp = tmp_path_factory.mktemp("project-pack")
    out = tmp / "outputs"
    done = run_pack("--period", "2018-09", "--out", str(out), cwd=tmp)
    assert done.returncode == 0, done.stderr
    return {"dir": out / "2018-09", "out": out, "data": ROOT / "data" / "synthetic",
            "period_end": "2018-09-30", "notebooks": PROJECT_NOTEBOOKS}


@pytest.fixture(scope="session")
def project_sample_pack(tmp_path_factory) -> Path:
    """The project's own notebooks over the hand-made sample: nearly every count is below 5."""
    from helpers import SAMPLE_PARAMS, run_pack

    if not PROJECT_NOTEBOOKS:
        pytest.skip("the project's notebooks have not landed yet")
    tmp = tmp_path_factory.mktemp("project-sample-pack")
    params = tmp / "2018-03.yaml"
    params.write_text(SAMPLE_PARAMS)
    out = tmp / "outputs"
    done = run_pack("--params", str(params), "--out", str(out), "--jobs", "2", cwd=tmp)
    assert done.returncode == 0, done.stderr
    return out / "2018-03"


def sample_region(folder: Path, councils: tuple[tuple[str, str], ...] = (
        ("356", "Stockport"), ("357", "Tameside"), ("358", "Trafford"))) -> Path:
    """A region of councils each holding a copy of the hand-made sample (4 children on a plan
    at 31 March 2018 each), written as `cpmetrics synth --region` writes one."""
    from cpmetrics.region import write_region

    for la, _ in councils:
        shutil.copytree(ROOT / "data" / "sample", folder / la,
                        ignore=shutil.ignore_patterns("*.md"))
    write_region(folder, "Test Region", list(councils))
    return folder


@pytest.fixture(scope="session")
def region_pack(tmp_path_factory) -> dict:
    """`cpmetrics pack --region` on three sample councils for 2018-03: the small pack notebooks
    for each council (tests/fixtures/pack_notebooks), the project's regional notebooks."""
    from helpers import SAMPLE_PARAMS, run_pack

    tmp = tmp_path_factory.mktemp("region-pack")
    region = sample_region(tmp / "region")
    params = tmp / "2018-03.yaml"
    params.write_text(SAMPLE_PARAMS)
    out = tmp / "outputs"
    done = run_pack("--region", str(region), "--params", str(params), "--notebooks",
                    str(ROOT / "tests" / "fixtures" / "pack_notebooks"), "--out", str(out),
                    "--jobs", "2", cwd=tmp)
    assert done.returncode == 0, done.stderr
    return {"dir": out / "region-test-region" / "2018-03", "out": out, "tmp": tmp,
            "region": region, "params": params, "stdout": done.stdout, "stderr": done.stderr}
