"""The synthetic council: valid returns, reproducible, and calibrated to LA 358 (Trafford)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from cpmetrics import synthetic
from cpmetrics.cli import main
from cpmetrics.synthetic import DEFAULT_DATA_TO, FAULTS, FAULTS_FILE, schema_path, write_census
from lxml import etree

DATA = Path(__file__).resolve().parents[1] / "data" / "synthetic"
YEARS = (2016, 2017, 2018, 2019)
#: elements that record something that happened (not targets or expected dates)
EVENTS = ("PersonBirthDate", "CINreferralDate", "CINclosureDate", "DateOfInitialCPC",
          "AssessmentActualStartDate", "AssessmentAuthorisationDate", "CINPlanStartDate",
          "CINPlanEndDate", "S47ActualStartDate", "CPPstartDate", "CPPendDate", "CPPreviewDate")


def _errors(path: Path, year: int) -> list:
    schema = etree.XMLSchema(etree.parse(str(schema_path(year))))
    schema.validate(etree.parse(str(path)))
    return list(schema.error_log)


def _manifest(folder: Path) -> list[dict]:
    with open(folder / FAULTS_FILE, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _texts(path: Path, name: str) -> list[str]:
    return [e.text for e in etree.parse(str(path)).iter(name)]


# ---- the embedded default data set ------------------------------------------------------------


def test_default_data_set_is_one_file_per_year_plus_manifest():
    assert sorted(p.name for p in DATA.glob("*.xml")) == [f"cin_census_{y}.xml" for y in YEARS]
    assert (DATA / FAULTS_FILE).exists() and (DATA / "README.md").exists()


@pytest.mark.parametrize("year", YEARS)
def test_default_file_is_valid_apart_from_the_planted_faults(year):
    """The only XSD errors are on the lines the manifest lists as out-of-list codes."""
    path = DATA / f"cin_census_{year}.xml"
    planted = [r for r in _manifest(DATA) if r["file"] == path.name]
    assert {r["fault"] for r in planted} - {synthetic.OVERDUE[0]} == set(FAULTS)
    invalid_lines = {int(r["line"]) for r in planted if r["xsd_valid"] == "False"}
    errors = _errors(path, year)
    assert errors, "the planted out-of-list codes should fail the XSD"
    assert {e.line for e in errors} == invalid_lines


def test_each_planted_fault_is_where_the_manifest_says():
    """`line` is the faulty element, or for a missing one the line it should follow."""
    for row in _manifest(DATA):
        lines = (DATA / row["file"]).read_text(encoding="utf-8").splitlines()
        at, after = lines[int(row["line"]) - 1].strip(), lines[int(row["line"])].strip()
        fault = row["fault"]
        if fault == "category_not_in_list":
            assert at == "<LatestCategoryOfAbuse>NEGLECT</LatestCategoryOfAbuse>"
        elif fault == "factor_not_in_list":
            assert at == "<AssessmentFactors>3D</AssessmentFactors>"
        elif fault == "missing_closure_date":
            assert at.startswith("<PrimaryNeedCode>") and after.startswith("<ReasonForClosure>")
        elif fault == "missing_plan_end":
            assert at.startswith("<CPPstartDate>") and after.startswith("<InitialCategory")
        elif fault == synthetic.OVERDUE[0]:  # not planted: waiting at the part year's end
            assert row["file"] == "cin_census_2019.xml" and at.startswith("<S47ActualStartDate>")
            assert not lines[int(row["line"]) + 1].strip().startswith("<DateOfInitialCPC>")
        elif fault == "assessment_after_closure":
            assert at.startswith("<AssessmentAuthorisationDate>")
            closed = re.search(r"episode closed (\S+)", row["detail"]).group(1)
            assert at[len("<AssessmentAuthorisationDate>"):][:10] > closed
        else:
            assert fault == "duplicate_plan" and at == "<ChildProtectionPlans>"
            n = int(row["line"]) - 1
            end = lines.index("        </ChildProtectionPlans>", n)
            block = lines[n:end + 1]
            assert lines[n - len(block):n] == block
        child = max(i for i in range(int(row["line"])) if "<LAchildID>" in lines[i])
        assert row["child_id"] in lines[child]


def test_faults_scale_with_the_council(tmp_path):
    (path,) = write_census(tmp_path, seed=5, start_year=2018, end_year=2018, children_scale=3)
    planted = _manifest(tmp_path)
    assert sorted(r["fault"] for r in planted) == sorted(list(FAULTS) * 3)
    assert {(r["fault"], r["rule"]) for r in planted} == {(f, v[2]) for f, v in FAULTS.items()}
    invalid = {int(r["line"]) for r in planted if r["xsd_valid"] == "False"}
    assert {e.line for e in _errors(path, 2018)} == invalid


@pytest.mark.parametrize("year", YEARS)
def test_default_file_header_and_cut_off(year):
    """LA 358, 31 March reference date, and nothing recorded after the data end (30/9/2018)."""
    path = DATA / f"cin_census_{year}.xml"
    root = etree.parse(str(path)).getroot()
    assert root.findtext("Header/CollectionDetails/Collection") == "CIN"
    assert root.findtext("Header/CollectionDetails/Year") == str(year)
    assert root.findtext("Header/CollectionDetails/ReferenceDate") == f"{year}-03-31"
    assert root.findtext("Header/Source/LEA") == "358"
    cut = min(dt.date(year, 3, 31), DEFAULT_DATA_TO).isoformat()
    for name in EVENTS:
        late = [d for d in _texts(path, name) if d > cut]
        assert not late, f"{name} after {cut}: {late[:3]}"
    referrals = _texts(path, "CINreferralDate")
    assert min(referrals) < f"{year - 1}-04-01" < max(referrals)  # open at the start, and new
    ids = _texts(path, "LAchildID")
    assert all(re.fullmatch(r"SYN\d{6,}", i) for i in ids)
    assert len(ids) == len(set(ids))


def test_default_data_set_is_what_the_generator_writes(tmp_path):
    """data/README.md's regeneration recipe reproduces the committed files byte for byte."""
    write_census(tmp_path, data_to=DEFAULT_DATA_TO)
    for name in [f"cin_census_{y}.xml" for y in YEARS] + [FAULTS_FILE]:
        assert (tmp_path / name).read_bytes() == (DATA / name).read_bytes(), name


