"""What drives plans: category of abuse, factors identified at assessment, domestic violence/abuse.

Categories match DfE table D4 (plans by initial category of abuse; children
on a plan by latest category). Factors match DfE table C3 (episodes with
factors identified at the end of assessment, by factor); domestic
violence/abuse is factor 3A, 3B or 3C (metrics.md). Everything that reads
assessments returns a `NotAvailable` saying so when the source has none (Annex A,
a tidy CSV folder without assessments.csv): a page shows that sentence in place
of the table.
"""

from __future__ import annotations

import pandas as pd

from cpmetrics.comparison import comparison_year, neighbours, proportion_rows
from cpmetrics.linking import linked_dv
from cpmetrics.measures import current_plans, started
from cpmetrics.periods import Period
from cpmetrics.proportion import Proportion
from cpmetrics.tables import CATEGORIES, DV_FACTORS, Tables
from cpmetrics.unavailable import NotAvailable, no_assessments

CATEGORY_LABELS = {"NEG": "Neglect", "EMO": "Emotional abuse", "PHY": "Physical abuse",
                   "SAB": "Sexual abuse", "MUL": "Multiple"}

#: assessment factor code -> (short label, DfE C3 column)
FACTORS: dict[str, tuple[str, str]] = {
    "1A": ("Alcohol misuse: child", "Alcohol_Misuse_child"),
    "1B": ("Alcohol misuse: parent/carer", "Alcohol_Misuse_parent"),
    "1C": ("Alcohol misuse: other person", "Alcohol_Misuse_person"),
    "2A": ("Drug misuse: child", "Drug_Misuse_child"),
    "2B": ("Drug misuse: parent/carer", "Drug_Misuse_parent"),
    "2C": ("Drug misuse: other person", "Drug_Misuse_person"),
    "3A": ("Domestic abuse: child subject", "Domestic_Abuse_child"),
    "3B": ("Domestic abuse: parent/carer subject", "Domestic_Abuse_parent"),
    "3C": ("Domestic abuse: other person subject", "Domestic_Abuse_person"),
    "4A": ("Mental health: child", "Mental_Health_child"),
    "4B": ("Mental health: parent/carer", "Mental_Health_parent"),
    "4C": ("Mental health: other person", "Mental_Health_person"),
    "5A": ("Learning disability: child", "Learning_Disability_child"),
    "5B": ("Learning disability: parent/carer", "Learning_Disability_parent"),
    "5C": ("Learning disability: other person", "Learning_Disability_person"),
    "6A": ("Physical disability/illness: child", "Physical_Disability_child"),
    "6B": ("Physical disability/illness: parent/carer", "Physical_Disability_parent"),
    "6C": ("Physical disability/illness: other person", "Physical_Disability_person"),
    "7A": ("Young carer", "Young_Carer"),
    **{c: ("Privately fostered", "Privately_fostered") for c in ("8B", "8C", "8D", "8E", "8F")},
    "9A": ("Unaccompanied asylum-seeking child", "Unaccompanied_asylum_seeker"),
    "10A": ("Going/being missing", "Going_missing"),
    "11A": ("Child sexual exploitation", "Child_sexual_exploitation"),
    "12A": ("Trafficking", "Trafficking"),
    "13A": ("Gangs", "Gangs"),
    "14A": ("Socially unacceptable behaviour", "Socially_unacceptable_behaviour"),
    "15A": ("Self-harm", "Self_harm"),
    "16A": ("Neglect", "Neglect"),
    "17A": ("Emotional abuse", "Emotional_Abuse"),
    "18A": ("Physical abuse", "Physical_Abuse_unknown"),
    "18B": ("Physical abuse: child on child", "Physical_Abuse_child_on_child"),
    "18C": ("Physical abuse: adult on child", "Physical_Abuse_adult_on_child"),
    "19A": ("Sexual abuse", "Sexual_Abuse_unknown"),
    "19B": ("Sexual abuse: child on child", "Sexual_Abuse_child_on_child"),
    "19C": ("Sexual abuse: adult on child", "Sexual_Abuse_adult_on_child"),
    "20": ("Other", "Other"),
    "22A": ("Female genital mutilation", "Female_Genital_Mutilation"),
    "23A": ("Abuse linked to faith or belief", "Faith_linked_abuse"),
    "24A": ("Child criminal exploitation", "Child_criminal_exploitation"),
}
#: "No factors identified": not a factor, so an episode with only this has no factor recorded
NO_FACTORS = "21"


