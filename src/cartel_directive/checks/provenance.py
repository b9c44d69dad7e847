"""Layer 3, provenance: the archive is the one the dataset cites, and every excerpt is in it."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .. import boundary
from ..errors import BoundaryError
from ..problems import Problem
from ..rules import Context, rule
from ..textfold import DAMAGE_PROFILES, FoldedText, fold_many, repair, repair_parts
from .crossfield import EVIDENCE_BLOCKS, _has, _rows, positions

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

LAYER = "provenance"
#: the package boundary's codes for a source_file it refuses to open (:func:`boundary.inside`)
PATH_CODES = (
    "path-type",
    "path-invalid",
    "path-url",
    "path-absolute",
    "path-parent",
    "path-outside",
    "path-missing",
    "path-not-file",
    "path-unreadable",
)


class Archive:
    """The archived source files, each read once (their bytes are kept; texts are decoded on demand)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._raw: dict[str, bytes] = {}

    def raw(self, name: str) -> bytes:
        """The archived file ``name``, read through the boundary (a regular file inside the archive)."""
        if name not in self._raw:
            self._raw[name] = boundary.read_file(
                self.folder, name, file="data/sources.csv", column="source_file", what="source archive"
            )
        return self._raw[name]

    def text(self, name: str) -> str:
        return self.raw(name).decode("utf-8")


def check(archive: Archive, frames: dict[str, pd.DataFrame], files: dict[str, str]) -> tuple[list[Problem], int]:
    """Check file identities and every evidence excerpt; return problems and excerpts checked."""
    import numpy as np

    out: list[Problem] = []
    sources = frames.get("sources")
    sfile = files.get("sources", "data/sources.csv")
    if sources is None or not _has(sources, "source_file", "sha256", "bytes", "encoding_damage", "content_end"):
        return [
            Problem(
                sfile,
                None,
                None,
                "cannot check provenance: sources.csv could not be read",
                LAYER,
                "provenance-unavailable",
            )
        ], 0
    profiles: dict[str, str | None] = {}
    for row, name, sha, size, damage, content_end in _rows(
        sources, "source_file", "sha256", "bytes", "encoding_damage", "content_end"
    ):
        if name is None:
            continue
        try:
            data = archive.raw(name)
        except BoundaryError as exc:  # missing, outside the archive, a folder or a pipe: never read
            out += [Problem(sfile, row, "source_file", p.message, LAYER, p.code) for p in exc.problems]
            continue
        if sha is not None and hashlib.sha256(data).hexdigest() != sha:
            out.append(
                Problem(
                    sfile,
                    row,
                    "sha256",
                    f"does not match the archived file {name} (SHA-256 {hashlib.sha256(data).hexdigest()}): the archive or the table was changed",
                    LAYER,
                    "archive-hash-mismatch",
                )
            )
        if size is not None and len(data) != int(size):
            out.append(
                Problem(
                    sfile,
                    row,
                    "bytes",
                    f"{size} does not match the archived file's size {len(data)}",
                    LAYER,
                    "archive-size-mismatch",
                )
            )
        try:
            text = archive.text(name)
        except UnicodeDecodeError as exc:
            out.append(
                Problem(
                    sfile, row, "source_file", f"archived file {name} is not UTF-8: {exc}", LAYER, "archive-not-utf8"
                )
            )
            continue
        if content_end is not None and int(content_end) > len(text):
            out.append(
                Problem(
                    sfile,
                    row,
                    "content_end",
                    f"{content_end} is past the end of {name} ({len(text)} characters)",
                    LAYER,
                    "content-end-past-file",
                )
            )
        if damage is not None and damage not in DAMAGE_PROFILES:
            continue
        profiles[name] = damage
    blocks = []
    for table, prefixes in EVIDENCE_BLOCKS.items():
        frame = frames.get(table)
        for prefix in prefixes:
            cols = (f"{prefix}source_file", f"{prefix}evidence", f"{prefix}evidence_start", f"{prefix}evidence_end")
            if frame is not None and _has(frame, *cols):
                blocks.append(_Block(table, frame, cols))
    matched = _matches(archive, blocks, profiles)
    folded: dict[str, FoldedText] = {}
    for block, (usable, ok) in zip(blocks, matched, strict=True):
        sf_col, ev_col, s_col, e_col = (block.frame[c] for c in block.cols)
        starts, ends = (c.to_numpy(dtype="int64", na_value=0) for c in (s_col, e_col))
        for i in np.flatnonzero(usable & ~ok).tolist():
            sf, ev, s, e = str(sf_col.iat[i]), str(ev_col.iat[i]), int(starts[i]), int(ends[i])
            if sf not in folded:
                folded[sf] = FoldedText.build(archive.text(sf), profiles[sf])
            out.append(
                Problem(
                    files[block.table],
                    int(block.frame.index[i]) + 2,
                    block.cols[1],
                    f"is not the archived text of {sf} at {s}-{e}{_locate(folded[sf], ev)}",
                    LAYER,
                    "evidence-mismatch",
                )
            )
    return out, sum(int(usable.sum()) for usable, _ in matched)


