import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).parent))
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
