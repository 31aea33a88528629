"""The CIN census reader on the public samples and on files made here."""

from pathlib import Path

import pandas as pd
import pytest
from cpmetrics import measures as m
from cpmetrics.errors import InputError
from cpmetrics.periods import Period, as_date
from cpmetrics.sources import load
from helpers import assessment_xml, census_xml, child_xml, cpp_xml, episode_xml

FIXTURES = Path(__file__).parent / "fixtures" / "cin-census"


@pytest.mark.parametrize(
    "name, records, plans, start, end, previous",
    [
        ("cin-2022.xml", 1, 1, "1970-02-17", "1971-03-14", 10),
        ("BAR_cin_2022.xml", 1, 1, "1970-02-17", "1971-03-14", 10),
        ("CIN_Census_2021.xml", 1, 1, "1970-02-17", "1971-03-14", 10),
        ("CIN_Census_2024.xml", 1, 1, "2022-02-17", "2023-03-14", 10),
        ("CIN_Census_2026.xml", 1, 1, "2022-02-17", "2023-03-14", 10),
        ("CIN2rows.xml", 2, 1, "2022-02-17", "2023-03-14", 10),
    ],
)
def test_public_samples_load(name, records, plans, start, end, previous):
    t = load(FIXTURES / name)
    assert (t.counts.read, t.counts.loaded, t.counts.rejected) == (records, records, 0)
    assert len(t.plans) == plans
    p = t.plans.iloc[0]
    assert p["start_date"] == as_date(start) and p["end_date"] == as_date(end)
    assert p["initial_category"] == "PHY" and p["previous_plans"] == previous
    assert bool(p["is_replan"])


def test_plan_recorded_twice_is_measured_once_and_reported():
    t = load(FIXTURES / "CIN2rows.xml")
    assert t.counts.merged == 1
    assert (t.findings["rule"] == "L03").sum() == 1
    assert m.ended(t.plans, Period.ending("2023-03-31")) == 1


def test_sex_replaces_gender_and_unknown_factor_is_reported():
    t = load(FIXTURES / "CIN_Census_2024.xml")
    assert set(t.children["sex"].dropna()) <= {"M", "F", "U"}
    assert "L10" in set(t.findings["rule"])  # factor code "RB"


def test_sample_without_plans_loads_every_child():
    t = load(FIXTURES / "fake_CIN_data.xml")
    assert len(t.plans) == 0 and len(t.children) == 332 and len(t.episodes) == 402


def test_plan_open_in_one_file_and_ended_in_the_next(tmp_path):
    kid_open = child_xml("X1", episode_xml("2016-04-01", cpp_xml("2016-05-10")))
    kid_ended = child_xml("X1", episode_xml("2016-04-01", cpp_xml("2016-05-10", "2017-06-30")))
    census_xml(tmp_path / "a.xml", [kid_open], reference_date="2017-03-31", year="2017")
    census_xml(tmp_path / "b.xml", [kid_ended], reference_date="2018-03-31", year="2018")
    t = load(tmp_path)
    assert len(t.plans) == 1
    assert t.plans["end_date"].iloc[0] == as_date("2017-06-30")
    assert m.on_plan(t.plans, as_date("2017-03-31")) == 1
    assert m.on_plan(t.plans, as_date("2018-03-31")) == 0


def test_later_collection_wins_whatever_the_file_names(tmp_path):
    # the 2018 file is named so it sorts first; its end date still wins
    first = child_xml("X1", episode_xml("2016-04-01", cpp_xml("2016-05-10")))
    census_xml(tmp_path / "b_2017.xml", [first],
               reference_date="2017-03-31", year="2017")
    census_xml(tmp_path / "a_2018.xml",
               [child_xml("X1", episode_xml("2016-04-01", cpp_xml("2016-05-10", "2017-06-30")))],
               reference_date="2018-03-31", year="2018")
    assert load(tmp_path).plans["end_date"].iloc[0] == as_date("2017-06-30")


def test_unborn_child_with_only_expected_birth_date(tmp_path):
    kid = child_xml("U1", episode_xml("2018-01-05", cpp_xml("2018-02-01")), birth=None,
                    expected="2018-04-20")
    t = load(census_xml(tmp_path / "c.xml", [kid]))
    assert m.on_plan(t.plans, as_date("2018-03-31")) == 1
    c = t.children.iloc[0]
    assert c["birth_date"] is pd_nat() and c["expected_birth_date"] == as_date("2018-04-20")


def pd_nat():
    import pandas as pd

    return pd.NaT


def test_referral_source_3a_is_not_a_factor(tmp_path):
    factors = assessment_xml("2017-04-11", "2017-04-25", "2A")
    kid = child_xml("R1", episode_xml("2017-04-10", factors,
                                      cpp_xml("2017-05-01"), referral_source="3A"))
    t = load(census_xml(tmp_path / "r.xml", [kid]))
    assert m.starts_dv(t, Period.ending("2018-03-31")).n == 0
    assert t.episodes["referral_source"].iloc[0] == "3A"


def test_namespaced_file_loads(tmp_path):
    kid = child_xml("N1", episode_xml("2017-04-10", cpp_xml("2017-05-01")))
    p = census_xml(tmp_path / "n.xml", [kid])
    p.write_text(p.read_text().replace("<Message>", '<Message xmlns="http://www.dfe.gov.uk/CIN">'))
    assert len(load(p).plans) == 1


def test_wrong_root_is_refused(tmp_path):
    p = tmp_path / "w.xml"
    p.write_text("<Workbook><Sheet/></Workbook>")
    with pytest.raises(InputError, match="root element is <Workbook>"):
        load(p)


