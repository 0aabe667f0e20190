"""A problem with an input, and where it is: one type for every importer and reader.

Rosters, frameworks, items (YAML, JSON, QTI) and response logs all report what is wrong
with a file as ``Problem`` values: the file (or document), and inside it either a line
and a field (CSV files) or a path (structured documents), the message, and whether it
is an error (nothing is imported) or a warning (read, and said). Plain values, no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Problem:
    file: str  # the file or document ("" when the reader does not know its name)
    message: str
    line: int | None = None  # 1 is a CSV file's header row
    field: str | None = None
    path: str | None = None  # where inside a structured document, e.g. "items[3].skills"
    severity: str = "error"  # error | warning

    def __str__(self) -> str:
        if self.path is not None:
            return f"{self.file}: {self.path}: {self.message}"
        if not self.file:
            return f"line {self.line}, field {self.field}: {self.message}"
        where = self.file + (f":{self.line}" if self.line is not None else "")
        return f"{where}: {self.field + ': ' if self.field else ''}{self.message}"

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"file": self.file, "line": self.line, "field": self.field, "message": self.message,
                               "severity": self.severity}
        if self.path is not None:
            out["path"] = self.path
        return out
