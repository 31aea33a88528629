"""A period pack end to end: every artefact, the library's numbers, nothing that may not leave.

The pack runs through the command line (as `make pack` does) from a foreign
working directory with a nonsense MPLBACKEND, on small notebooks of our own
(`tests/fixtures/pack_notebooks`) over the hand-made sample, whose counts are
almost all below 5, so disclosure control has plenty to do. When the
project's own notebooks are present they get a pack of their own as well.
"""

from __future__ import annotations

import hashlib
import json
import re
import zipfile
from pathlib import Path

import nbformat
import openpyxl
import pytest
from cpmetrics import cli
from cpmetrics.disclosure import small_counts, suppress_metrics
from cpmetrics.pack import Secrets, check_pack
from helpers import SAMPLE_PARAMS, run_pack

ROOT = Path(__file__).resolve().parents[1]
FIXTURE_NOTEBOOKS = ROOT / "tests" / "fixtures" / "pack_notebooks"
PROJECT_NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


@pytest.fixture(scope="module")
def sample_pack(tmp_path_factory) -> dict:
    tmp = tmp_path_factory.mktemp("pack")
    params = tmp / "2018-03.yaml"
    params.write_text(SAMPLE_PARAMS)
    out = tmp / "outputs"
    done = run_pack("--params", str(params), "--notebooks", str(FIXTURE_NOTEBOOKS),
                    "--out", str(out), "--jobs", "2", cwd=tmp)
    assert done.returncode == 0, done.stderr
    return {"dir": out / "2018-03", "out": out, "tmp": tmp, "params": params,
            "data": ROOT / "data" / "sample", "period_end": "2018-03-31",
            "notebooks": sorted(FIXTURE_NOTEBOOKS.glob("*.ipynb"))}


@pytest.fixture(params=["sample", "project"])
def pack(request) -> dict:
    return request.getfixturevalue(f"{request.param}_pack")


def all_text(folder: Path) -> dict[str, str]:
    """Every file of a pack as text; a workbook by the XML inside it."""
    texts = {}
    for p in folder.rglob("*"):
        if p.suffix == ".xlsx":
            with zipfile.ZipFile(p) as z:
                texts[str(p)] = "".join(z.read(n).decode("utf-8", "replace") for n in z.namelist())
        elif p.is_file() and p.suffix != ".png":
            texts[str(p)] = p.read_text(encoding="utf-8", errors="replace")
    return texts


def test_every_artefact_exists(pack):
    d = pack["dir"]
    for name in ("index.html", "metrics.json", "quality.csv", "tables.xlsx"):
        assert (d / name).is_file(), name
    for nb in pack["notebooks"]:
        assert (d / f"{nb.stem}.html").is_file()
        executed = nbformat.read(d / "notebooks" / nb.name, as_version=4)
        assert any(c.get("outputs") for c in executed.cells if c.cell_type == "code")
    assert list((d / "tables").glob("*.csv"))
    assert list((d / "charts").glob("*.png"))
    assert not (d / "_meta").exists()
    index = (d / "index.html").read_text()
    for nb in pack["notebooks"]:
        assert f'href="{nb.stem}.html"' in index
    assert "cpmetrics" in index and "Reporting date" in index
    leftovers = [p.name for p in pack["out"].iterdir() if p.name.startswith(".")]
    assert leftovers == [], "no build folder is left behind"


def test_headline_numbers_are_the_librarys_suppressed(pack, capsys):
    metrics = json.loads((pack["dir"] / "metrics.json").read_text())
    assert cli.main(["metrics", "--data", str(pack["data"]),
                     "--period-end", pack["period_end"], "--la", "358"]) == 0
    printed = json.loads(capsys.readouterr().out)
    expected = suppress_metrics(printed)
    ours = {k: v for k, v in metrics.items() if k not in ("pack", "outlook")}
    assert ours == expected
    assert metrics["pack"]["suppression_threshold"] == 5


def test_sample_pack_really_suppresses(sample_pack):
    """The sample has 4 children on a plan: the pack must say <5, never 4."""
    metrics = json.loads((sample_pack["dir"] / "metrics.json").read_text())
    assert metrics["on_plan"] == "<5"
    assert metrics["starts"] == 6
    assert metrics["starts_second_or_subsequent"] == {"n": "<5", "of": 6, "pct": None}
    # the year-end outlook rests on the same counts: no projection of a suppressed share
    replans = metrics["outlook"]["starts_second_or_subsequent"]
    assert (replans["n"], replans["of"], replans["pct"]) == ("<5", 6, None)
    assert (replans["centre"], replans["low"], replans["high"]) == (None, None, None)


