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


def _days(values) -> list[str]:
    return [d.strftime("%Y-%m-%d") if pd.notna(d) else None for d in values]


def test_reviews_of_a_plan_are_the_union_of_every_return_holding_it(tmp_path):
    """metrics.md: a return lists the reviews held in its own year, so a plan's reviews are the
    union over the returns; a date listed by two returns is one review; the later return wins
    the plan's other fields only."""
    census_xml(tmp_path / "a.xml", [
        child_xml("X1", episode_xml("2016-04-01", cpp_xml(
            "2016-05-10", category="NEG", reviews=("2016-08-09", "2017-02-07")))),
        child_xml("X2", episode_xml("2016-09-01", cpp_xml("2016-10-03", reviews=("2017-01-10",)))),
    ], reference_date="2017-03-31", year="2017")
    census_xml(tmp_path / "b.xml", [
        child_xml("X1", episode_xml("2016-04-01", cpp_xml(
            "2016-05-10", "2017-06-30", category="PHY", reviews=("2017-02-07", "2017-05-30")))),
        child_xml("X2", episode_xml("2016-09-01", cpp_xml("2016-10-03", "2017-04-20"))),
    ], reference_date="2018-03-31", year="2018")
    t = load(tmp_path)

    x1 = t.reviews[t.reviews["child_id"] == "X1"]
    assert _days(x1["review_date"]) == ["2016-08-09", "2017-02-07", "2017-05-30"]
    assert _days(x1["plan_start_date"]) == ["2016-05-10"] * 3
    # the date listed by both returns is kept once, with the later return
    assert [Path(f).name for f in x1["source_file"]] == ["a.xml", "b.xml", "b.xml"]
    assert list(x1["collection_year"]) == [2017, 2018, 2018]
    x2 = t.reviews[t.reviews["child_id"] == "X2"]
    assert _days(x2["review_date"]) == ["2017-01-10"]  # the 2018 return lists none for it

    plans = t.plans.set_index("child_id")
    assert plans.loc["X1", "latest_category"] == "PHY"  # the later return's
    assert plans.loc["X1", "end_date"] == as_date("2017-06-30")
    assert list(plans["review_count"]) == [3, 1]
    assert _days(plans["last_review_date"]) == ["2017-05-30", "2017-01-10"]
    assert list(t.reviews.columns[:5]) == ["child_id", "plan_start_date", "review_date",
                                          "source_file", "collection_year"]


def test_a_review_without_a_date_is_kept_undated_and_not_counted(tmp_path):
    census_xml(tmp_path / "a.xml", [child_xml("X1", episode_xml("2017-04-01", cpp_xml(
        "2017-05-02", reviews=("", "2017-02-31", "2017-08-01"))))])
    t = load(tmp_path / "a.xml")
    # the blank and the impossible date are each a review record without a date (8842Q)
    assert _days(t.reviews["review_date"]) == ["2017-08-01", None, None]
    assert (t.findings["rule"] == "8842Q").sum() == 2
    assert t.plans["review_count"].iloc[0] == 1
    assert _days(t.plans["last_review_date"]) == ["2017-08-01"]


def test_a_date_twice_in_one_return_is_reported_and_counted_once(tmp_path):
    """Twice in one plan record: both rows stay for rule L13, the plan has one review. Twice
    across returns, or in a plan recorded twice (L03): the union, one row, no L13."""
    twice = cpp_xml("2016-06-01", reviews=("2016-09-01",))
    census_xml(tmp_path / "a.xml", [
        child_xml("X1", episode_xml("2016-04-01", cpp_xml(
            "2016-05-10", reviews=("2016-08-09", "2016-08-09", "2017-02-07")))),
        child_xml("X2", episode_xml("2016-05-01", twice, twice)),
    ], reference_date="2017-03-31", year="2017")
    census_xml(tmp_path / "b.xml", [child_xml("X1", episode_xml("2016-04-01", cpp_xml(
        "2016-05-10", reviews=("2017-02-07",))))])
    t = load(tmp_path)
    x1 = t.reviews[t.reviews["child_id"] == "X1"]
    assert _days(x1["review_date"]) == ["2016-08-09", "2016-08-09", "2017-02-07"]
    assert [Path(f).name for f in x1["source_file"]] == ["a.xml", "a.xml", "b.xml"]
    assert _days(t.reviews.loc[t.reviews["child_id"] == "X2", "review_date"]) == ["2016-09-01"]
    l13 = t.findings[t.findings["rule"] == "L13"]
    assert list(l13["child_id"]) == ["X1"] and l13["message"].iloc[0].endswith("review 2016-08-09)")
    assert list(t.findings.loc[t.findings["rule"] == "L03", "child_id"]) == ["X2"]
    assert list(t.plans["review_count"]) == [2, 1]


def test_a_rejected_plan_record_takes_its_reviews_with_it(tmp_path):
    census_xml(tmp_path / "a.xml", [
        child_xml("X1", episode_xml("2017-04-01", cpp_xml(
            "2017-05-02", "2017-05-01", reviews=("2017-08-01",)))),  # ends before it starts
        child_xml("X2", episode_xml("2017-04-01", cpp_xml("2017-05-02", reviews=("2017-08-02",)))),
    ])
    t = load(tmp_path / "a.xml")
    assert t.counts.rejected == 1
    assert list(t.reviews["child_id"]) == ["X2"]
    assert list(t.plans["review_count"]) == [1]


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
    reviews = raw.reviews
    assert list(reviews["review_date"]) == ["2017-06-01", "2017-08-01"]
    assert list(reviews["plan_row"]) == [0, 0] and list(reviews["location"]) == ["line 5"] * 2
    t = load(p)
    assert list(t.plans["review_count"]) == [2, 0]
    assert list(t.reviews["review_date"].dt.strftime("%Y-%m-%d")) == ["2017-06-01", "2017-08-01"]


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
