"""Layer hygiene: the conventions that keep the files readable in any tool, and honest on screen.

The reader (:mod:`cartel_directive.reader`) reports the file's structure (encoding,
BOM, line endings, quotes, blank and ragged rows); the rules here read the parsed
cells: the header, control characters, invisible and bidirectional characters, text
not in Unicode NFC, edge whitespace, mojibake, spreadsheet formulas and the sort
order. Each rule tests a whole column at once (pandas string methods); Python only
words the rows found failing.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from typing import TYPE_CHECKING

from .. import arrowtext
from ..boundary import show
from ..problems import Problem
from ..rules import Context, rule
from ..textfold import MOJIBAKE_CHARS

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from ..reader import CsvTable
    from ..tableschema import TableSchema

LAYER = "hygiene"


def _tables(ctx: Context) -> Iterator[tuple[str, CsvTable, TableSchema]]:
    for name, table in ctx.strings.items():
        if name in ctx.schemas and table.frame is not None:
            yield name, table, ctx.schemas[name]


@rule("header-missing-column", LAYER, "header-extra-column", "header-order", "header-repeated-column")
def header(ctx: Context) -> Iterator[Problem]:
    """The header lists the schema's fields, in the schema's order, each once."""
    for _, table, schema in _tables(ctx):
        expected, got = schema.field_names, table.header
        if got == expected:
            continue
        found = False
        for name in expected:
            if name not in got:
                found = True
                yield Problem(
                    table.file,
                    1,
                    name,
                    "column is missing from the header (the schema requires it)",
                    LAYER,
                    "header-missing-column",
                )
        for name in got:
            if name not in expected:
                found = True
                yield Problem(
                    table.file,
                    1,
                    name,
                    "column is not in the schema; remove it or add it to the schema",
                    LAYER,
                    "header-extra-column",
                )
        seen = [n for n in got if n in expected]
        if not found and seen != expected:
            for i, (g, e) in enumerate(zip(got, expected, strict=False)):
                if g != e:
                    yield Problem(
                        table.file,
                        1,
                        g,
                        f"header position {i + 1} should be {e!r}: columns must follow the schema's order",
                        LAYER,
                        "header-order",
                    )
                    break
        for n in sorted({n for n in got if got.count(n) > 1}):
            yield Problem(table.file, 1, n, "column appears twice in the header", LAYER, "header-repeated-column")


#: Code points flagged wherever they stand in a cell, by rule (the invisible set is Unicode category Cf).
_CONTROL_CPS = frozenset([*range(0x00, 0x09), *range(0x0B, 0x20), *range(0x7F, 0xA0), 0x2028, 0x2029])
_BIDI_CPS = frozenset([0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A)])
_MOJIBAKE_CPS = frozenset(ord(c) for c in MOJIBAKE_CHARS)
_CHAR_RULES = (
    ("cell-control-character", "contains a control character"),
    ("cell-bidi-control", "contains a bidirectional control character, which reorders what a reader sees"),
    ("cell-invisible-character", "contains an invisible format character (zero-width space, joiner, soft hyphen...)"),
    (
        "cell-mojibake",
        "contains mojibake (a leftover of a wrong decoding, such as 'â' or 'Ă'); write the repaired characters",
    ),
)
_NOT_NFC = "is not in Unicode NFC (compose the accents: the same text must have one form)"
_EDGE = "has leading or trailing whitespace"
_FORMULA_TEXT = "starts with '=', '+', '-', '@' or a tab, which a spreadsheet would run as a formula; reword the cell"
#: Python's ``\s``: what counts as whitespace at a cell's edge.
_SPACE = frozenset(c for c in map(chr, range(0x3001)) if c.isspace())
_FORMULA_CPS = [ord(c) for c in "=+-@\t\r"]


def _rule_of(cp: int) -> str | None:
    if cp in _CONTROL_CPS:
        return "cell-control-character"
    if cp in _BIDI_CPS:
        return "cell-bidi-control"
    if cp in _MOJIBAKE_CPS:
        return "cell-mojibake"
    if cp >= 0x80 and unicodedata.category(chr(cp)) == "Cf":
        return "cell-invisible-character"
    return None


def _may_break_nfc(cp: int) -> bool:
    """Whether a text holding this character may be other than NFC (a superset of Unicode's NFC_QC No and Maybe).

    NFC_QC=No characters are not NFC by themselves; the Maybe ones (and any reordering)
    are combining marks (Mn, Mc, or a non-zero combining class) or Hangul jamo. A text
    with none of these is NFC, so only the cells holding one are normalised to decide.
    """
    ch = chr(cp)
    return (
        not unicodedata.is_normalized("NFC", ch)
        or unicodedata.combining(ch) != 0
        or unicodedata.category(ch) in ("Mn", "Mc")
        or 0x1100 <= cp <= 0x11FF
    )


#: bytes per block of a pass over a column's text: stays in the CPU cache
_BLOCK = 1 << 20
#: Python's ``\s`` at a cell's edge, as code points
_SPACE_CPS = sorted(ord(c) for c in _SPACE)


def _utf8_columns(frame: pd.DataFrame) -> Iterator[tuple[str, list[tuple[int, np.ndarray, np.ndarray]]]]:
    """Each column's text as UTF-8, without a copy where pandas keeps it in Arrow:
    (name, [(first row, value offsets, bytes) per Arrow chunk])."""
    import numpy as np

    for name in frame.columns:
        out, row = [], 0
        for chunk in arrowtext.chunks(frame[name]):
            assert chunk.null_count == 0, "the reader gives every cell as text"
            out.append((row, arrowtext.offsets(chunk).astype(np.int64, copy=False), arrowtext.data(chunk)))
            row += len(chunk)
        yield name, out


def _code_points(data: np.ndarray, pos: np.ndarray) -> np.ndarray:
    """The code point of the character starting at each byte position (``data`` is well-formed UTF-8)."""
    import numpy as np

    last = len(data) - 1
    b0 = data[pos].astype(np.int64)
    b1, b2, b3 = (data[np.minimum(pos + k, last)].astype(np.int64) & 0x3F for k in (1, 2, 3))
    return np.where(
        b0 < 0x80,
        b0,
        np.where(
            b0 < 0xE0,
            ((b0 & 0x1F) << 6) | b1,
            np.where(
                b0 < 0xF0, ((b0 & 0x0F) << 12) | (b1 << 6) | b2, ((b0 & 0x07) << 18) | (b1 << 12) | (b2 << 6) | b3
            ),
        ),
    )


def _unusual(data: np.ndarray) -> np.ndarray:
    """Positions of the characters that are neither printable ASCII, tab nor line feed:
    controls, DEL and the first byte of every character beyond ASCII (one pass, by blocks)."""
    import numpy as np

    found = []
    shifted = np.empty(min(len(data), _BLOCK), dtype=np.uint8)
    hit = np.empty(len(shifted), dtype=bool)
    delete = np.empty(len(shifted), dtype=bool)
    for at in range(0, len(data), _BLOCK):
        block = data[at : at + _BLOCK]
        n = len(block)
        # + 0x40 (mod 256) puts the first bytes 0xC0-0xFF at 0x00-0x3F and the controls at 0x40-0x5F
        np.add(block, 0x40, out=shifted[:n])
        np.less(shifted[:n], 0x60, out=hit[:n])
        hit[:n] |= np.equal(block, 0x7F, out=delete[:n])
        if hit[:n].any():
            pos = np.flatnonzero(hit[:n]) + at
            found.append(pos[(data[pos] != 0x09) & (data[pos] != 0x0A)])
    return np.concatenate(found) if found else np.zeros(0, dtype=np.int64)


def _edges(data: np.ndarray, offsets: np.ndarray, formulas: bool) -> tuple[np.ndarray, np.ndarray]:
    """Per value: whether its first or last character is whitespace, and (``formulas``)
    whether it starts as a spreadsheet formula would. Only the values that begin or end
    beyond ASCII have those characters decoded."""
    import numpy as np

    starts, ends = offsets[:-1], offsets[1:]
    filled = ends > starts
    if not len(data):
        return filled, filled
    space, formula_start = np.zeros(256, dtype=bool), np.zeros(256, dtype=bool)
    space[[u for u in _SPACE_CPS if u < 0x80]] = True
    formula_start[_FORMULA_CPS] = True
    first = data.take(starts, mode="clip")  # an empty value's byte is not looked at
    last = data.take(ends - 1, mode="clip")
    edge = filled & (space[first] | space[last])
    wide = np.flatnonzero(first >= 0x80)
    wide = wide[filled[wide]]
    if len(wide):
        edge[wide] |= _is_space(_code_points(data, starts[wide]))
    wide = np.flatnonzero(last >= 0x80)
    wide = wide[filled[wide]]
    if len(wide):  # ends in a continuation byte: step back to its character's first byte
        at = ends[wide] - 1
        for _ in range(3):
            at = at - ((data[at] & 0xC0) == 0x80)
        edge[wide] |= _is_space(_code_points(data, at))
    formula = filled & formula_start[first] if formulas else filled & False
    return edge, formula


def _is_space(cps: np.ndarray) -> np.ndarray:
    import numpy as np

    return np.isin(cps, _SPACE_CPS)


@rule(
    "cell-control-character",
    LAYER,
    "cell-bidi-control",
    "cell-invisible-character",
    "cell-not-nfc",
    "cell-edge-whitespace",
    "cell-mojibake",
    "cell-formula",
)
def cells(ctx: Context) -> Iterator[Problem]:
    """Every cell: no control, bidi or invisible characters, NFC, no edge whitespace, no mojibake, no formula.

    Each column's text is read once as UTF-8 bytes (Arrow's buffers, no copy): the
    characters other than printable ASCII are found in one pass over the bytes and decoded
    there, each distinct one is classified once, and the first and last characters of every
    cell are compared as whole arrays. Python runs only over the cells found failing.
    """
    import numpy as np

    for _, table, schema in _tables(ctx):
        frame = table.frame
        assert frame is not None
        header = table.header
        found: dict[tuple[int, int], set[str]] = {}
        for c, name in enumerate(header):
            in_name = {k for k in map(_rule_of, map(ord, name)) if k}
            if in_name:
                found[(1, c)] = in_name
        text_fields = {f.name for f in schema.fields if f.type == "string"}
        for name, chunks in _utf8_columns(frame):
            c = header.index(name)
            for row0, offsets, data in chunks:
                lo, hi = int(offsets[0]), int(offsets[-1])
                pos = _unusual(data[lo:hi]) + lo
                if len(pos):
                    cps = _code_points(data, pos)
                    seen = np.flatnonzero(np.bincount(cps)).tolist()  # each distinct character, classified once
                    kinds = {
                        u: k for u in seen if (k := _rule_of(u) or ("" if _may_break_nfc(u) else None)) is not None
                    }
                    if kinds:
                        hit = np.isin(cps, list(kinds))
                        rows = offsets.searchsorted(pos[hit], side="right") - 1 + row0
                        for r, u in zip(rows.tolist(), cps[hit].tolist(), strict=True):
                            found.setdefault((r + 2, c), set()).add(kinds[u])
                edge, formula = _edges(data, offsets, name in text_fields)
                for i in np.flatnonzero(edge | formula).tolist():
                    kinds_here = found.setdefault((i + row0 + 2, c), set())
                    if edge[i]:
                        kinds_here.add("cell-edge-whitespace")
                    if formula[i]:
                        kinds_here.add("cell-formula")
        messages = dict(_CHAR_RULES) | {"cell-edge-whitespace": _EDGE, "cell-formula": _FORMULA_TEXT}
        for (r, c), kinds_here in sorted(found.items()):
            if r == 1:
                for code in sorted(kinds_here):
                    yield Problem(table.file, r, None, f"{messages[code]} (in the header)", LAYER, code)
                continue
            name = header[c]
            value = str(frame[name].iat[r - 2])
            if "" in kinds_here and not unicodedata.is_normalized("NFC", value):
                kinds_here.add("cell-not-nfc")
            for code in sorted(kinds_here - {""}):
                text = messages.get(code, _NOT_NFC)
                yield Problem(table.file, r, name, f"{text}: {show(value, 60)}", LAYER, code)


@rule("rows-unsorted", LAYER)
def sorted_rows(ctx: Context) -> Iterator[Problem]:
    """Rows are sorted by the primary key (as text, column by column: code point order)."""
    import numpy as np

    for _, table, schema in _tables(ctx):
        frame = table.frame
        assert frame is not None
        pk = [c for c in schema.primary_key if c in frame.columns]
        if not pk or len(pk) != len(schema.primary_key) or len(frame) < 2:
            continue
        before = np.zeros(len(frame) - 1, dtype=bool)  # row i + 1 sorts before row i
        for c in reversed(pk):  # the first column decides; on a tie, the next one
            prev, cur = frame[c].array[:-1], frame[c].array[1:]
            before = np.asarray(cur < prev, dtype=bool) | (np.asarray(cur == prev, dtype=bool) & before)
        bad = np.flatnonzero(before)
        if not len(bad):
            continue
        i = int(bad[0]) + 1
        key = ["\x00".join(str(frame[c].iat[j]) for c in pk) for j in (i, i - 1)]
        shown = f"{show(key[0])} comes after {show(key[1])}".replace("\\x00", ", ")
        yield Problem(
            table.file,
            i + 2,
            pk[0],
            f"rows are not sorted by the primary key ({', '.join(pk)}): {shown}",
            LAYER,
            "rows-unsorted",
        )