def test_unborn_children_appear_with_an_expected_date_only():
    path = DATA / "cin_census_2018.xml"
    unborn = [c for c in etree.parse(str(path)).iter("ChildIdentifiers")
              if c.find("PersonBirthDate") is None]
    assert unborn
    for c in unborn:
        assert c.findtext("ExpectedPersonBirthDate") > "2018-03-31"
        assert c.findtext("GenderCurrent") == "0"


# ---- measured with the library ----------------------------------------------------------------


@pytest.fixture(scope="module")
def tables():
    from cpmetrics.sources import load

    return load(DATA)


@pytest.mark.parametrize("end", ["2017-03-31", "2018-03-31"])
def test_default_data_set_is_calibrated_to_la_358(tables, end):
    """Trafford 2016-17 / 2017-18: 258/259 on plan, 264/261 starts, 19%/29% re-plans,
    10.9% of ended plans 2 years or more (2016-17); neglect and emotional abuse lead."""
    from cpmetrics.measures import headline
    from cpmetrics.periods import Period

    h = headline(tables, Period.ending(end))
    assert 225 <= h["on_plan"] <= 275
    assert 220 <= h["starts"] <= 300
    assert 18 <= h["starts_second_or_subsequent"]["pct"] <= 32
    assert 6 <= h["ended_2y_plus"]["pct"] <= 15
    assert 35 <= h["starts_dv"]["pct"] <= 65
    cats = h["starts_by_initial_category"]
    assert sorted(cats, key=cats.get, reverse=True)[:2] == ["NEG", "EMO"] or \
        sorted(cats, key=cats.get, reverse=True)[:2] == ["EMO", "NEG"]
    bands = h["on_plan_by_duration"]
    assert sum(bands.values()) == h["on_plan"]
    assert all(n > 0 for n in bands.values())  # every D5 band is populated


def test_on_plan_wobbles_month_to_month(tables):
    from cpmetrics.measures import on_plan

    counts = [on_plan(tables.plans, d) for d in pd.date_range("2016-04-30", "2018-03-31",
                                                              freq="ME")]
    assert min(counts) >= 200 and max(counts) <= 300
    assert len(set(counts)) > 12
    assert max(counts) - min(counts) >= 15