#: rows whose cut texts are built at once
_CHUNK = 200_000


@dataclass
class _Block:
    """One evidence block of a table: (source_file, evidence, evidence_start, evidence_end) columns."""

    table: str
    frame: pd.DataFrame
    cols: tuple[str, ...]


class _Compared:
    """An archived file as excerpts are compared with it: the UTF-8 bytes of its (repaired) text.

    ``at(chars)`` gives the byte offsets in :attr:`data` of raw character offsets, and
    which of them fall inside a damaged run (there the repaired text has no exact
    counterpart of the offset: repair works run by run, see
    :func:`~cartel_directive.textfold.repair_parts`).
    """

    def __init__(self, raw: bytes, profile: str | None) -> None:
        import numpy as np

        self.raw_at = self.fixed_at = None
        if profile:
            raw_parts, fixed_parts = repair_parts(raw.decode("utf-8"), profile)
            self.raw_at = np.cumsum([0, *map(len, raw_parts)])
            self.fixed_at = np.cumsum([0, *map(len, fixed_parts)])
            self.data = "".join(fixed_parts).encode("utf-8")
        else:
            self.data = raw
        if len(self.data) >= 2**31:
            raise ValueError("an archived file of 2 GiB or more")
        self.size = _characters(raw)
        self.bytes = np.frombuffer(self.data, dtype=np.uint8)  # a view: no copy
        self.owner = None  # for each continuation byte of data, the character it belongs to
        if not self.data.isascii():
            cont = np.flatnonzero((np.frombuffer(self.data, dtype=np.uint8) & 0xC0) == 0x80)
            self.owner = (cont - np.arange(1, len(cont) + 1)).astype(np.int32)

    def at(self, chars: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(byte offsets in :attr:`data` of raw character offsets ``chars`` in 0..size, which fall inside a damaged run)."""
        import numpy as np

        split = np.zeros(len(chars), dtype=bool)
        if self.raw_at is not None and self.fixed_at is not None:
            part = np.searchsorted(self.raw_at, chars, side="right") - 1
            run = part % 2 == 1  # odd parts are the non-ASCII runs
            split = run & (chars > self.raw_at[part])
            chars = np.where(run, self.fixed_at[part], self.fixed_at[part] + chars - self.raw_at[part])
        if self.owner is not None:
            chars = chars + np.searchsorted(self.owner, chars, side="left")
        return chars, split


def _characters(data: bytes) -> int:
    """How many characters UTF-8 ``data`` holds."""
    import numpy as np

    if data.isascii():
        return len(data)
    return len(data) - int(np.count_nonzero((np.frombuffer(data, dtype=np.uint8) & 0xC0) == 0x80))


def _python_slice(start: np.ndarray, end: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """The character range ``text[start:end]`` takes of a text of ``n`` characters (negative ends count from the end)."""
    import numpy as np

    a = np.clip(np.where(start < 0, start + n, start), 0, n)
    b = np.clip(np.where(end < 0, end + n, end), 0, n)
    return a, np.maximum(a, b)


def _matches(
    archive: Archive, blocks: list[_Block], profiles: dict[str, str | None]
) -> list[tuple[np.ndarray, np.ndarray]]:
    """For each block: (rows whose excerpt is checked, rows whose excerpt matches), boolean arrays.

    An excerpt matches when it equals the archived text at its offsets (Python slicing,
    ``end`` at most the text's length), both repaired and folded
    (:func:`~cartel_directive.textfold.matches`). In bulk: each archived file is read
    and, when damaged, repaired whole, once; an offset maps to the repaired text exactly
    unless it falls inside a damaged run (repair works run by run). Every excerpt is
    compared with its cut of the (repaired) text as UTF-8 bytes, through Arrow string
    views on the files' bytes: an excerpt equal to its cut matches (equal texts fold
    equally). The others, and those whose offsets split a damaged run, are repaired and
    folded with their archived text as the definition says, all together
    (:func:`fold_many`).
    """
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    names = list(profiles)
    usable, codes, starts, ends = [], [], [], []
    for block in blocks:
        sf_col, ev_col, s_col, e_col = (block.frame[c] for c in block.cols)
        code = positions(sf_col, names)
        given = (ev_col.notna() & s_col.notna() & e_col.notna()).to_numpy() & (code >= 0)
        usable.append(given)
        codes.append(np.where(given, code, -1))
        starts.append(s_col.to_numpy(dtype="int64", na_value=0))
        ends.append(e_col.to_numpy(dtype="int64", na_value=0))
    code, start, end = np.concatenate(codes), np.concatenate(starts), np.concatenate(ends)
    n = len(code)
    offset = np.zeros(n, dtype=np.int32)  # of the cut in its file's compared bytes
    length = np.zeros(n, dtype=np.int32)
    head = np.zeros((n, 12), dtype=np.uint8)  # its first 12 bytes: a string view's prefix or inline text
    recheck = np.zeros(n, dtype=bool)  # compared by the definition itself, not by their cut
    past = np.zeros(n, dtype=bool)  # end beyond the text: no match
    order = np.argsort(code, kind="stable")
    order = order[code[order] >= 0]
    files: list[_Compared] = []
    buffer = np.zeros(n, dtype=np.int32)
    for rows in np.split(order, np.flatnonzero(np.diff(code[order])) + 1):
        if not len(rows):
            continue
        name = names[code[rows[0]]]
        file = _Compared(archive.raw(name), profiles[name])
        past[rows] = end[rows] > file.size
        (a, split_a), (b, split_b) = (file.at(c) for c in _python_slice(start[rows], end[rows], file.size))
        recheck[rows] = split_a | split_b
        buffer[rows], offset[rows], length[rows] = len(files), a, b - a
        reach = a[:, None] + np.arange(12)
        cut = file.bytes[np.minimum(reach, max(len(file.bytes) - 1, 0))] if len(file.bytes) else np.zeros_like(reach)
        cut[reach >= b[:, None]] = 0
        head[rows] = cut
        files.append(file)
    views = np.zeros((n, 16), dtype=np.uint8)  # Arrow string views: length, then inline text or prefix, buffer, offset
    views[:, 0:4] = length.view(np.uint8).reshape(n, 4)
    views[:, 4:16] = head
    long = length > 12
    views[long, 8:12] = buffer[long].view(np.uint8).reshape(-1, 4)
    views[long, 12:16] = offset[long].view(np.uint8).reshape(-1, 4)
    data = [pa.py_buffer(f.data) for f in files]
    out = []
    lo = 0
    for block, given in zip(blocks, usable, strict=True):
        hi = lo + len(given)
        ev_col = block.frame[block.cols[1]]
        excerpts = pa.array(ev_col, from_pandas=True)  # zero-copy for Arrow-backed strings
        same = np.zeros(hi - lo, dtype=bool)
        for first in range(0, hi - lo, _CHUNK):  # the cut texts of a chunk of rows at a time: little memory
            last = min(first + _CHUNK, hi - lo)
            chunk = views[lo + first : lo + last]
            cuts = pa.Array.from_buffers(pa.string_view(), last - first, [None, pa.py_buffer(chunk), *data])
            equal = pc.equal(excerpts.slice(first, last - first), cuts.cast(pa.large_string())).fill_null(False)
            same[first:last] = np.asarray(equal.to_numpy(zero_copy_only=False), dtype=bool)
        same &= given & ~recheck[lo:hi] & ~past[lo:hi]
        rest = np.flatnonzero(given & ~same & ~past[lo:hi])
        if len(rest):
            taken = pa.Array.from_buffers(pa.string_view(), len(rest), [None, pa.py_buffer(views[lo + rest]), *data])
            slices = taken.to_pylist()
            for k in np.flatnonzero(recheck[lo:hi][rest]).tolist():
                i = rest[k]
                sf = names[code[lo + i]]
                slices[k] = repair(archive.text(sf)[start[lo + i] : end[lo + i]], profiles[sf])
            mine = ev_col.iloc[rest].astype(str).tolist()
            folded = zip(fold_many(slices), fold_many(mine), strict=True)
            same[rest] = np.fromiter((x == y for x, y in folded), dtype=bool, count=len(rest))
        out.append((given, same))
        lo = hi
    return out


def _locate(text: FoldedText, excerpt: str) -> str:
    hits = text.find_all(excerpt)
    if not hits:
        return "; it occurs nowhere in that file"
    spans = ", ".join(f"{a}-{b}" for a, b in hits[:3])
    return f"; it occurs at {spans}: run `cartel-directive build` to recompute the offsets"


@rule(
    "evidence-mismatch",
    LAYER,
    "provenance-unavailable",
    "archive-file-missing",
    "archive-hash-mismatch",
    "archive-size-mismatch",
    "archive-not-utf8",
    "content-end-past-file",
    *PATH_CODES,
)
def excerpts(ctx: Context) -> Iterator[Problem]:
    """The archived files are the ones sources.csv records, and every excerpt is their text."""
    if ctx.archive is not None:
        problems, ctx.excerpts_checked = check(ctx.archive, ctx.typed, ctx.files)
        yield from problems
