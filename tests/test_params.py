"""A params file is checked before any notebook runs: a bad one names the file and the key."""

from __future__ import annotations

from pathlib import Path

import pytest
from cpmetrics.errors import InputError
from cpmetrics.params import load_params, params_files

ROOT = Path(__file__).resolve().parents[1]

GOOD = """\
period_end: "2018-09-30"
data: data/synthetic
la: "358"
reference_level: 250
tolerance_pct: 4
suppression_threshold: 5
"""


def write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "2018-09.yaml"
    p.write_text(text)
    return p


def test_good_file_reads_with_year_to_date_period(tmp_path):
    p = load_params(write(tmp_path, GOOD))
    assert p.period_end.date().isoformat() == "2018-09-30"
    assert str(p.period) == "2018-04-01..2018-09-30"
    assert (p.la, p.month, p.sn_grouping, p.show_child_level) == ("358", "2018-09", "auto", False)
    assert p.data_path(Path("/proj")) == Path("/proj/data/synthetic")


def test_notebook_parameters_never_show_child_level(tmp_path):
    nb = load_params(write(tmp_path, GOOD)).notebook_parameters(tmp_path / "build")
    assert nb["show_child_level"] is False
    assert nb["pack_dir"] == str(tmp_path / "build")
    assert nb["period_end"] == "2018-09-30" and nb["suppression_threshold"] == 5


@pytest.mark.parametrize(
    ("change", "key", "words"),
    [
        (('period_end: "2018-09-30"', "period_end: 2018-09-30"), "period_end", "quotes"),
        (('period_end: "2018-09-30"', 'period_end: "2018-09-31"'), "period_end", "not a real date"),
        (('la: "358"', "la: 358"), "la", "quotes"),
        (('la: "358"', 'la: "Trafford"'), "la", "three-digit"),
        (("data: data/synthetic\n", ""), "data", "missing"),
        (("tolerance_pct: 4", "tolerence_pct: 4"), "tolerence_pct", "unknown"),
        (("suppression_threshold: 5", "suppression_threshold: 2.5"), "suppression_threshold",
         "whole"),
        (("reference_level: 250", "reference_level: lots"), "reference_level", "not a number"),
    ],
)
def test_bad_value_names_file_and_key(tmp_path, change, key, words):
    path = write(tmp_path, GOOD.replace(*change))
    with pytest.raises(InputError) as err:
        load_params(path)
    line = err.value.line()
    assert str(path) in line and f"key {key}" in line and words in line


def test_show_child_level_true_is_refused(tmp_path):
    with pytest.raises(InputError, match="show_child_level"):
        load_params(write(tmp_path, GOOD + "show_child_level: true\n"))


def test_broken_yaml_names_the_line(tmp_path):
    with pytest.raises(InputError, match=r"line \d+: not valid YAML"):
        load_params(write(tmp_path, GOOD + "la: [\n"))


def test_missing_file(tmp_path):
    with pytest.raises(InputError, match="no such params file"):
        load_params(tmp_path / "2030-01.yaml")


def test_shipped_params_are_the_18_month_ends_on_the_embedded_data():
    files = params_files(ROOT / "params")
    assert [f.stem for f in files][0] == "2017-04" and [f.stem for f in files][-1] == "2018-09"
    assert len(files) == 18
    for f in files:
        p = load_params(f)
        assert p.month == f.stem
        assert p.period_end.is_month_end
        assert p.data == "data/synthetic"


def test_comparators_by_name_any_case_or_number_kept_as_dfe_numbers(tmp_path):
    p = load_params(write(tmp_path, GOOD + 'comparators: ["cheshire EAST", "356", 895]\n'))
    assert p.comparators == ("895", "356")
    assert p.notebook_parameters(None)["comparators"] == ["895", "356"]
    plain = load_params(write(tmp_path, GOOD))
    assert plain.comparators == () and plain.notebook_parameters(None)["comparators"] == []


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ('["Chesire East"]', "unknown local authority 'Chesire East'"),
        ('["999"]', "unknown local authority '999'"),
        ("Cheshire East", "is not a list of councils"),
        ('["Trafford"]', "is the council itself"),
        ("[[1]]", "is not a council's name or number"),
    ],
)
def test_a_bad_comparator_names_file_key_and_name(tmp_path, value, words):
    path = write(tmp_path, GOOD + f"comparators: {value}\n")
    with pytest.raises(InputError) as err:
        load_params(path)
    line = err.value.line()
    assert line.startswith(f"{path} key comparators: ") and words in line