def test_sibling_groups_start_and_end_together(tables):
    p = tables.plans.dropna(subset=["end_date"])
    groups = p.groupby(["start_date", "end_date"])["child_id"].nunique()
    assert (groups >= 2).sum() >= 50


def test_some_children_had_plans_before_the_data(tables):
    """Known only from NumberOfPreviousCPP: no earlier plan of theirs is in any file."""
    p = tables.plans.sort_values(["child_id", "start_date"])
    first_seen = ~p.duplicated("child_id")
    starts_in_data = p["start_date"] >= pd.Timestamp("2015-04-01")
    assert ((p["previous_plans"] >= 1) & first_seen & starts_in_data).sum() >= 20


def test_children_bounce_between_cin_and_cp_plans(tables):
    """Two plans in one CIN episode: stepped down from a CP plan and came back."""
    p = tables.plans
    again = p[p.duplicated(["child_id", "episode_id"], keep="first")]
    assert len(again) >= 10
    assert (again["previous_plans"] >= 1).all()


def test_most_plans_have_an_assessment_authorised_by_their_start(tables):
    """metrics.md linking: same episode, authorisation (or start) on or before the plan start."""
    p = tables.plans[tables.plans["start_date"].between("2016-04-01", "2018-03-31")]
    a = tables.assessments
    when = a["authorisation_date"].fillna(a["actual_start_date"])
    m = p[["child_id", "episode_id", "start_date"]].merge(
        a.assign(when=when)[["episode_id", "when"]], on="episode_id")
    linked = m[m["when"] <= m["start_date"]][["child_id", "start_date"]].drop_duplicates()
    share = len(linked) / len(p)
    assert 0.75 <= share < 1.0  # a few are authorised after the conference, as happens


def test_domestic_abuse_in_about_half_of_assessments(tables):
    f = tables.assessments["factors"].fillna("")
    dv = f.str.contains(r"(?:^|,)3[ABC](?:,|$)")
    assert 0.4 <= dv.mean() <= 0.6
    assert not f.str.contains(r"(?:^|,)24A(?:,|$)").any()  # child criminal exploitation: 2022 on


# ---- the generator ------------------------------------------------------------------------------


@pytest.mark.parametrize("year", range(2016, 2027))
def test_every_schema_year_validates_without_faults(tmp_path, year):
    paths = write_census(tmp_path, seed=7, start_year=year, end_year=year, faults=False)
    assert [p.name for p in paths] == [f"cin_census_{year}.xml"]
    assert _errors(paths[0], year) == []
    assert _manifest(tmp_path) == []
    sex = _texts(paths[0], "Sex")
    gender = _texts(paths[0], "GenderCurrent")
    if year >= 2025:
        assert sex and not gender and set(sex) <= {"M", "F", "U"}
    else:
        assert gender and not sex
    cin_plans = _texts(paths[0], "CINPlanStartDate")
    assert bool(cin_plans) == (year >= 2022)
    assert ("24A" in _texts(paths[0], "AssessmentFactors")) == (year >= 2022)


def test_same_seed_same_files_other_seed_other_files(tmp_path):
    a = write_census(tmp_path / "a", seed=11, start_year=2017, end_year=2018)
    b = write_census(tmp_path / "b", seed=11, start_year=2017, end_year=2018)
    c = write_census(tmp_path / "c", seed=12, start_year=2017, end_year=2018)
    assert [p.read_bytes() for p in a] == [p.read_bytes() for p in b]
    assert a[0].read_bytes() != c[0].read_bytes()


def test_part_year_return_stops_at_data_to(tmp_path):
    paths = write_census(tmp_path, seed=3, start_year=2018, end_year=2020,
                         data_to=dt.date(2018, 12, 31))
    assert [p.name for p in paths] == ["cin_census_2018.xml", "cin_census_2019.xml"]
    assert max(_texts(paths[1], "CPPstartDate")) <= "2018-12-31"


