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

from ..boundary import show
from ..problems import Problem
from ..rules import Context, rule

if TYPE_CHECKING:
    import numpy as np

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
_MOJIBAKE_CPS = frozenset(ord(c) for c in "ĂÃÂâ\ufffd")  # textfold.MOJIBAKE's characters
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
_FORMULA_START = frozenset("=+-@\t\r")


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


def _code_points(data: bytes) -> tuple[np.ndarray, np.ndarray]:
    """Byte offset and code point of every character that is a control or not ASCII (vectorised).

    ``data`` is valid UTF-8 (the reader refused it otherwise), so the lead bytes and
    their continuation bytes decode directly.
    """
    import numpy as np

    arr = np.frombuffer(data, dtype=np.uint8)
    ctrl = np.zeros(256, dtype=bool)
    ctrl[[*range(0x00, 0x09), *range(0x0B, 0x20), 0x7F]] = True
    ascii_pos = np.flatnonzero(ctrl[arr])
    lead = np.flatnonzero(arr >= 0xC0)
    last = len(arr) - 1
    b0 = arr[lead].astype(np.int64)
    b1, b2, b3 = (arr[np.minimum(lead + k, last)].astype(np.int64) & 0x3F for k in (1, 2, 3))
    cp = np.where(
        b0 < 0xE0,
        ((b0 & 0x1F) << 6) | b1,
        np.where(b0 < 0xF0, ((b0 & 0x0F) << 12) | (b1 << 6) | b2, ((b0 & 0x07) << 18) | (b1 << 12) | (b2 << 6) | b3),
    )
    pos = np.r_[ascii_pos, lead]
    cps = np.r_[arr[ascii_pos].astype(np.int64), cp]
    order = np.argsort(pos, kind="stable")
    return pos[order], cps[order]


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

    The characters are found in one vectorised pass over the file's bytes and located by
    the reader's structure scan; the edges of every cell are compared as whole columns.
    Python runs only over the cells found failing.
    """
    import numpy as np

    from ..reader import locate

    for _, table, schema in _tables(ctx):
        frame = table.frame
        assert frame is not None
        header = table.header
        found: dict[tuple[int, int], set[str]] = {}
        pos, cps = _code_points(table.data)
        if len(pos):
            kinds = {u: _rule_of(u) or ("" if _may_break_nfc(u) else None) for u in np.unique(cps).tolist()}
            wanted = [u for u, k in kinds.items() if k is not None]
            hit = np.isin(cps, wanted)
            rows, cols = locate(table.data, pos[hit])
            for r, c, u in zip(rows.tolist(), cols.tolist(), cps[hit].tolist(), strict=True):
                found.setdefault((r, c), set()).add(kinds[u] or "")
        text_fields = {f.name for f in schema.fields if f.type == "string"}
        for name in frame.columns:
            col = frame[name]
            first, end = col.str.slice(0, 1), col.str.slice(-1)
            edge = (first.isin(_SPACE) | end.isin(_SPACE)).to_numpy(dtype=bool)
            formula = first.isin(_FORMULA_START).to_numpy(dtype=bool) if name in text_fields else edge & False
            c = header.index(name)
            for i in np.flatnonzero(edge | formula).tolist():
                kinds_here = found.setdefault((i + 2, c), set())
                if edge[i]:
                    kinds_here.add("cell-edge-whitespace")
                if formula[i]:
                    kinds_here.add("cell-formula")
        messages = dict(_CHAR_RULES) | {"cell-edge-whitespace": _EDGE, "cell-formula": _FORMULA_TEXT}
        for (r, c), kinds_here in sorted(found.items()):
            if r < 2 or c >= len(header) or header[c] not in frame.columns:
                if kinds_here - {""}:
                    for code in sorted(kinds_here - {""}):
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
    """Rows are sorted by the primary key (as text, column by column)."""
    for _, table, schema in _tables(ctx):
        frame = table.frame
        assert frame is not None
        pk = [c for c in schema.primary_key if c in frame.columns]
        if not pk or len(pk) != len(schema.primary_key) or len(frame) < 2:
            continue
        key = frame[pk[0]]
        for c in pk[1:]:
            key = key + "\x00" + frame[c]
        values = key.to_numpy()
        bad = (values[1:] < values[:-1]).nonzero()[0]
        if not len(bad):
            continue
        i = int(bad[0]) + 1
        shown = f"{show(values[i])} comes after {show(values[i - 1])}".replace("\\x00", ", ")
        yield Problem(
            table.file,
            i + 2,
            pk[0],
            f"rows are not sorted by the primary key ({', '.join(pk)}): {shown}",
            LAYER,
            "rows-unsorted",
        )
