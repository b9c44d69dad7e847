"""The one canonical CSV writer of this package (reading: :mod:`.reader`; writing files: :mod:`.boundary`).

Canonical means: UTF-8 without BOM, LF line endings, a comma delimiter, fields
quoted only when needed (RFC 4180 minimal quoting), empty cell for missing. Writing
unchanged rows gives identical bytes.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

#: A cell is quoted when it holds one of these (RFC 4180 minimal quoting). ``\r`` is in
#: the list on purpose: Python 3.11's ``csv.writer`` with ``lineterminator="\n"`` leaves a
#: lone ``\r`` unquoted, and a reader then splits the row there, losing cells.
_NEEDS_QUOTES = re.compile('[,"\r\n]')


def _line(cells: Sequence[str]) -> str:
    if len(cells) == 1 and cells[0] == "":
        return '""'  # a lone empty cell, not a blank line
    return ",".join('"' + c.replace('"', '""') + '"' if _NEEDS_QUOTES.search(c) else c for c in cells)


def dumps(header: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    """Serialise a header and rows of strings in the canonical dialect."""
    return "".join(_line(r) + "\n" for r in (header, *rows))
