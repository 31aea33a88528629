"""A region folder: region.yaml read strictly, DfE regions' councils from the shipped table D3."""

from __future__ import annotations

from pathlib import Path

import pytest
from cpmetrics.errors import InputError
from cpmetrics.region import (
    read_region,
    region_code,
    region_councils,
    region_name,
    slug,
    write_region,
)


def _region(tmp_path: Path, text: str, folders: tuple[str, ...] = ("358", "356")) -> Path:
    for la in folders:
        (tmp_path / la).mkdir()
    (tmp_path / "region.yaml").write_text(text, encoding="utf-8")
    return tmp_path


GOOD = """name: Greater Manchester (part)
councils:
  - la: "358"
    name: Trafford
  - la: 356
"""


def test_slug():
    assert slug("North West") == "north-west"
    assert slug("Yorkshire and The Humber") == "yorkshire-and-the-humber"
    assert slug("  East of England ") == "east-of-england"


def test_read_region_councils_in_la_order_with_dfe_names_filled_in(tmp_path):
    region = read_region(_region(tmp_path, GOOD))
    assert region.name == "Greater Manchester (part)" and region.slug == "greater-manchester-part"
    assert [(c.la, c.name) for c in region.councils] == [("356", "Stockport"), ("358", "Trafford")]
    assert region.council("358").data == tmp_path / "358"
    assert region.code is None


def test_write_then_read_round_trip(tmp_path):
    write_region(tmp_path, "North West", [("358", "Trafford"), ("356", "Stockport")], "E12000002")
    (tmp_path / "358").mkdir()
    (tmp_path / "356").mkdir()
    region = read_region(tmp_path)
    assert region.code == "E12000002"
    assert [c.la for c in region.councils] == ["356", "358"]


@pytest.mark.parametrize("text, folders, expected", [
    (GOOD, ("358",), "356: no such folder: region.yaml lists council 356 (Stockport)"),
    (GOOD, ("358", "356", "357"), "357: council folder not listed in"),
    ("name: X\ncouncils:\n  - la: '999'\n", (), "councils item 1: la '999' is not a DfE"),
    ("name: X\ncouncils:\n  - la: '358'\n  - la: '358'\n", ("358",), "la 358 is listed twice"),
    ("name: X\ncouncils: []\n", (), "region.yaml key councils: should list the councils"),
    ("councils:\n  - la: '358'\n", ("358",), "region.yaml key name: None is not a region's name"),
    ("name: X\nmembers: []\n", (), "region.yaml key members: unknown setting"),
    ("name: X\ncode: North West\ncouncils:\n  - la: '358'\n", ("358",), "key code: 'North West'"),
    ("name: [X\n", (), "region.yaml line 2: not valid YAML"),
])
def test_bad_region_yaml_names_the_place(tmp_path, text, folders, expected):
    _region(tmp_path, text, folders)
    with pytest.raises(InputError) as err:
        read_region(tmp_path)
    assert expected in err.value.line()


def test_missing_region_yaml(tmp_path):
    with pytest.raises(InputError, match="region.yaml: no such file"):
        read_region(tmp_path)


def test_dfe_regions_from_table_d3():
    """2017-18 (time_period 2018): North West 23 councils, North East 12, London's 33 boroughs
    filed by DfE under Inner (14) and Outer (19) London."""
    nw = region_councils("North West")
    assert len(nw) == 23
    assert nw[0] == ("340", "Knowsley") and nw[-1] == ("909", "Cumbria")
    assert ("358", "Trafford") in nw
    assert len(region_councils("north east")) == 12
    assert len(region_councils("London")) == 33
    assert len(region_councils("Inner London")) == 14
    assert region_code("E12000002") == "E12000002" and region_name("north west") == "North West"
    with pytest.raises(InputError, match="unknown region 'Narnia'; DfE's regions are East"):
        region_councils("Narnia")
