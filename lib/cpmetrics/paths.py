"""Where the project is: notebooks and packs resolve `data = "data/synthetic"` against it.

A notebook may be run from `notebooks/`, from the project root (papermill,
nbval) or from a pack's temporary folder; a relative data path always means
"relative to the project root", never to the current directory.
"""

from __future__ import annotations

import os
from pathlib import Path

#: the embedded default data set every committed notebook points at
DEFAULT_DATA = "data/synthetic"


def _is_root(p: Path) -> bool:
    return (p / "pyproject.toml").is_file() and (p / "lib" / "cpmetrics").is_dir()


def project_root(start: str | Path | None = None) -> Path:
    """The folder holding pyproject.toml and lib/cpmetrics.

    Looks at `CPMETRICS_ROOT` if set, then upwards from `start` (default: the
    current directory), then upwards from this file (an editable install).
    """
    env = os.environ.get("CPMETRICS_ROOT")
    if env and _is_root(Path(env)):
        return Path(env).resolve()
    here = Path(start or Path.cwd()).resolve()
    for p in (here, *here.parents, *Path(__file__).resolve().parents):
        if _is_root(p):
            return p
    raise FileNotFoundError(f"no cpmetrics project (pyproject.toml + lib/cpmetrics) above {here}")


def data_path(path: str | Path) -> Path:
    """An input path as given: absolute paths unchanged, relative ones against the project root."""
    p = Path(path).expanduser()
    return p if p.is_absolute() else project_root() / p
