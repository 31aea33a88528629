"""A pack's pages: each executed notebook as a self-contained HTML page, and the methods page.

Pages show outputs only (no code, no stderr) and fetch nothing from another host
(`offline`); `external_refs` finds what still would, for the checks. The HTML
exporter is built once per process, its templates compiled once.
"""

from __future__ import annotations

import functools
import html
import re
from pathlib import Path
from typing import Any

from cpmetrics.pack.kernel import _fingerprint

PAGE_SUFFIX = ".html"

_SCRIPT = re.compile(r"<script\b[^>]*>.*?</script\s*>", re.I | re.S)
_EXTERNAL_LINK = re.compile(r"<link\b[^>]*\bhref\s*=\s*[\"']?(?:https?:)?//[^>]*>", re.I)
_EXTERNAL_ANCHOR = re.compile(
    r"<a\b[^>]*\bhref\s*=\s*[\"']((?:https?:)?//[^\"']+)[\"'][^>]*>(.*?)</a>", re.I | re.S
)
_EXTERNAL_ATTR = re.compile(r"\b(src|href)\s*=\s*[\"']?(?:https?:)?//", re.I)
_CSS_IMPORT = re.compile(r"@import\s+url\([\"']?(?:https?:)?//[^)]*\)\s*;?", re.I)
_CSS_URL = re.compile(r"url\(\s*[\"']?(?:https?:)?//", re.I)


def offline(page: str) -> str:
    """Strip everything that could fetch from another host: every script (require.js, MathJax,
    the mermaid loader: the pages need none), external stylesheets and CSS imports.

    Links to other sites keep their text and show the address as text, so a
    reader can still see where a figure comes from without the page reaching out.
    """
    page = _SCRIPT.sub("", page)
    page = _EXTERNAL_LINK.sub("", page)
    page = _CSS_IMPORT.sub("", page)

    def anchor(m: re.Match[str]) -> str:
        text, url = m.group(2), m.group(1)
        shown = html.escape(url)
        return text if shown in text else f"{text} ({shown})"

    return _EXTERNAL_ANCHOR.sub(anchor, page)


def external_refs(page: str) -> list[str]:
    """Every src=, href=, CSS url() pointing at another host, and any script (should be none)."""
    found = [*_EXTERNAL_ATTR.finditer(page), *_CSS_URL.finditer(page),
             *re.finditer(r"<script\b", page, re.I)]
    return [page[max(0, m.start() - 20): m.end() + 40] for m in found]


@functools.cache
def _exporter() -> Any:
    """One HTML exporter per process: its templates are compiled once, not once per page."""
    from nbconvert import HTMLExporter
    from nbconvert.exporters.templateexporter import TemplateExporter
    from nbconvert.filters.highlight import Highlight2HTML
    from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter

    class PageExporter(HTMLExporter):
        """nbconvert's lab HTML, less two passes a pack's pages do not need.

        nbconvert re-parses every page with BeautifulSoup to give images
        without alt text a placeholder (every chart here has its own alt text,
        and `check_pack` refuses a page with an image without one) and to
        make cells and outputs focusable, done here by `_FOCUSABLE`; and it validates
        the whole notebook after each of its preprocessors, which change
        nothing here. Together they were most of the time a page took.
        """

        def _validate_preprocessor(self, nbc: Any, preprocessor: Any) -> None:
            return None

        def from_notebook_node(self, nb: Any, resources: Any = None, **kw: Any) -> Any:
            lang = nb.metadata.get("language_info", {})
            lexer = lang.get("pygments_lexer", lang.get("name", None))
            self.register_filter("highlight_code", self.filters.get(
                "highlight_code", Highlight2HTML(pygments_lexer=lexer, parent=self)))
            resources = self._init_resources(resources)
            self.register_filter("filter_data_type", WidgetsDataTypeFilter(
                notebook_metadata=self._nb_metadata, parent=self, resources=resources))
            page, resources = TemplateExporter.from_notebook_node(self, nb, resources, **kw)
            return _FOCUSABLE.sub(r'\1 tabindex="0"', page), resources

    return PageExporter(
        template_name="lab",
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        embed_images=True,
    )


#: The output areas a keyboard user can move to, as nbconvert marks them
_FOCUSABLE = re.compile(
    r'(<div\b[^>]*\bclass="[^"]*\b(?:jp-OutputArea-output|jp-Cell-inputWrapper)\b[^"]*")'
)


def export_page(nb: Any, title: str) -> str:
    """A notebook as a self-contained HTML page: markdown and outputs, no code, no stderr."""
    import nbformat

    # a new notebook holding the same outputs less stderr (the exporter copies what it changes)
    cells = []
    for cell in nb.cells:
        cell = nbformat.NotebookNode(cell)
        if cell.cell_type == "code":
            cell.outputs = [
                o for o in cell.get("outputs", [])
                if not (o.get("output_type") == "stream" and o.get("name") == "stderr")
            ]
        cells.append(cell)
    nb = nbformat.NotebookNode({**nb, "cells": cells})
    exporter = _exporter()
    body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": title}})
    # a landmark of its own: content outside every landmark is lost to a screen reader's
    # landmark navigation (axe's `region` rule)
    back = ('<nav class="pack-nav" aria-label="Pack" style="font-family: '
            'var(--jp-ui-font-family, sans-serif); font-size: 14px; margin: 12px 20px 0">'
            '<a href="index.html">Back to the pack contents</a></nav>')
    body = re.sub(r"(<body[^>]*>)", lambda m: m.group(1) + back, body, count=1)
    return offline(body)


_CSS = """
body{font-family:Arial,Helvetica,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;
color:#0b0c0c;line-height:1.5}
h1{font-size:2rem;margin-bottom:.25rem}table{border-collapse:collapse;margin:1rem 0}
th,td{border-bottom:1px solid #b1b4b6;padding:.4rem .8rem;text-align:left;vertical-align:top}
td.num{text-align:right;font-variant-numeric:tabular-nums}a{color:#1d70b8}
.meta{color:#505a5f}caption{text-align:left;font-weight:bold;padding:.5rem 0}
"""



METHODS_PAGE = "methods.html"


def methods_page(root: Path) -> str:
    """docs/methods.md as a page of the pack, so a reader of the pack can see how every figure
    was worked out without the project (mistune: the Markdown renderer nbconvert uses).

    Rendered once per process while the file is unchanged (`pack --all` writes it 18 times).
    """
    return _methods_page(_fingerprint(root / "docs" / "methods.md"))


@functools.lru_cache(maxsize=2)
def _methods_page(fingerprint: tuple) -> str:
    import mistune

    text = Path(fingerprint[0]).read_text(encoding="utf-8")
    body = mistune.create_markdown(plugins=["table"])(text)
    title = re.search(r"^#\s+(.+)$", text, re.M)
    e = html.escape
    return offline(f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{e(title.group(1) if title else "Methods")}</title><style>{_CSS}</style></head>
<body><nav aria-label="Pack"><p><a href="index.html">Back to the pack contents</a></p></nav>
<main>
{body}
</main></body></html>
""")