def test_generator_is_calibrated_across_seeds():
    """Not just the default seed: averaged over seeds the generator hits LA 358's levels."""
    rows = []
    for seed in range(8):
        plans = synthetic.generate(seed=seed, end_year=2018).plans
        plans = plans.sort_values(["child_id", "start_date"])
        replan = (plans["previous_plans"] >= 1) | plans.duplicated("child_id")
        days = (plans["end_date"] - plans["start_date"]).dt.days + 1
        d, p0 = pd.Timestamp("2017-03-31"), pd.Timestamp("2016-04-01")
        is_open = (plans["start_date"] <= d) & ~(plans["end_date"] <= d)
        started = plans["start_date"].between(p0, d)
        ended = plans["end_date"].between(p0, d)
        rows.append({"on": plans.loc[is_open, "child_id"].nunique(), "starts": started.sum(),
                     "replan": replan[started].mean(), "long": (days[ended] >= 730).mean()})
    mean = pd.DataFrame(rows).mean()
    assert 235 <= mean["on"] <= 270
    assert 240 <= mean["starts"] <= 280
    assert 0.21 <= mean["replan"] <= 0.29
    assert 0.08 <= mean["long"] <= 0.13


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError):
        synthetic.generate(start_year=2019, end_year=2018)
    with pytest.raises(ValueError):
        synthetic.generate(children_scale=0)
    with pytest.raises(ValueError, match="before 2015"):
        synthetic.generate(start_year=2014)


def test_a_years_file_depends_only_on_the_seed_and_the_year(tmp_path):
    """Asking for more years, or fewer, adds to the history without changing it."""
    runs = {"2022-2024": (2022, 2024), "2022-2025": (2022, 2025), "2024": (2024, 2024)}
    for name, (start, end) in runs.items():
        write_census(tmp_path / name, seed=11, start_year=start, end_year=end)
    files = {name: (tmp_path / name / "cin_census_2024.xml").read_bytes() for name in runs}
    assert len(set(files.values())) == 1
    planted = {name: [r for r in _manifest(tmp_path / name) if r["file"] == "cin_census_2024.xml"]
               for name in runs}
    # the continuity row comes only with the next year's return
    assert [r["rule"] for r in planted["2022-2025"]].count("L20") == 1
    assert planted["2022-2024"] == planted["2024"] == [
        r for r in planted["2022-2025"] if r["rule"] != "L20"]


def test_full_years_of_the_default_data_set_need_no_part_year(tmp_path):
    """The embedded 2015-16 to 2017-18 returns are those of a run that ends on 31 March 2018."""
    write_census(tmp_path, start_year=2016, end_year=2018)
    for year in (2016, 2017, 2018):
        name = f"cin_census_{year}.xml"
        assert (tmp_path / name).read_bytes() == (DATA / name).read_bytes(), name


def _upn_check_letter(upn: str) -> str:
    """DfE's UPN check letter: digits 2-13 weighted 2-13, sum modulo 23, letters without I,O,S."""
    total = sum(int(d) * w for d, w in zip(upn[1:], range(2, 14), strict=True))
    return "ABCDEFGHJKLMNPQRTUVWXYZ"[total % 23]


@pytest.mark.parametrize("year", YEARS)
def test_children_carry_what_dfe_asks_for(year):
    """Rules 8540, 8790, 8794, 2888Q (disabilities), 8770Q, 1510, 1520, 1530 (UPN)."""
    path = DATA / f"cin_census_{year}.xml"
    ref = pd.Timestamp(year, 3, 31)
    upns, some_several = [], False
    for child in etree.parse(str(path)).iter("Child"):
        codes = [d.text for d in child.iter("Disability")]
        assert codes, "every child has a Disabilities block (8540)"
        assert codes == ["NONE"] or ("NONE" not in codes and len(set(codes)) == len(codes))
        some_several |= len(codes) > 1
        ids = child.find("ChildIdentifiers")
        born = ids.findtext("PersonBirthDate")
        upn, unknown = ids.findtext("UPN"), ids.findtext("UPNunknown")
        assert (upn is None) != (unknown is None)
        if born and pd.Timestamp(born) <= ref - pd.DateOffset(years=4):
            assert upn or unknown in {"UN2", "UN3", "UN4", "UN5", "UN6"}
        else:
            assert unknown == "UN1"
        if upn:
            assert re.fullmatch(r"[A-Z]\d{12}", upn) and upn[0] == _upn_check_letter(upn)
            assert upn[1:4] in {"358", "350", "352", "354", "356", "357", "359"}
            upns.append(upn)
    assert some_several
    assert len(upns) == len(set(upns)) > 1000


