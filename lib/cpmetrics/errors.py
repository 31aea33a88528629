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


def raise_collected(errors: list[InputError], where: str | Path | None, of: int | None = None
                    ) -> None:
    """Raise the errors found across a folder's files, if any, as one.

    A folder with bad files fails whole, naming each, rather than half-loading:
    one bad file raises its own error; several raise one error naming them all.
    """
    if not errors:
        return
    if len(errors) == 1:
        raise errors[0]
    count = f"{len(errors)} of {of}" if of is not None else f"{len(errors)}"
    names = "; ".join(e.line() for e in errors)
    raise InputError(where, None, f"{count} files cannot be read: {names}")