def test_no_child_id_or_birth_date_from_the_input(pack):
    xml = "".join(p.read_text() for p in pack["data"].glob("*.xml"))
    ids = set(re.findall(r"<LAchildID>\s*([^<\s]+)\s*</LAchildID>", xml))
    ids |= set(re.findall(r"<UPN>\s*([^<\s]+)\s*</UPN>", xml))  # unique pupil numbers
    births = set(re.findall(r"<PersonBirthDate>\s*([\d-]+)\s*</PersonBirthDate>", xml))
    assert ids and births
    # month ends and firsts of months are legitimately in every pack (reporting dates)
    births = {b for b in births if not b.endswith(("-01", "-28", "-29", "-30", "-31"))}
    for path, text in all_text(pack["dir"]).items():
        tokens = set(re.findall(r"[A-Za-z0-9]+", text))
        assert not ids & tokens, f"{path} holds a child id"
        assert not {b for b in births if b in text}, f"{path} holds a date of birth"


def test_no_page_refers_to_another_host(pack):
    pages = list(pack["dir"].glob("*.html"))
    assert len(pages) == len(pack["notebooks"]) + 2  # the index and the methods page
    for page in pages:
        text = page.read_text()
        assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", text, re.I), page.name
        assert not re.search(r"url\(\s*[\"']?(https?:)?//", text, re.I), page.name
        assert "<script" not in text.lower(), page.name


def test_charts_are_embedded_with_alt_text(pack):
    pages = [pack["dir"] / f"{nb.stem}.html" for nb in pack["notebooks"]]
    images = [m for p in pages for m in re.findall(r"<img\b[^>]*>", p.read_text())]
    assert images
    for img in images:
        assert 'src="data:image/png;base64,' in img
        assert re.search(r'alt="[^"]{10,}"', img), img[:200]


def test_a_count_below_the_threshold_never_appears(sample_pack):
    d = sample_pack["dir"]
    assert small_counts(json.loads((d / "metrics.json").read_text())) == []
    for csv in [*d.glob("tables/*.csv"), d / "quality.csv"]:
        for line in csv.read_text().splitlines()[1:]:
            cells = re.findall(r'"[^"]*"|[^,]+', line)
            assert not [c for c in cells if re.fullmatch(r"[1-4]", c)], f"{csv.name}: {line}"
    for page in d.glob("*.html"):
        if page.name == "methods.html":
            continue  # the project's documentation, the same in every pack (its tables number rows)
        cells = re.findall(r"<td[^>]*>\s*([^<]*?)\s*</td>", page.read_text())
        assert not [c for c in cells if re.fullmatch(r"[1-4]", c)], page.name
    book = openpyxl.load_workbook(d / "tables.xlsx")
    values = [c.value for ws in book.worksheets for row in ws.iter_rows() for c in row]
    assert "<5" in values
    assert not [v for v in values if isinstance(v, int) and 1 <= v <= 4]


def test_check_pack_catches_what_slips_through(tmp_path):
    (tmp_path / "page.html").write_text(
        '<p>SYN000123</p><script src="https://cdn.example.org/x.js"></script>'
        '<img src="data:image/png;base64,AAAA" alt="a chart"><img src="data:image/png;base64,AA">'
    )
    (tmp_path / "t.csv").write_text("band,children\nshort,3\n")
    (tmp_path / "metrics.json").write_text('{"on_plan": 2}')
    (tmp_path / "nb.ipynb").write_text('{"text": "born 2011-06-14"}')
    problems = check_pack(tmp_path, Secrets(frozenset({"SYN000123"}),
                                            frozenset({"2011-06-14"})), 5)
    text = "\n".join(problems)
    for words in ("child id", "another host", "t.csv", "metrics.json", "date(s) of birth",
                  "page.html: 1 image(s) without alt text"):
        assert words in text


