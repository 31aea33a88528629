"""The committed notebooks: thin, parameterised, and holding outputs of the embedded data only."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import nbformat
import pytest
from cpmetrics.paths import DEFAULT_DATA

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("[0-9]*.ipynb"))
EXPECTED = {"00_summary", "01_cohort_trend", "02_replans", "03_long_plans", "04_dv_drivers",
            "05_pathway"}
DEFAULTS = {
    "period_end": "2018-09-30", "data": DEFAULT_DATA, "la": "358", "sn_grouping": None,
    "reference_level": 250, "tolerance_pct": 4.0, "suppression_threshold": 5,
    "show_child_level": False, "pack_dir": None, "data_to": None, "comparators": [],
    "practice_changes": [], "visit_standard_working_days": 10, "region_now": None,
}  # fmt: skip


def parameters_cells(nb) -> list:
    return [c for c in nb.cells if "parameters" in c.get("metadata", {}).get("tags", [])]


def parameter_values(source: str) -> dict:
    """The parameters cell as name -> literal value; anything but `name = literal` fails."""
    values = {}
    for node in ast.parse(source).body:
        assert isinstance(node, ast.Assign) and len(node.targets) == 1, ast.unparse(node)
        values[node.targets[0].id] = ast.literal_eval(node.value)
    return values


def test_all_six_notebooks_are_there():
    assert {p.stem for p in NOTEBOOKS} == EXPECTED


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_one_parameters_cell_pointing_at_the_embedded_data(path):
    nb = nbformat.read(path, as_version=4)
    cells = parameters_cells(nb)
    assert len(cells) == 1, f"{path.name}: {len(cells)} cells tagged parameters"
    values = parameter_values(cells[0].source)
    assert values == DEFAULTS, f"{path.name}: parameters differ from the embedded defaults"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_no_function_defined_in_a_notebook(path):
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert not re.search(r"(^|\s)def\s|\blambda\b", cell.source), cell.source


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_committed_outputs_come_from_a_default_run(path):
    nb = nbformat.read(path, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(c.get("execution_count") for c in code), f"{path.name} is not fully executed"
    for c in code:
        for out in c.get("outputs", []):
            assert out.get("output_type") != "error", f"{path.name}: stored error output"
    assert nb.metadata["kernelspec"]["name"] == "python3"
    checked = [c for c in code if c.source.startswith("# NBVAL_CHECK_OUTPUT")]
    assert checked, f"{path.name}: no headline cell is checked by nbval"


def test_the_check_rejects_a_notebook_pointing_elsewhere():
    bad = DEFAULTS | {"data": "/secure/cin/"}
    src = "\n".join(f"{k} = {v!r}" for k, v in bad.items())
    assert parameter_values(src) != DEFAULTS
