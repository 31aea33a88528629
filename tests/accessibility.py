"""axe-core in headless Chromium, for the accessibility test (test_accessibility.py).

What it needs, all installed by `.ci/run` on a fresh machine: Debian's
`chromium` and `chromium-driver`, `selenium` (requirements.txt) and npm's
`axe-core` (package.json, in node_modules/). `missing()` says which of them
is absent, so the test can skip on a machine without a browser, or fail
where CPMETRICS_REQUIRE_BROWSER=1 (as CI sets it).

One browser session checks every page it is given: starting Chromium is most
of the cost.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
#: WCAG 2.0, 2.1 and 2.2 at levels A and AA, and axe's best practices: what a council's
#: published committee papers must meet (the public sector accessibility regulations ask
#: for WCAG 2.2 AA), and what axe adds beyond it. (axe tags WCAG 2.2's new criteria
#: `wcag22aa` only: it has no rule for a new level A one.)
TAGS = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice")
#: Chromium as root on a machine whose only network is the package registries: no sandbox
#: (root), and nothing that phones home (every such attempt is refused, and slows it down)
CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                  "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
                  "--window-size=1280,1024")
REQUIRE = "CPMETRICS_REQUIRE_BROWSER"


def chromium() -> str | None:
    return os.environ.get("CPMETRICS_CHROMIUM") or shutil.which("chromium")


def chromedriver() -> str | None:
    return os.environ.get("CPMETRICS_CHROMEDRIVER") or shutil.which("chromedriver")


def missing() -> list[str]:
    """What this machine lacks to run axe in a browser (empty when it has everything)."""
    lacks = []
    if chromium() is None:
        lacks.append("chromium (apt-get install chromium)")
    if chromedriver() is None:
        lacks.append("chromedriver (apt-get install chromium-driver)")
    try:
        import selenium  # noqa: F401
    except ImportError:
        lacks.append("selenium (pip install -r requirements.txt)")
    if not AXE.is_file():
        lacks.append(f"axe-core ({AXE.relative_to(ROOT)}: npm ci)")
    return lacks


_RUN = """
const done = arguments[arguments.length - 1];
axe.run(document, {runOnly: {type: "tag", values: arguments[0]},
                   resultTypes: ["violations", "incomplete"]})
  .then(r => done({
    version: r.testEngine.version,
    ran: [...new Set([].concat(r.passes, r.violations, r.incomplete, r.inapplicable)
                        .map(x => x.id))],
    violations: r.violations.map(v => ({
      id: v.id, impact: v.impact, tags: v.tags, help: v.help,
      nodes: v.nodes.map(n => ({target: n.target.join(" "), html: n.html.slice(0, 200)}))})),
    incomplete: r.incomplete.map(v => ({id: v.id, nodes: v.nodes.length}))}))
  .catch(e => done({error: String(e)}));
"""


@contextmanager
def browser() -> Iterator[Any]:
    """A headless Chromium driven by chromedriver, with a fresh profile removed afterwards."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="cpmetrics-chromium-")
    opts = webdriver.ChromeOptions()
    opts.binary_location = chromium()
    for flag in (*CHROMIUM_FLAGS, f"--user-data-dir={profile}"):
        opts.add_argument(flag)
    driver = webdriver.Chrome(options=opts,
                              service=Service(executable_path=chromedriver(),
                                              log_output=os.devnull))
    try:
        driver.set_script_timeout(120)
        driver.set_page_load_timeout(120)
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def audit(pages: Iterable[Path], tags: Iterable[str] = TAGS) -> dict[str, dict]:
    """axe's findings for each page (by file name), all in one browser session."""
    axe = AXE.read_text(encoding="utf-8")
    found: dict[str, dict] = {}
    with browser() as driver:
        for page in pages:
            driver.get(page.resolve().as_uri())
            driver.execute_script(axe)
            result = driver.execute_async_script(_RUN, list(tags))
            if "error" in result:
                raise RuntimeError(f"axe on {page.name}: {result['error']}")
            found[page.name] = result
    return found


def by_rule(found: dict[str, dict]) -> dict[str, dict[str, int]]:
    """{rule: {page: elements failing it}}, for a report."""
    rules: dict[str, dict[str, int]] = {}
    for page, result in found.items():
        for v in result["violations"]:
            rules.setdefault(v["id"], {})[page] = len(v["nodes"])
    return rules
