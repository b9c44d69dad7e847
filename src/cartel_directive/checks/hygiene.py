"""Layer 4, CSV hygiene: the conventions that keep the files readable in any tool."""

from __future__ import annotations

import re
from collections.abc import Iterator

from ..problems import Problem
from ..reader import LAYER, CsvTable
from ..tableschema import TableSchema
from ..textfold import MOJIBAKE

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]")
_EDGE_SPACE = re.compile(r"^\s|\s$", re.DOTALL)
_FORMULA = re.compile(r"^[=+\-@\t\r]")


def check_header(table: CsvTable, schema: TableSchema) -> list[Problem]:
    """The header must list the schema's fields, in the schema's order."""
    if not table.parsed or table.header == schema.field_names:
        return []
    expected, got = schema.field_names, table.header
    out = []
    for name in expected:
        if name not in got:
            out.append(
                Problem(table.file, 1, name, "column is missing from the header (the schema requires it)", LAYER)
            )
    for name in got:
        if name not in expected:
            out.append(
                Problem(table.file, 1, name, "column is not in the schema; remove it or add it to the schema", LAYER)
            )
    seen = [n for n in got if n in expected]
    if not out and seen != expected:
        for i, (g, e) in enumerate(zip(got, expected, strict=False)):
            if g != e:
                out.append(
                    Problem(
                        table.file,
                        1,
                        g,
                        f"header position {i + 1} should be {e!r}: columns must follow the schema's order",
                        LAYER,
                    )
                )
                break
    dupes = {n for n in got if got.count(n) > 1}
    out += [Problem(table.file, 1, n, "column appears twice in the header", LAYER) for n in sorted(dupes)]
    return out


#: UTF-8 bytes whose absence from a file proves that no cell matches _CONTROL / MOJIBAKE.
_CONTROL_BYTES = bytes([*range(0x00, 0x09), *range(0x0B, 0x20), 0x7F])
_NOT_CONTROL = bytes(b for b in range(256) if b not in _CONTROL_BYTES)
_CONTROL_MULTI = ("\u2028".encode(), "\u2029".encode(), b"\xc2")  # U+2028/9; C1 controls start with C2
_MOJIBAKE_BYTES = tuple(c.encode() for c in "ĂÃÂâ\ufffd")


def _may_match(table: CsvTable, pattern: object) -> bool:
    """False only if no cell of the table can match ``pattern`` (decided from the file's bytes)."""
    raw = table.data or None
    if raw is None:
        return True
    if pattern is _CONTROL:
        return bool(raw.translate(None, _NOT_CONTROL)) or _has_sequence(raw, _CONTROL_MULTI)
    if pattern is MOJIBAKE:
        return _has_sequence(raw, _MOJIBAKE_BYTES)
    return True


def _has_sequence(raw: bytes, needles: tuple[bytes, ...]) -> bool:
    """``any(n in raw for n in needles)`` for needles that start with a UTF-8 lead byte (>= 0xC2).

    ``raw`` is valid UTF-8 (it decoded), so such a byte only ever starts a character:
    the needles are looked for at the (few) non-ASCII lead bytes only, vectorised.
    """
    import numpy as np

    if raw.isascii():
        return False
    key = _lead_keys(raw)
    for size in (1, 2, 3):
        wanted = [int.from_bytes(n, "big") for n in needles if len(n) == size]
        if wanted and np.isin(key >> (8 * (3 - size)), wanted).any():
            return True
    if any(len(n) > 3 for n in needles):  # pragma: no cover - no such needle today
        return any(n in raw for n in needles)
    return False


_KEYS: list = [None, None]  # [bytes, keys]: the last file's keys (the checks ask twice per file)


def _lead_keys(raw: bytes):
    """Each non-ASCII lead byte of ``raw`` with the two bytes after it, as one number."""
    import numpy as np

    if _KEYS[0] is raw:
        return _KEYS[1]
    arr = np.frombuffer(raw, dtype=np.uint8)
    lead = np.flatnonzero(arr >= 0xC2)
    last = len(arr) - 1
    # indices clipped at the end: a valid file has no lead byte there, so a clipped
    # index never completes a needle
    key = arr[lead].astype(np.uint32) << 16
    key |= arr[np.minimum(lead + 1, last)].astype(np.uint32) << 8
    key |= arr[np.minimum(lead + 2, last)]
    _KEYS[:] = [raw, key]
    return key


def _edge_candidates(col, pattern: object):
    """For _EDGE_SPACE and _FORMULA, which depend only on a cell's first or last character:
    whether any cell can match, decided on the distinct first and last characters."""
    import pandas as pd

    ends = [col.str.slice(0, 1)] + ([col.str.slice(-1)] if pattern is _EDGE_SPACE else [])
    chars = set()
    for e in ends:
        chars.update(pd.unique(e.dropna()))
    return any(pattern.search(c) for c in chars)  # type: ignore[attr-defined]


def _cells(table: CsvTable, schema: TableSchema) -> Iterator[Problem]:
    text_fields = {f.name for f in schema.fields if f.type == "string"}
    frame = table.frame
    possible = {p: _may_match(table, p) for p in (_CONTROL, MOJIBAKE)}
    for name in table.header:
        if name not in frame.columns:
            continue
        col = frame[name]
        rules = [
            (_CONTROL, "contains a control character"),
            (_EDGE_SPACE, "has leading or trailing whitespace"),
            (
                MOJIBAKE,
                "contains mojibake (a leftover of a wrong decoding, such as 'â' or 'Ă'); write the repaired characters",
            ),
        ]
        if name in text_fields:
            rules.append(
                (
                    _FORMULA,
                    "starts with '=', '+', '-', '@' or a tab, which a spreadsheet would run as a formula; reword the cell",
                )
            )
        for pattern, message in rules:
            if not possible.get(pattern, True):
                continue
            if pattern in (_EDGE_SPACE, _FORMULA) and not _edge_candidates(col, pattern):
                continue
            bad = col.str.contains(pattern, regex=True)
            for i in bad[bad].index:
                yield Problem(table.file, int(i) + 2, name, f"{message}: {_show(col.iat[i])}", LAYER)


def _show(value: str, limit: int = 60) -> str:
    text = value if len(value) <= limit else value[: limit - 1] + "…"
    return repr(text)


def check_sorted(table: CsvTable, schema: TableSchema) -> list[Problem]:
    """Rows must be sorted by the primary key (as text, column by column)."""
    pk = [c for c in schema.primary_key if c in table.frame.columns]
    if not pk or len(pk) != len(schema.primary_key) or len(table.frame) < 2:
        return []
    key = table.frame[pk[0]]
    for c in pk[1:]:
        key = key + "\x00" + table.frame[c]
    values = key.to_numpy()
    bad = (values[1:] < values[:-1]).nonzero()[0]
    if not len(bad):
        return []
    i = int(bad[0]) + 1
    return [
        Problem(
            table.file,
            i + 2,
            pk[0],
            f"rows are not sorted by the primary key ({', '.join(pk)}): {values[i]!r} comes after {values[i - 1]!r}".replace(
                "\\x00", ", "
            ),
            LAYER,
        )
    ]


def check(table: CsvTable, schema: TableSchema) -> list[Problem]:
    """All hygiene checks for one parsed table."""
    if not table.parsed:
        return []
    try:
        return check_header(table, schema) + list(_cells(table, schema)) + check_sorted(table, schema)
    finally:
        _KEYS[:] = [None, None]  # do not keep the file's bytes alive
