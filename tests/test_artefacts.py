"""What the notebooks hand to a pack: tables and text, disclosure-controlled when they leave."""

import pandas as pd
from cpmetrics.artefacts import show_table, show_text

PARAGRAPHS = [
    "The proportion of the cohort with a second or subsequent plan is 23.8%, equating to 53"
    " children and young people.",
    "There have been 3 of 40 plans started in the last two months that were re-plans.",
]


def test_text_is_shown_as_paragraphs_in_full():
    shown = show_text(PARAGRAPHS, "00_narrative", title="Summary paragraphs")
    assert shown.data == PARAGRAPHS[0] + "\n\n" + PARAGRAPHS[1]


def test_text_in_a_pack_is_suppressed_and_written_as_csv(tmp_path):
    shown = show_text(PARAGRAPHS, "00_narrative", title="Summary paragraphs", pack_dir=tmp_path)
    assert "3 of 40" not in shown.data and "<5 of 40" in shown.data
    written = pd.read_csv(tmp_path / "tables" / "00_narrative.csv")["paragraph"].tolist()
    assert written[0] == PARAGRAPHS[0] and "3 of 40" not in written[1]


def test_table_in_a_pack_hides_small_counts_and_their_percentages(tmp_path):
    df = pd.DataFrame({"area": ["a", "b"], "n": pd.array([3, 30], dtype="Int64"),
                       "of": pd.array([10, 100], dtype="Int64"), "pct": [30.0, 30.0]})
    shown = show_table(df, "t", title="T", pack_dir=tmp_path).data
    assert shown["n"].tolist() == ["<5", 30] and shown["pct"].iloc[1] == 30.0
    assert str(shown["pct"].iloc[0]) == "[c]"
    assert show_table(df, "t", title="T").data["n"].tolist() == [3, 30]  # interactive: as is


def test_what_the_data_cannot_show_is_said_once_in_place_of_chart_and_table(tmp_path):
    from cpmetrics import charts
    from cpmetrics.artefacts import show_chart
    from cpmetrics.unavailable import NotAvailable

    na = NotAvailable("the factors identified at assessment", "this data set holds no assessments")
    fig, alt = charts.factor_chart(na)  # a chart function passes it through
    assert fig is na and alt == ("This data set holds no assessments, so the factors identified"
                                 " at assessment are not available.")
    assert show_chart(fig, "04_factors", alt=alt, pack_dir=tmp_path) is na  # the sentence
    assert show_table(na.round(1), "04_factors", title="F", pack_dir=tmp_path) is None  # once
    assert na._repr_markdown_() == f"**Not available.** {alt}"
    assert not (tmp_path / "tables").exists() and not (tmp_path / "charts").exists()
    meta = (tmp_path / "_meta" / "04_factors.unavailable.json").read_text()
    assert "the factors identified at assessment" in meta  # for the index


def test_the_index_names_everything_one_reason_hides_in_one_sentence():
    from cpmetrics.unavailable import NotAvailable, in_short

    why = "this data set holds no assessments"
    got = in_short([NotAvailable("the factors", why), NotAvailable("re-plans with abuse", why),
                    NotAvailable("the factors", why), NotAvailable("the teams", "no team")])
    assert got == ["This data set holds no assessments, so these are not available: the factors;"
                   " re-plans with abuse.", "No team, so the teams are not available."]