def test_check_pack_reads_stylesheets_on_every_page(tmp_path):
    """A page's stylesheets are read once per process (pages share them), yet what is in them
    is found on every page that carries them, and a page's images' bytes hide nothing else."""
    css = "<style>.a{color:red}</style><STYLE media=x>.b{background:url(//fonts.example.org/f)}"
    for name in ("a.html", "b.html"):
        (tmp_path / name).write_text(
            f"<html><head>{css} /* SYN000123 2011-06-14 */</STYLE></head><body>"
            '<img src="data:image/png;base64,AAAA" alt="x"><p>fine</p></body></html>')
    (tmp_path / "c.html").write_text(
        '<img src="data:image/png;base64,QUFB" alt="x"><p data-x="a" src="//x.example.org/y">')
    secrets = Secrets(frozenset({"SYN000123"}), frozenset({"2011-06-14"}))
    problems = check_pack(tmp_path, secrets, 5)
    for page in ("a.html", "b.html"):
        for words in ("holds 1 child id", "holds 1 date(s) of birth", "refers to another host"):
            assert any(p.startswith(f"{page}: {words}") for p in problems), (page, words)
    (only_c,) = [p for p in problems if p.startswith("c.html")]
    assert only_c.startswith("c.html: refers to another host") and "//x.example.org/y" in only_c


