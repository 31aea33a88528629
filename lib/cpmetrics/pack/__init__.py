"""Period packs: run every notebook for a reporting period and publish what may leave the machine.

`python -m cpmetrics pack --period 2018-09` reads `params/2018-09.yaml`, runs
each notebook in `notebooks/` with papermill (its Python API) in parallel
worker processes, and writes `outputs/2018-09/`:

```
index.html              headline table, links, data source, reporting date, version, time made
<notebook>.html         one page per notebook, outputs only, self-contained (no other host)
notebooks/*.ipynb       the executed notebooks
charts/*.png, *.txt     every chart and its alt text
tables/*.csv            every table (disclosure-controlled)
tables.xlsx             the tables as an accessible workbook (cpmetrics.workbook)
metrics.json            `cpmetrics metrics` for the period, suppressed, plus "pack" (our own key)
quality.csv             data-quality summary, counts only
data_dictionary.csv     every CSV column's heading, meaning and unit (cpmetrics.data_dictionary)
```

Why it is shaped like this:

- **Atomic.** A pack is built in `outputs/.<period>.building-*` (beside the
  destination, so the final move is a rename) and moved into place only when
  every notebook succeeded and every check passed. Otherwise the previous pack
  stays as it was, the build is kept as `outputs/<period>.failed/` for
  debugging, and the command exits 1.
- **Fast.** Each worker process starts one kernel (the project's own Python,
  `sys.executable`) and reuses it for every notebook it runs, resetting the
  namespace in between, with the libraries already imported and each data
  set loaded once per kernel (`_install_load_cache`). `--all` shares one pool
  across all periods, so 18 packs cost far less than 18 single packs.
- **Within the data.** A reporting date outside the dates the data cover
  (`cpmetrics.coverage`) stops the command with one line naming both dates
  (exit 2) before any notebook runs; each data set is read for that once,
  and the pack reuses what was read.
- **Safe.** Every file is checked before publishing: no child id or date of
  birth from the input, no row-level column, no count below the threshold in
  a CSV or in metrics.json, no page fetching from another host.

The package, a module per responsibility (each imports only those above it):

- `kernel`: a worker's warm kernel, its warm-up and reset, and inside it the
  load and published-table caches fed from the shared folder;
- `pages`: a notebook's page and the methods page, offline (`offline`, `external_refs`);
- `engine`: `Task`, `NotebookResult`, `run_notebook` (papermill on the warm
  kernel) and `run_notebooks` (the pool of workers);
- `checks`: `Secrets`, `secrets_of`, `check_pack`, `check_file`;
- `index`: the front page and the published figures beside the headline;
- `ahead`: metrics.json, quality.csv and the secrets, worked out in the pack's
  process while the notebooks run (the read-ahead) and the coverage check;
- `publish`: `finish_pack`: the pack-level files, the checks, the atomic move;
- `build`: `build_packs`; `command`: `main`, `report` (`cpmetrics pack`).
"""


from __future__ import annotations

from cpmetrics.pack.ahead import check_coverage, pack_metrics
from cpmetrics.pack.build import build_packs
from cpmetrics.pack.checks import TEXT_SUFFIXES, Secrets, check_file, check_pack, secrets_of
from cpmetrics.pack.command import main, report
from cpmetrics.pack.engine import (
    CELL_TIMEOUT,
    NotebookResult,
    Task,
    find_notebooks,
    project_root,
    run_notebook,
    run_notebooks,
)
from cpmetrics.pack.index import PUBLISHED, index_page, published_beside
from cpmetrics.pack.kernel import SHARE_WAIT
from cpmetrics.pack.pages import (
    METHODS_PAGE,
    PAGE_SUFFIX,
    export_page,
    external_refs,
    methods_page,
    offline,
)
from cpmetrics.pack.publish import FAILED_SUFFIX, PackResult, finish_pack, write_workbook

__all__ = [
    "CELL_TIMEOUT",
    "FAILED_SUFFIX",
    "METHODS_PAGE",
    "NotebookResult",
    "PAGE_SUFFIX",
    "PUBLISHED",
    "PackResult",
    "SHARE_WAIT",
    "Secrets",
    "TEXT_SUFFIXES",
    "Task",
    "build_packs",
    "check_coverage",
    "check_file",
    "check_pack",
    "export_page",
    "external_refs",
    "find_notebooks",
    "finish_pack",
    "index_page",
    "main",
    "methods_page",
    "offline",
    "pack_metrics",
    "project_root",
    "published_beside",
    "report",
    "run_notebook",
    "run_notebooks",
    "secrets_of",
    "write_workbook",
]