def category_profile(plans: pd.DataFrame, period: Period) -> pd.DataFrame:
    """Plans started in the period by initial category and children on a plan at its end by
    latest category (DfE D4), counts and % of each.

    England's D4 shares are not among the shipped published tables, so there is
    no England column here (see `published/README.md` to add one).
    """
    s = started(plans, period)["initial_category"]
    c = current_plans(plans, period.end)["latest_category"]
    out = pd.DataFrame({
        "starts": s.value_counts().reindex(CATEGORIES, fill_value=0),
        "on_plan": c.value_counts().reindex(CATEGORIES, fill_value=0),
    }).astype("int64")
    out["starts_pct"] = 100 * out["starts"] / max(len(s), 1)
    out["on_plan_pct"] = 100 * out["on_plan"] / max(len(c), 1)
    out.index = pd.Index([CATEGORY_LABELS[k] for k in CATEGORIES], name="category of abuse")
    return out[["starts", "starts_pct", "on_plan", "on_plan_pct"]]


def episode_factors(assessments: pd.DataFrame, period: Period) -> pd.DataFrame:
    """CIN episodes with an assessment completed (authorised) in the period that recorded a factor,
    one row per episode and factor code (each code once per episode), as DfE C3 counts them."""
    a = assessments[period.contains(assessments["authorisation_date"])]
    codes = a["factors"].fillna("").astype("string").str.split(",")
    long = pd.DataFrame({"episode_id": a["episode_id"], "factor": codes}).explode("factor")
    long["factor"] = long["factor"].astype("string").str.strip()
    long = long[long["factor"].notna() & (long["factor"] != "") & (long["factor"] != NO_FACTORS)]
    return long.drop_duplicates().reset_index(drop=True)


def _c3_published(la: str, period: Period, sn_grouping: str | None) -> tuple[pd.DataFrame, dict]:
    """DfE C3 % of episodes with each factor column: England and the neighbours' mean."""
    from cpmetrics import benchmarks as b

    year = comparison_year(period.end, "assessments_da_3a_pct")
    t = b.read_ees("c3")
    t = t[t["time_period"] == year]
    wide = t.pivot_table(index="area", columns="column", values="value", aggfunc="first")
    pct = wide.div(wide["Episodes_with_assessment_factor"], axis=0) * 100
    codes, grouping = neighbours(la, year, sn_grouping)
    nb = pct.reindex(codes)
    out = pd.DataFrame({
        "england_pct": pct.loc[b.ENGLAND] if b.ENGLAND in pct.index else float("nan"),
        "neighbours_pct": nb.mean(skipna=True),
        "neighbours_n": nb.notna().sum(),
    })
    return out, {"year": year, "year_label": b.year_label(year), "grouping": grouping,
                 "neighbours_of": len(codes)}


def factor_shares(tables: Tables, period: Period, la: str | None = None,
                  sn_grouping: str | None = None, top: int | None = None
                  ) -> pd.DataFrame | NotAvailable:
    """Share of episodes with an assessment factor recorded in the period that had each factor
    (DfE C3), largest first (the `top` most recorded), beside England's and the neighbours'
    published shares."""
    if (na := no_assessments(tables, "the factors identified at assessment")) is not None:
        return na
    ef = episode_factors(tables.assessments, period)
    of = ef["episode_id"].nunique()
    cols = ef["factor"].map(lambda c: FACTORS.get(c, (c, None))[1])
    labels = ef["factor"].map(lambda c: FACTORS.get(c, (f"code {c}", None))[0])
    g = ef.assign(column=cols, label=labels).groupby(["label", "column"], dropna=False)
    n = g["episode_id"].nunique().rename("episodes").reset_index()
    n["of"] = of
    n["pct"] = 100 * n["episodes"] / of if of else float("nan")
    if la is not None:
        try:
            pub, meta = _c3_published(la, period, sn_grouping)
            n = n.merge(pub, left_on="column", right_index=True, how="left")
            n["neighbours_n"] = n["neighbours_n"].astype("Int64")
            n["published_year"] = pd.array([meta["year_label"]] * len(n), dtype="string")
            n.attrs.update(meta)
        except Exception as exc:  # no published C3 for this council: say why, keep local figures
            n.attrs["note"] = str(exc)
    out = n.sort_values(["episodes", "label"], ascending=[False, True]).drop(columns="column")
    out = out.rename(columns={"label": "factor"}).reset_index(drop=True)
    if top is not None:
        out = out.head(top)
    out.attrs.update(n.attrs)
    return out