def digest(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_failing_notebook_leaves_previous_pack_and_exits_1(sample_pack, tmp_path):
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    good = nbformat.read(FIXTURE_NOTEBOOKS / "02_starts.ipynb", as_version=4)
    nbformat.write(good, notebooks / "02_starts.ipynb")
    broken = nbformat.read(FIXTURE_NOTEBOOKS / "01_demo.ipynb", as_version=4)
    broken.cells.insert(3, nbformat.v4.new_code_cell("raise ValueError('deliberately broken')"))
    nbformat.write(broken, notebooks / "01_demo.ipynb")
    out = sample_pack["out"]
    before = digest(out / "2018-03")

    done = run_pack("--params", str(sample_pack["params"]), "--notebooks", str(notebooks),
                    "--out", str(out), "--jobs", "2", cwd=tmp_path)

    assert done.returncode == 1
    assert "01_demo.ipynb failed at cell 4" in done.stderr
    assert "ValueError: deliberately broken" in done.stderr
    assert digest(out / "2018-03") == before, "the previous pack is untouched"
    kept = out / "2018-03.failed"
    assert str(kept) in done.stderr
    executed = nbformat.read(kept / "notebooks" / "01_demo.ipynb", as_version=4)
    assert any(o.get("ename") == "ValueError" for c in executed.cells
               for o in c.get("outputs", []))
    assert not [p for p in out.iterdir() if p.name.startswith(".")]


def test_a_kernels_stderr_is_kept_only_in_a_failed_build(tmp_path):
    """What a kernel writes to stderr can hold child-level values: it is held in memory and
    written only into a failed pack's kept build, never to a file of its own elsewhere."""
    import io
    import time

    from cpmetrics.pack import kernel

    log = kernel._KernelLog(io.BytesIO(b"Traceback (most recent call last):\nSYN000001\n"))
    for _ in range(100):
        if len(log._lines) == 2:
            break
        time.sleep(0.01)
    saved = kernel._KERNEL.get("log")
    kernel._KERNEL["log"] = log
    try:
        kernel._keep_kernel_log(tmp_path)
        kernel._keep_kernel_log(tmp_path)  # nothing new: nothing added
    finally:
        kernel._KERNEL.pop("log")
        if saved is not None:
            kernel._KERNEL["log"] = saved
    kept = (tmp_path / "kernel.log").read_text()
    assert kept == "Traceback (most recent call last):\nSYN000001\n"
    assert [p.name for p in tmp_path.iterdir()] == ["kernel.log"]



def test_no_chart_shows_or_describes_a_small_count(project_sample_pack):
    import html as html_lib

    from helpers import small_numbers

    d = project_sample_pack
    alts = {p.name: p.read_text() for p in d.glob("charts/*.txt")}
    assert len(alts) >= 20
    for page in d.glob("*.html"):
        for i, alt in enumerate(re.findall(r'\balt="([^"]*)"', page.read_text())):
            alts[f"{page.name} image {i + 1}"] = html_lib.unescape(alt)
    leaks = {name: small_numbers(alt) for name, alt in alts.items() if small_numbers(alt)}
    assert leaks == {}, leaks
    assert any("<5" in alt for alt in alts.values())


def test_project_pages_show_no_small_count_no_index_and_no_na(project_sample_pack):
    d = project_sample_pack
    for page in d.glob("0*.html"):
        text = page.read_text()
        cells = re.findall(r"<td[^>]*>\s*([^<]*?)\s*</td>", text)
        assert cells, page.name
        assert not [c for c in cells if re.fullmatch(r"[1-4]", c)], page.name
        assert not [c for c in cells if c in ("&lt;NA&gt;", "NaN", "<NA>")], page.name
        assert not re.search(r"neighbours[^<]{0,40}\(?0 of 0\b", text), page.name
        # no 0, 1, 2... row-number column: a RangeIndex is not shown
        assert not re.search(r"<tbody>\s*<tr>\s*<th>0</th>", text), page.name
    for csv in d.glob("tables/*.csv"):
        for line in csv.read_text().splitlines()[1:]:
            cells = re.findall(r'"[^"]*"|[^,]+', line)
            assert not [c for c in cells if re.fullmatch(r"[1-4]", c)], f"{csv.name}: {line}"


def test_headline_comparison_with_england_is_hidden_with_its_figure(project_sample_pack):
    # on the sample every headline percentage rests on a count below 5: saying it is
    # "higher than England" would give away what the suppressed figure hides
    import pandas as pd

    headline = pd.read_csv(project_sample_pack / "tables" / "00_headline.csv", dtype=str)
    hidden = headline["value"].isin(["[c]"]) | headline["value"].isna()
    assert hidden.all()
    assert not headline["vs_england"].fillna("").str.contains("England").any()


def test_a_kernel_waits_for_what_the_pack_promised_and_not_for_a_broken_promise(tmp_path,
                                                                             monkeypatch):
    import threading
    import time

    from cpmetrics.pack import kernel

    monkeypatch.setattr(kernel, "_SHARED_DIR", str(tmp_path))
    kernel._promise(tmp_path, "data", ("k",))
    writer = threading.Timer(0.3, kernel._share, (tmp_path, "data", ("k",), {"plans": 3}))
    started = time.monotonic()
    writer.start()
    assert kernel._take_shared("data", ("k",)) == {"plans": 3}
    assert time.monotonic() - started >= 0.3  # it waited rather than reading for itself
    writer.join()

    kernel._promise(tmp_path, "published", ("p",))
    threading.Timer(0.2, kernel._break_promises, (tmp_path,)).start()
    assert kernel._take_shared("published", ("p",)) is None  # the kernel reads it itself
    assert kernel._take_shared("nothing", ("x",)) is None  # never promised: no wait


def test_pages_keep_nbconverts_keyboard_focus_and_alt_text(project_pack):
    """The pages skip nbconvert's BeautifulSoup pass, so they must do what it did themselves."""
    page = (project_pack["dir"] / "02_replans.html").read_text(encoding="utf-8")
    outputs = re.findall(r'<div\b[^>]*class="[^"]*jp-OutputArea-output[^"]*"[^>]*>', page)
    cells = re.findall(r'<div\b[^>]*class="jp-Cell-inputWrapper"[^>]*>', page)
    assert outputs and cells
    assert all('tabindex="0"' in d for d in outputs + cells)
    images = re.findall(r"<img\b[^>]*>", page)
    assert len(images) >= 8 and all(re.search(r'\balt="[^"]{20,}"', i) for i in images)


def test_the_methods_page_is_in_the_pack_and_linked_from_its_index(project_pack):
    index = (project_pack["dir"] / "index.html").read_text(encoding="utf-8")
    assert 'href="methods.html"' in index
    page = (project_pack["dir"] / "methods.html").read_text(encoding="utf-8")
    source = (ROOT / "docs" / "methods.md").read_text(encoding="utf-8")
    headings = re.findall(r"^##\s+(.+)$", source, re.M)
    assert "Coverage of the data" in headings
    shown = [re.sub(r"<[^>]+>", "", h) for h in re.findall(r"<h2>(.*?)</h2>", page)]
    assert shown == [h.replace("`", "").replace("&", "&amp;") for h in headings]
    assert "<main>" in page and 'href="index.html"' in page


def test_a_unique_pupil_number_may_not_leave_in_a_pack(tmp_path):
    import pandas as pd
    from cpmetrics.pack import secrets_of
    from cpmetrics.tables import CHILD_COLUMNS, Tables, empty

    children = pd.concat([empty(CHILD_COLUMNS), pd.DataFrame(
        {"child_id": ["SYN000001"], "upn": ["A123456789012"]})], ignore_index=True)
    tables = Tables(plans=empty({"child_id": "string"}), children=children)
    secrets = secrets_of(tables)
    assert "A123456789012" in secrets.ids
    (tmp_path / "page.html").write_text("<p>pupil A123456789012</p>")
    assert any("child id" in p for p in check_pack(tmp_path, secrets, 5))
