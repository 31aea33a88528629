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