def dv_episode_share(tables: Tables, period: Period, la: str | None = None,
                     sn_grouping: str | None = None) -> pd.DataFrame | NotAvailable:
    """Domestic violence/abuse in episodes with a factor recorded in the period, two ways (C3).

    "each episode once": episodes with any of 3A/3B/3C, an episode counted once.
    "DfE column sum": the 3A, 3B and 3C shares added, as DfE's C3 table can be
    read; an episode recording two of the codes counts twice, so it overstates.
    Only the column sum can be set beside published figures.
    """
    what = "the domestic violence or abuse factors (3A, 3B, 3C) recorded at assessment"
    if (na := no_assessments(tables, what)) is not None:
        return na
    ef = episode_factors(tables.assessments, period)
    of = int(ef["episode_id"].nunique())
    by_code = {c: int(ef.loc[ef["factor"] == c, "episode_id"].nunique()) for c in DV_FACTORS}
    once = int(ef.loc[ef["factor"].isin(DV_FACTORS), "episode_id"].nunique())
    rows = proportion_rows({
        "Any of 3A, 3B, 3C (each episode counted once)": Proportion(once, of),
        **{f"{c} {FACTORS[c][0]}": Proportion(by_code[c], of) for c in DV_FACTORS},
    }, label="measure")
    summed = {"measure": "3A + 3B + 3C added (DfE C3 column sum; can count an episode twice)",
              "n": sum(by_code.values()), "of": of,
              "pct": 100 * sum(by_code.values()) / of if of else None}
    out = pd.concat([rows, pd.DataFrame([summed])], ignore_index=True)
    out["measure"] = out["measure"].astype("string")
    for c in ("n", "of"):
        out[c] = out[c].astype("Int64")
    out["method"] = pd.array(["each episode once", "DfE C3 column", "DfE C3 column",
                              "DfE C3 column", "DfE C3 column sum"], dtype="string")
    if la is not None:
        try:
            pub, meta = _c3_published(la, period, sn_grouping)
            cols = [FACTORS[c][1] for c in DV_FACTORS]
            eng = [None, *pub.loc[cols, "england_pct"], pub.loc[cols, "england_pct"].sum()]
            nbr = [None, *pub.loc[cols, "neighbours_pct"], pub.loc[cols, "neighbours_pct"].sum()]
            out["england_pct"] = pd.array(eng, dtype="float64")
            out["neighbours_pct"] = pd.array(nbr, dtype="float64")
            out["published_year"] = pd.array([meta["year_label"]] * len(out), dtype="string")
            out.attrs.update(meta)
        except Exception as exc:
            out.attrs["note"] = str(exc)
    return out


def starts_dv_share(tables: Tables, period: Period) -> pd.DataFrame | NotAvailable:
    """Plans started that were linked to a domestic violence/abuse factor, this period and a year
    earlier (metrics.md `starts_dv`)."""
    what = "the plans started linked to domestic violence or abuse"
    if (na := no_assessments(tables, what)) is not None:
        return na
    rows = {}
    for p in (period, period.year_earlier()):
        s = started(tables.plans, p)
        rows[f"Started {p.label()}"] = Proportion(int(linked_dv(s, tables.assessments).sum()),
                                                  len(s))
    return proportion_rows(rows, label="plans")


def replans_by_dv(tables: Tables, period: Period) -> pd.DataFrame | NotAvailable:
    """Share of plans started in the period that were second or subsequent, with and without a
    linked domestic violence/abuse factor."""
    what = "re-plans with and without domestic violence or abuse"
    if (na := no_assessments(tables, what)) is not None:
        return na
    s = started(tables.plans, period)
    dv = linked_dv(s, tables.assessments).to_numpy()
    r = s["is_replan"].to_numpy()
    return proportion_rows({
        "Linked to domestic violence/abuse": Proportion(int(r[dv].sum()), int(dv.sum())),
        "Not linked to domestic violence/abuse": Proportion(int(r[~dv].sum()), int((~dv).sum())),
    }, label="plans started")


def dv_cooccurring(tables: Tables, period: Period, top: int = 8) -> pd.DataFrame | NotAvailable:
    """The factors recorded most often alongside domestic violence/abuse in the same episode,
    with how often each is recorded in episodes without it (C3 episodes in the period)."""
    what = "the factors recorded alongside domestic violence or abuse"
    if (na := no_assessments(tables, what)) is not None:
        return na
    ef = episode_factors(tables.assessments, period)
    dv_eps = set(ef.loc[ef["factor"].isin(DV_FACTORS), "episode_id"])
    other = ef[~ef["factor"].isin(DV_FACTORS)]
    other = other.assign(label=other["factor"].map(lambda c: FACTORS.get(c, (f"code {c}",))[0]),
                         dv=other["episode_id"].isin(dv_eps))
    n_dv = len(dv_eps)
    n_not = ef["episode_id"].nunique() - n_dv
    g = other.groupby("label")
    with_dv = g.apply(lambda x: x.loc[x["dv"], "episode_id"].nunique(), include_groups=False)
    without = g.apply(lambda x: x.loc[~x["dv"], "episode_id"].nunique(), include_groups=False)
    out = pd.DataFrame({"with_dv": with_dv, "with_dv_pct": 100 * with_dv / max(n_dv, 1),
                        "without_dv": without, "without_dv_pct": 100 * without / max(n_not, 1)})
    out = out.sort_values(["with_dv", "with_dv_pct"], ascending=False).head(top)
    out.index.name = "factor recorded in the same episode"
    out.attrs.update({"dv_episodes": n_dv, "other_episodes": n_not})
    return out.astype({"with_dv": "int64", "without_dv": "int64"})

