"""What a notebook shows, and what a pack keeps: every table and chart goes through here.

Interactively (``pack_dir=None``) a table is shown as it is and a chart as an
embedded PNG. In a pack (``pack_dir`` set by `cpmetrics pack` to its build
folder) the table shown is the disclosure-controlled one, and each artefact is
also written into the pack:

- ``pack_dir/tables/<name>.csv`` (suppressed) and its title for the workbook,
- ``pack_dir/charts/<name>.png`` and ``pack_dir/charts/<name>.txt`` (alt text),
- ``pack_dir/_meta/<name>.table.json`` / ``<name>.chart.json``: what the pack
  needs to build the workbook and index (removed before the pack is published).

Names must be unique across the notebooks of a pack: start them with the
notebook's number (``"02_replans_by_quarter"``).

A table or chart the data cannot give (`unavailable.NotAvailable`) is shown as
its sentence, once, in the place of the first of them on the page; in a pack
nothing is written for it but ``_meta/<name>.unavailable.json``, so the index
can list what the data set cannot show.
"""

from __future__ import annotations

import base64
import functools
import html
import io
import json
import re
from pathlib import Path
from typing import Any

import pandas as pd

from cpmetrics.data_dictionary import plain
from cpmetrics.disclosure import DEFAULT_THRESHOLD, suppress_table, suppress_text
from cpmetrics.unavailable import NotAvailable

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_\-]*$")
META = "_meta"


def _check_name(name: str) -> str:
    if not _NAME.match(name):
        raise ValueError(f"artefact name {name!r}: use letters, digits, '_' and '-' only")
    return name


def _write_meta(pack_dir: Path, name: str, kind: str, meta: dict[str, Any]) -> None:
    folder = pack_dir / META
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.{kind}.json").write_text(json.dumps(meta, indent=1), encoding="utf-8")


#: What a page shows where a table has no figure (a CSV keeps the cell empty)
MISSING = "\u2013"


class Table:
    """A table as a reader sees it: plain headings (`cpmetrics.data_dictionary`), no 0, 1, 2...
    row numbers, a dash where there is no figure.

    `data` is the DataFrame itself (suppressed in a pack), with its machine column
    names, for anyone who wants to work with it.
    """

    def __init__(self, data: pd.DataFrame) -> None:
        self.data = data
        self.index = not isinstance(data.index, pd.RangeIndex)

    def _shown(self) -> pd.DataFrame:
        # `na_rep` covers NaN in float columns only, not pd.NA in nullable (Int64, string) or
        # mixed (suppressed) columns: dash those here
        out = self.data.copy()
        for c in out.columns:
            col = out[c]
            if not pd.api.types.is_float_dtype(col.dtype) and col.isna().any():
                out[c] = col.astype(object).where(col.notna(), MISSING)
        return plain(out)

    def _repr_html_(self) -> str:
        shown = self._shown()
        page = shown.to_html(index=self.index, na_rep=MISSING, index_names=False)
        return _header_cells(page, list(shown.index.names) if self.index else [])

    def __repr__(self) -> str:
        return self._shown().to_string(index=self.index, na_rep=MISSING)


def _header_cells(page: str, index_headings: list[str]) -> str:
    """pandas' HTML table with one header row and no empty header cell: the index's heading
    where pandas leaves the corner empty, and each header cell saying whether it heads a column
    or a row (`scope`), so a screen reader reads a cell with its headings."""
    head, sep, body = page.partition("</thead>")
    for name in index_headings:
        head = head.replace("<th></th>", f'<th scope="col">{html.escape(str(name))}</th>', 1)
    head = head.replace("<th>", '<th scope="col">')
    return head + sep + body.replace("<th>", '<th scope="row">')


def _not_available(na: NotAvailable, name: str, pack_dir: str | Path | None) -> Any:
    """A missing table or chart: its sentence the first time a page meets it, then nothing."""
    if pack_dir is not None:
        _write_meta(Path(pack_dir), name, "unavailable",
                    {"name": name, "what": na.what, "reason": na.reason, "text": na.sentence()})
    if na.shown:
        return None
    na.shown = True
    return na


def show_table(
    df: pd.DataFrame | NotAvailable,
    name: str,
    *,
    title: str,
    pack_dir: str | Path | None = None,
    threshold: int = DEFAULT_THRESHOLD,
    **columns: Any,
) -> Table | NotAvailable | None:
    """The table to display; in a pack, suppressed and also written as CSV with its title.

    Extra keyword arguments (``counts=``, ``derived=``, ``labels=``) tell
    `cpmetrics.disclosure.suppress_table` how to read columns its naming
    convention cannot. A `NotAvailable` is shown as its sentence (once a page).
    """
    _check_name(name)
    if isinstance(df, NotAvailable):
        return _not_available(df, name, pack_dir)
    if pack_dir is None:
        return Table(df)
    pack_dir = Path(pack_dir)
    safe = suppress_table(df, threshold, **columns)
    folder = pack_dir / "tables"
    folder.mkdir(parents=True, exist_ok=True)
    keep_index = not isinstance(safe.index, pd.RangeIndex)
    safe.to_csv(folder / f"{name}.csv", index=keep_index)
    _write_meta(pack_dir, name, "table", {"name": name, "title": title, "index": keep_index})
    return Table(safe)


