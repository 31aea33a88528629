"""The one exception type for bad input: the file, the place in it and what is wrong."""

from __future__ import annotations

from pathlib import Path


class InputError(Exception):
    """Input that cannot be read at all; the command line prints it as one line, exit code 2."""

    def __init__(self, file: str | Path | None, place: str | None, problem: str) -> None:
        self.file = str(file) if file is not None else None
        self.place = place
        self.problem = problem
        super().__init__(self.line())

    def line(self) -> str:
        """`data/2018/cin.xml line 412: CPPstartDate '2018-02-31' is not a date`."""
        where = " ".join(p for p in (self.file, self.place) if p)
        return f"{where}: {self.problem}" if where else self.problem
