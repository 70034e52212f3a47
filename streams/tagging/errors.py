"""The one exception the tagging package raises for bad data or rules."""

from __future__ import annotations

from pathlib import Path


class TaggingDataError(ValueError):
    """A data file or routing rule is invalid: says which file, which line and why."""

    def __init__(self, file: str | Path, line: int, problem: str) -> None:
        self.file = str(file)
        self.line = line
        self.problem = problem
        super().__init__(f"{self.file}:{line}: {problem}")