def _working_days(a: pd.Series, b: pd.Series) -> np.ndarray:
    """Working days d with a < d <= b (metrics.md), England and Wales bank holidays."""
    day = "datetime64[D]"
    return np.busday_count((a + pd.Timedelta(days=1)).to_numpy().astype(day),
                           (b + pd.Timedelta(days=1)).to_numpy().astype(day),
                           holidays=synthetic._holidays())


@pytest.fixture(scope="module")
def council():
    return synthetic.generate(data_to=DEFAULT_DATA_TO)


@pytest.mark.parametrize("year", [2017, 2018])
def test_pathway_is_calibrated_to_la_358(council, year):
    """Trafford, C4 2016-17 / 2017-18: 410 / 462 enquiries, 289 / 294 conferences, 84.4% /
    83.3% within 15 working days, median 13; D6: 97.2% / 84.6% of children reviewed in time
    (England 2017-18 90.5%)."""
    p0, d = pd.Timestamp(year - 1, 4, 1), pd.Timestamp(year, 3, 31)
    s47 = council.section47s
    held = s47[s47["date_of_initial_cpc"].between(p0, d)]
    days = _working_days(held["start_date"], held["date_of_initial_cpc"])
    assert 240 <= len(held) <= 340
    assert 0.78 <= (days <= 15).mean() <= 0.90
    assert 12 <= np.median(days) <= 14
    assert 0.14 <= (days <= 10).mean() <= 0.24 and (days >= 21).mean() >= 0.05
    started = s47[s47["start_date"].between(p0, d)]
    assert 350 <= len(started) <= 520
    assert 0.25 <= started["icpc_not_required"].mean() <= 0.45  # enquiries with no conference
    # children on a plan at d for 3 months or more, every review due by d held by its due date
    plans = council.plans.reset_index(names="plan")
    on = plans[(plans["start_date"] + pd.DateOffset(months=3) <= d) & ~(plans["end_date"] <= d)]
    reviews = council.reviews
    in_time = 0
    for p in on.itertuples():
        due, ok = p.start_date + pd.DateOffset(months=3), True
        for held_on in sorted(reviews.loc[(reviews["plan"] == p.plan)
                                          & (reviews["review_date"] <= d), "review_date"]):
            ok &= held_on <= due
            due = held_on + pd.DateOffset(months=6)
        in_time += ok and due >= d
    assert 0.80 <= in_time / len(on) <= 0.95
    assert (_working_days(held["date_of_initial_cpc"] - pd.Timedelta(days=1),
                          held["date_of_initial_cpc"]) == 1).all()  # conferences on working days


@pytest.mark.parametrize("seed, years", [(1, (2017, 2018)), (2, (2019, 2020)),
                                         (3, (2021, 2022)), (4, (2023, 2024)), (5, (2025, 2025))])
def test_validate_reports_exactly_the_planted_faults(tmp_path, capsys, seed, years):
    """`synth` then `validate --csv`: each planted fault by its rule and child, nothing else."""
    assert main(["synth", "--out", str(tmp_path), "--seed", str(seed), "--start-year",
                 str(years[0]), "--end-year", str(years[1]), "--children-scale", "0.5"]) == 0
    capsys.readouterr()
    assert main(["validate", "--data", str(tmp_path), "--csv"]) == 0
    found = pd.read_csv(io.StringIO(capsys.readouterr().out), dtype=str)
    got = {(Path(f).name, c, r) for f, c, r in zip(found["source_file"], found["child_id"],
                                                    found["rule"], strict=True)}
    planted = {(r["file"], r["child_id"], r["rule"]) for r in _manifest(tmp_path)}
    assert len({f for f, _, _ in planted}) == years[1] - years[0] + 1
    assert got == planted


def test_synth_refuses_years_without_their_history(tmp_path, capsys):
    """Before 2014-15 the simulation (from April 2006) has too little history: exit 2, one line."""
    assert main(["synth", "--out", str(tmp_path), "--start-year", "2014"]) == 2
    err = capsys.readouterr().err
    assert err == ("error: synth: start year 2014 is before 2015, the first the synthetic"
                   " council has 8 years of history for\n")
    assert not list(tmp_path.iterdir())
