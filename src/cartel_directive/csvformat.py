"""The one canonical CSV writer of this package, and atomic writes (reading: :mod:`.reader`).

Canonical means: UTF-8 without BOM, LF line endings, a comma delimiter, fields
quoted only when needed (RFC 4180 minimal quoting), empty cell for missing. Writing
unchanged rows gives identical bytes.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path

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


def write_atomic(path: Path, data: str | bytes) -> bool:
    """Replace ``path`` with ``data`` atomically; return whether the content changed.

    The new content goes to a temporary file in the same folder, is flushed to disk,
    then renamed over the old file, so a run killed at any point leaves either the old
    or the new file whole, never a mix.
    """
    payload = data.encode("utf-8") if isinstance(data, str) else data
    try:
        if path.read_bytes() == payload:
            return False
    except FileNotFoundError:
        pass
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(payload)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return True
