"""Whether bytes are UTF-8, and where they are not: the package's one decision.

Every part of the package that asks it (the CSV reader for each table, the provenance
layer for each archived file, ``build`` for the archived files and the archive's
``SHA256SUMS``) asks :func:`check`. Python's own decoder decides, so UTF-8 here is what
``bytes.decode("utf-8")`` accepts (no surrogates, no overlong forms, nothing above
U+10FFFF) and an error is located and worded as Python words it. The bytes are decoded a
block at a time, so no string of a whole file is made (a sequence cut by a block's end
is decoded with the next block); ASCII is known at memory speed. On mostly-ASCII CSV this
is as fast as a vectorised byte-table check, and faster on text with many accents.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass

#: bytes decoded at once (a string of at most this many characters exists at a time)
BLOCK = 1 << 17


@dataclass(frozen=True)
class Utf8:
    """What :func:`check` found."""

    #: the number of characters, when the bytes are UTF-8 (else None)
    characters: int | None
    #: Python's error for each sequence that is not UTF-8, in order, positions in the whole
    #: bytes (the first ``limit`` of them)
    errors: tuple[UnicodeDecodeError, ...]

    @property
    def ok(self) -> bool:
        return not self.errors


def check(data: bytes, limit: int = 1) -> Utf8:
    """Whether ``data`` is UTF-8, and if not, where (up to ``limit`` bad sequences).

    >>> check("façade".encode()).characters
    6
    >>> [(e.start, e.reason) for e in check(b"ab\\xffc\\xc3").errors]
    [(2, 'invalid start byte')]
    >>> str(check(b"ab\\xffc\\xc3", limit=5).errors[1])
    "'utf-8' codec can't decode byte 0xc3 in position 4: unexpected end of data"
    """
    if data.isascii():
        return Utf8(len(data), ())
    errors: list[UnicodeDecodeError] = []
    view = memoryview(data)
    pos, n, chars = 0, len(data), 0
    while pos < n and len(errors) < limit:
        try:
            text, used = codecs.utf_8_decode(view[pos : pos + BLOCK], "strict", pos + BLOCK >= n)
        except UnicodeDecodeError as exc:  # located in the whole bytes, as decoding them whole would say
            errors.append(UnicodeDecodeError("utf-8", data, pos + exc.start, pos + exc.end, exc.reason))
            pos += exc.end
            continue
        chars += len(text)
        pos += used
    return Utf8(None if errors else chars, tuple(errors))