def show_text(paragraphs: list[str] | NotAvailable, name: str, *, title: str,
              pack_dir: str | Path | None = None, threshold: int = DEFAULT_THRESHOLD) -> Any:
    """Paragraphs to read and paste into a report, shown as text, not as a table.

    In a pack they are disclosure-controlled like any table and written as
    CSV too (one paragraph a row), so the workbook and the index carry them.
    A `NotAvailable` is shown as its sentence (once a page), as `show_table` does.
    """
    from IPython.display import Markdown

    if isinstance(paragraphs, NotAvailable):
        return _not_available(paragraphs, name, pack_dir)

    table = show_table(pd.DataFrame({"paragraph": list(paragraphs)}), name, title=title,
                       pack_dir=pack_dir, threshold=threshold)
    return Markdown("\n\n".join(str(p) for p in table.data["paragraph"]))


DPI = 150


def render_png(fig: Any) -> bytes:
    """The figure as PNG bytes, drawn once.

    A figure with a layout engine (constrained or tight, as `cpmetrics.charts`
    makes them) is drawn once on an Agg canvas, laying itself out as it draws,
    and that canvas is encoded: `savefig` would draw it twice (a first pass
    only to lay it out), and `bbox_inches="tight"` is not needed as the figure
    already fits its canvas. Light PNG compression, because drawing and
    encoding charts is most of what a pack spends its time on.
    """
    buf = io.BytesIO()
    engine = fig.get_layout_engine() if hasattr(fig, "get_layout_engine") else None
    if engine is None:
        fig.savefig(buf, format="png", dpi=DPI, pil_kwargs={"compress_level": 3},
                    bbox_inches="tight")
        return buf.getvalue()
    import matplotlib.image

    old_canvas, old_dpi = fig.canvas, fig.dpi
    canvas = _canvas_class()(fig)
    try:
        fig.dpi = DPI
        canvas.draw()
        matplotlib.image.imsave(buf, canvas.buffer_rgba(), format="png", origin="upper",
                                dpi=DPI, pil_kwargs={"compress_level": 3})
    finally:
        fig.dpi = old_dpi
        fig.set_canvas(old_canvas)
    return buf.getvalue()


@functools.cache
def _canvas_class() -> type:
    """An Agg canvas drawing on a renderer shared by every figure of the same size and dpi.

    Matplotlib caches text measurements per renderer, and a new canvas makes a
    new renderer: every figure measured its tick labels, titles and legends
    afresh. A kernel that draws many charts of a few sizes (a pack's 22, the
    same again for each period) reuses the renderer and its measurements. The
    renderer is cleared before each figure is drawn, so the pixels are the same.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg, RendererAgg

    renderers: dict[tuple, Any] = {}

    class SharedRendererCanvas(FigureCanvasAgg):
        def get_renderer(self) -> Any:
            w, h = self.get_width_height(physical=True)
            key = (w, h, self.figure.dpi)
            renderer = renderers.get(key)
            if renderer is None:
                if len(renderers) >= 16:  # a few MB each: keep the most recent sizes
                    renderers.pop(next(iter(renderers)))
                renderer = renderers[key] = RendererAgg(w, h, self.figure.dpi)
            self.renderer = renderer
            return renderer

    return SharedRendererCanvas


class Chart:
    """A chart as an embedded PNG with alt text: renders in Jupyter, nbconvert HTML and nbval."""

    def __init__(self, png: bytes, alt: str) -> None:
        self.png = png
        self.alt = alt

    def _repr_html_(self) -> str:
        data = base64.b64encode(self.png).decode("ascii")
        alt = html.escape(self.alt, quote=True)
        return f'<img src="data:image/png;base64,{data}" alt="{alt}" style="max-width:100%">'

    def __repr__(self) -> str:
        return f"[chart: {self.alt}]"


def show_chart(fig: Any, name: str, *, alt: str, pack_dir: str | Path | None = None,
               threshold: int = DEFAULT_THRESHOLD) -> Chart | NotAvailable | None:
    """The figure as an embedded PNG `<img alt=...>`; in a pack, also its PNG and alt text.

    In a pack the alt text's `n of N` figures go through disclosure control as
    a last guard; the figure itself must already be drawn with `threshold`
    (each `cpmetrics.charts` function takes it). A pyplot figure is closed
    afterwards so the inline backend does not show it a second time (without
    alt text). A `NotAvailable` (passed through by a chart function) is shown
    as its sentence (once a page).
    """
    _check_name(name)
    if isinstance(fig, NotAvailable):
        return _not_available(fig, name, pack_dir)
    if not alt or not alt.strip():
        raise ValueError(f"chart {name!r}: alt text is required (what the chart shows)")
    if pack_dir is not None:
        alt = suppress_text(alt, threshold)
    png = render_png(fig)
    if getattr(fig.canvas, "manager", None) is not None:  # made with pyplot: let it go
        import matplotlib.pyplot as plt

        plt.close(fig)
    if pack_dir is not None:
        pack_dir = Path(pack_dir)
        folder = pack_dir / "charts"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{name}.png").write_bytes(png)
        (folder / f"{name}.txt").write_text(alt.strip() + "\n", encoding="utf-8")
        _write_meta(pack_dir, name, "chart", {"name": name, "alt": alt.strip()})
    return Chart(png, alt.strip())