def test_a_bad_comparator_in_a_pack_is_exit_2(tmp_path):
    import subprocess
    import sys

    path = write(tmp_path, GOOD + 'comparators: ["Chesire East"]\n')
    done = subprocess.run([sys.executable, "-m", "cpmetrics", "pack", "--params", str(path)],
                          capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 2
    assert done.stderr.startswith(f"error: {path} key comparators: unknown local authority")


def test_visit_standard_defaults_to_10_working_days_and_reaches_notebooks_only_when_given(tmp_path):
    p = load_params(write(tmp_path, GOOD))
    assert p.visit_standard == 10
    assert "visit_standard_working_days" not in p.notebook_parameters(None)
    q = load_params(write(tmp_path, GOOD + "visit_standard_working_days: 5\n"))
    assert q.visit_standard == 5
    assert q.notebook_parameters(None)["visit_standard_working_days"] == 5
    for bad, words in (("0", "below 1"), ("7.5", "whole"), ("ten", "not a number")):
        with pytest.raises(InputError) as err:
            load_params(write(tmp_path, GOOD + f"visit_standard_working_days: {bad}\n"))
        assert "key visit_standard_working_days" in err.value.line() and words in err.value.line()


# --- practice changes ---------------------------------------------------------------------------

CHANGES = """\
practice_changes:
  - date: "2018-09-01"
    label: "Restorative   conferences"
  - {date: "2017-04-01", label: "Signs of Safety"}
"""


def test_practice_changes_are_kept_in_date_order_and_go_to_every_notebook(tmp_path):
    p = load_params(write(tmp_path, GOOD + CHANGES))
    assert p.practice_changes == (
        {"date": "2017-04-01", "label": "Signs of Safety"},
        {"date": "2018-09-01", "label": "Restorative conferences"},  # spaces squeezed
    )
    assert p.notebook_parameters(None)["practice_changes"] == [
        {"date": "2017-04-01", "label": "Signs of Safety"},
        {"date": "2018-09-01", "label": "Restorative conferences"}]
    plain = load_params(write(tmp_path, GOOD))
    assert plain.practice_changes == ()
    assert plain.notebook_parameters(None)["practice_changes"] == []


def test_the_2018_09_pack_marks_restorative_conferences_and_names_cheshire_east():
    p = load_params(ROOT / "params" / "2018-09.yaml")
    assert p.practice_changes == ({"date": "2018-09-01", "label": "Restorative conferences"},)
    assert p.comparators == ("895",)
    others = [load_params(f) for f in params_files(ROOT / "params") if f.stem != "2018-09"]
    assert len(others) == 17 and not any(o.practice_changes for o in others)


@pytest.mark.parametrize(
    ("value", "place", "words"),
    [
        ('"2018-09-01"', "key practice_changes", "is not a list of changes"),
        ('["2018-09-01"]', "key practice_changes, item 1", "is not a change: give its date"),
        ('[{label: "X"}]', "key practice_changes, item 1", "no date"),
        ('[{date: 2018-09-01, label: "X"}]', "key practice_changes, item 1, date",
         'write the date in quotes ("2018-09-01")'),
        ('[{date: "2018-09-31", label: "X"}]', "key practice_changes, item 1, date",
         "is not a real date"),
        ('[{date: "1/9/2018", label: "X"}]', "key practice_changes, item 1, date",
         "is not a quoted date YYYY-MM-DD"),
        ('[{date: "2018-09-01"}]', "key practice_changes, item 1", "no label"),
        ('[{date: "2018-09-01", label: "  "}]', "key practice_changes, item 1", "no label"),
        ('[{date: "2018-09-01", label: "X"}, {date: "2018-10-01", label: "Y", when: 1}]',
         "key practice_changes, item 2", "unknown setting 'when'"),
        (f'[{{date: "2018-09-01", label: "{"x" * 61}"}}]', "key practice_changes, item 1",
         "label is 61 characters: at most 60"),
        ('[{date: "2018-09-01", label: "X"}, {date: "2018-09-01", label: "Y"}]',
         "key practice_changes", "two changes on 2018-09-01"),
    ],
)
def test_a_bad_practice_change_is_one_line_naming_file_key_and_item(tmp_path, value, place,
                                                                     words):
    path = write(tmp_path, GOOD + f"practice_changes: {value}\n")
    with pytest.raises(InputError) as err:
        load_params(path)
    line = err.value.line()
    assert line.startswith(f"{path} {place}: "), line
    assert words in line and "\n" not in line


def test_a_bad_practice_change_in_a_pack_is_exit_2(tmp_path):
    import subprocess
    import sys

    path = write(tmp_path, GOOD + 'practice_changes: [{date: "2018-02-30", label: "X"}]\n')
    done = subprocess.run([sys.executable, "-m", "cpmetrics", "pack", "--params", str(path)],
                          capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 2
    assert done.stderr == (f"error: {path} key practice_changes, item 1, date: '2018-02-30' is "
                           "not a real date\n")
