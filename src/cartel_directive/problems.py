"""Problems found by the checks, and how they are printed."""

from __future__ import annotations

from dataclasses import dataclass


def escape(text: str) -> str:
    r"""``text`` with every character a terminal would not print as itself escaped.

    C0 and C1 controls (ANSI escape sequences start with ESC), line separators, bidi
    and other format characters (Cf) and the surrogates that stand for undecodable
    bytes: so nothing echoed from the input can move the cursor, erase a line or
    reorder what is shown.

    >>> print(escape("ok \x1b[2Kvalid\u202e\udcff"))
    ok \x1b[2Kvalid\u202e\udcff
    """
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong, located as precisely as possible.

    ``row`` counts like a spreadsheet and Frictionless: the header is row 1, the
    first data row is row 2. ``row`` and ``column`` are ``None`` when the problem
    concerns a whole file or a whole column.
    """

    file: str
    row: int | None
    column: str | None
    message: str
    layer: str = ""
    #: a stable, kebab-case rule code (``evidence-mismatch``): what programs and tests match on
    code: str = ""

    def __str__(self) -> str:
        where = self.file
        if self.row is not None:
            where += f":{self.row}"
        if self.column is not None:
            where += f":{self.column}" if self.row is not None else f"::{self.column}"
        return escape(f"{where}: {self.message}")