@pytest.mark.parametrize("year", range(2017, 2027))
def test_every_collection_year_loads(tmp_path, year):
    from cpmetrics.synthetic import write_census
    from lxml import etree

    (path,) = write_census(tmp_path, seed=5, start_year=year, end_year=year, children_scale=0.2,
                           faults=False)
    tree = etree.parse(str(path))
    cpps = len(tree.findall(".//ChildProtectionPlans"))
    t = load(path)
    assert (t.counts.read, t.counts.rejected) == (cpps, 0) and cpps > 0
    assert len(t.children) == len(tree.findall(".//Child"))
    assert set(t.children["sex"].dropna()) <= {"M", "F", "U"} and t.children["sex"].notna().all()
    assert (len(t.cin_plans) > 0) == (year >= 2022)
    assert len(t.assessments) == len(tree.findall(".//Assessments"))


def test_batches_do_not_change_what_is_read(tmp_path, monkeypatch):
    """Children are read in batches; a batch of 2 gives what one batch gives, lines included."""
    from cpmetrics.sources import cin_census

    path = Path(__file__).parents[1] / "data" / "synthetic" / "cin_census_2017.xml"
    whole = cin_census.read_cin_census(path)
    monkeypatch.setattr(cin_census, "_BATCH", 2)
    small = cin_census.read_cin_census(path)
    for name in ("children", "episodes", "assessments", "section47", "plans"):
        assert getattr(small, name).equals(getattr(whole, name)), name
    assert len(whole.children) == 2941 and len(whole.plans) > 300


def test_each_record_is_located_at_its_start_tag_and_knows_its_child(tmp_path):
    from cpmetrics.sources.cin_census import read_cin_census

    p = tmp_path / "l.xml"
    p.write_text(
        "<Message><Header><CollectionDetails><Year>2018</Year>\n"
        "<ReferenceDate>2018-03-31</ReferenceDate></CollectionDetails></Header><Children>\n"
        "<Child><ChildIdentifiers><LAchildID> A1 </LAchildID></ChildIdentifiers>\n"  # line 3
        "<CINdetails><CINreferralDate>2017-04-10</CINreferralDate>\n"  # line 4
        "<ChildProtectionPlans><CPPstartDate>2017-05-01</CPPstartDate>\n"  # line 5
        "<Reviews><CPPreviewDate>2017-06-01</CPPreviewDate><CPPreviewDate>2017-08-01"
        "</CPPreviewDate></Reviews></ChildProtectionPlans></CINdetails>\n"
        "<CINdetails><ChildProtectionPlans><CPPstartDate>2018-01-02</CPPstartDate>\n"  # line 7
        "</ChildProtectionPlans></CINdetails></Child>\n"
        "<Child><ChildIdentifiers><LAchildID>A2</LAchildID></ChildIdentifiers></Child>\n"
        "</Children></Message>\n"
    )
    raw = read_cin_census(p)
    assert (raw.year, raw.reference_date) == ("2018", "2018-03-31")
    assert list(raw.children["child_id"]) == ["A1", "A2"]
    assert list(raw.children["location"]) == ["line 3", "line 9"]
    assert list(raw.episodes["location"]) == ["line 4", "line 7"]
    plans = raw.plans
    assert list(plans["location"]) == ["line 5", "line 7"]
    assert list(plans["child_id"]) == ["A1", "A1"]
    # the second episode has no referral date: its plan takes none from the first episode
    assert plans["referral_date"].iloc[0] == "2017-04-10" and pd.isna(plans["referral_date"][1])
    assert plans["reviews"].iloc[0] == "2017-06-01,2017-08-01"
    t = load(p)
    assert list(t.plans["review_count"]) == [2, 0]


def test_plan_outside_a_child_is_refused_at_its_line(tmp_path):
    p = tmp_path / "o.xml"
    p.write_text(
        "<Message><Children>\n<Child><ChildIdentifiers><LAchildID>A1</LAchildID>"
        "</ChildIdentifiers></Child>\n"
        "<ChildProtectionPlans><CPPstartDate>2017-05-01</CPPstartDate></ChildProtectionPlans>\n"
        "</Children></Message>\n"
    )
    with pytest.raises(InputError, match="<ChildProtectionPlans> is not where") as exc:
        load(p)
    assert exc.value.place == "line 3"


def test_upn_reason_and_disabilities_are_read_for_the_rules_on_children(tmp_path):
    """8540 and 8770Q read the child's disabilities, UPN and UPNunknown from the return."""
    no_upn = child_xml("P1", episode_xml("2017-04-10"), birth="2010-01-01").replace(
        "<PersonBirthDate>", "<UPNunknown>UN3</UPNunknown><PersonBirthDate>").replace(
        "</Ethnicity>", "</Ethnicity><Disabilities><Disability>MOB</Disability>"
        "<Disability>HEAR</Disability></Disabilities>")
    upn = child_xml("P2", episode_xml("2017-04-10"), birth="2010-01-01").replace(
        "</LAchildID>", "</LAchildID><UPN>A000000000000</UPN>")
    t = load(census_xml(tmp_path / "u.xml", [no_upn, upn]))
    c = t.children.set_index("child_id")
    assert (c.loc["P1", "upn_unknown"], c.loc["P1", "disabilities"]) == ("UN3", "MOB,HEAR")
    assert pd.isna(c.loc["P1", "upn"]) and c.loc["P2", "upn"] == "A000000000000"
    assert pd.isna(c.loc["P2", "disabilities"])
    assert t.reference_dates == (pd.Timestamp("2018-03-31"),)
    assert sorted(t.findings.loc[t.findings["rule"] == "8540", "child_id"]) == ["P2"]
    assert "8770Q" not in set(t.findings["rule"])
