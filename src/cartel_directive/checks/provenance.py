"""Layer 3, provenance: the archive is the one the dataset cites, and every excerpt is in it."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .. import arrowtext, boundary, utf8
from ..errors import BoundaryError
from ..problems import Problem
from ..rules import Context, rule
from ..textfold import DAMAGE_PROFILES, FoldedText, fold_many, repair, repair_runs
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
    """The archived source files, read through the package boundary (the check reads each once)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def raw(self, name: str) -> bytes:
        """The archived file ``name``, read through the boundary (a regular file inside the archive)."""
        return boundary.read_file(
            self.folder, name, file="data/sources.csv", column="source_file", what="source archive"
        )


def check(archive: Archive, frames: dict[str, pd.DataFrame], files: dict[str, str]) -> tuple[list[Problem], int]:
    """Check file identities and every evidence excerpt; return problems and excerpts checked.

    The archived files are read one at a time, in the order sources.csv first names
    them, and compared with the excerpts that cite them in batches (:func:`_matches`):
    the whole archive is never in memory at once.
    """
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
    claims: dict[str, list[tuple]] = {}  # archived file -> the sources.csv rows that describe it
    for row, name, *claim in _rows(sources, "source_file", "sha256", "bytes", "encoding_damage", "content_end"):
        if name is not None:
            claims.setdefault(name, []).append((row, *claim))
    names = list(claims)
    texts = (_identity(archive, name, claims[name], sfile, out) for name in names)
    blocks = []
    for table, prefixes in EVIDENCE_BLOCKS.items():
        frame = frames.get(table)
        for prefix in prefixes:
            cols = (f"{prefix}source_file", f"{prefix}evidence", f"{prefix}evidence_start", f"{prefix}evidence_end")
            if frame is not None and _has(frame, *cols):
                blocks.append(_Block(table, frame, cols))
    matched = _matches(names, texts, blocks)
    for block, (usable, ok, where) in zip(blocks, matched, strict=True):
        bad = np.flatnonzero(usable & ~ok)
        sf_col, s_col, e_col = (block.frame[c].iloc[bad] for c in (block.cols[0], *block.cols[2:]))
        for i, sf, s, e in zip(
            bad.tolist(),
            sf_col.tolist(),
            s_col.to_numpy("int64").tolist(),
            e_col.to_numpy("int64").tolist(),
            strict=True,
        ):
            out.append(
                Problem(
                    files[block.table],
                    int(block.frame.index[i]) + 2,
                    block.cols[1],
                    f"is not the archived text of {sf} at {s}-{e}{where[i]}",
                    LAYER,
                    "evidence-mismatch",
                )
            )
    return out, sum(int(usable.sum()) for usable, _, _ in matched)


def _identity(
    archive: Archive, name: str, claims: list[tuple], sfile: str, out: list[Problem]
) -> tuple[bytes, str | None, int] | None:
    """Read ``name`` once and check what each sources.csv row claims of it (hash, size, UTF-8, content end).

    Returns its bytes, damage profile and number of characters when its excerpts can be compared (it could
    be read, is UTF-8 and a row names a known profile or none; the last such row
    counts), else None.
    """
    try:
        data = archive.raw(name)
    except BoundaryError as exc:  # missing, outside the archive, a folder or a pipe: never read
        for row, *_ in claims:
            out += [Problem(sfile, row, "source_file", p.message, LAYER, p.code) for p in exc.problems]
        return None
    digest = hashlib.sha256(data).hexdigest()
    decoded = utf8.check(data)
    chars = decoded.characters
    found = None
    for row, sha, size, damage, content_end in claims:
        if sha is not None and digest != sha:
            out.append(
                Problem(
                    sfile,
                    row,
                    "sha256",
                    f"does not match the archived file {name} (SHA-256 {digest}): the archive or the table was changed",
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
        if chars is None:
            out.append(
                Problem(
                    sfile,
                    row,
                    "source_file",
                    f"archived file {name} is not UTF-8: {decoded.errors[0]}",
                    LAYER,
                    "archive-not-utf8",
                )
            )
            continue
        if content_end is not None and int(content_end) > chars:
            out.append(
                Problem(
                    sfile,
                    row,
                    "content_end",
                    f"{content_end} is past the end of {name} ({chars} characters)",
                    LAYER,
                    "content-end-past-file",
                )
            )
        if damage is None or damage in DAMAGE_PROFILES:
            found = (data, damage, chars)
    return found


#: rows whose cut texts are built at once
_CHUNK = 200_000
#: archived bytes compared at once (a batch of files; a larger file is a batch of its own)
_BATCH = 16 << 20


@dataclass
class _Block:
    """One evidence block of a table: (source_file, evidence, evidence_start, evidence_end) columns."""

    table: str
    frame: pd.DataFrame
    cols: tuple[str, ...]


class _Batch:
    """Archived files as excerpts are compared with them: the UTF-8 bytes of their (repaired) texts, joined.

    :meth:`repaired` takes raw character offsets to characters of the joined
    (repaired) texts, and says which fall inside a damaged run (there the repaired text
    has no exact counterpart of the offset: repair works run by run, see
    :func:`~cartel_directive.textfold.repair_runs`); :meth:`offsets` takes those
    characters to byte offsets in :attr:`data`.
    """

    def __init__(self) -> None:
        self.keys: list[int] = []  # the files' positions in the list of names
        self.raw: list[bytes] = []
        self.profiles: list[str | None] = []
        self.size: list[int] = []  # raw characters
        self._compared: list[bytes] = []
        self._chars: list[int] = []  # characters of the compared text
        self._parts: list[tuple[np.ndarray, np.ndarray] | None] = []  # damaged: raw and repaired part offsets
        self.bytes = 0
        self._texts: dict[int, str] = {}

    def add(self, key: int, raw: bytes, profile: str | None, chars: int) -> None:
        """Add archived file number ``key``: its bytes, damage profile and number of characters."""
        parts = None
        compared = raw
        if profile:
            compared, raw_at, fixed_at = repair_runs(raw, profile)
            parts = (raw_at, fixed_at)
        if len(compared) >= 2**31:
            raise ValueError("an archived file of 2 GiB or more")
        self.keys.append(key)
        self.raw.append(raw)
        self.profiles.append(profile)
        self.size.append(chars)
        self._compared.append(compared)
        self._chars.append(chars if parts is None else int(parts[1][-1]))
        self._parts.append(parts)
        self.bytes += len(compared)

    def seal(self) -> None:
        """Join the compared bytes and build the offset maps (after the last :meth:`add`)."""
        import numpy as np

        self.data = b"".join(self._compared)
        if len(self.data) >= 2**31:
            raise ValueError("a batch of archived files of 2 GiB or more")
        self.array = np.frombuffer(self.data, dtype=np.uint8)  # a view: no copy
        self.char_base = np.cumsum([0, *self._chars])[:-1]
        self.ends = np.cumsum([len(c) for c in self._compared])  # where each file's bytes end in data
        self.owner = None  # for each continuation byte of data, the character it belongs to
        if not self.data.isascii():
            cont = np.flatnonzero(self.array.view(np.int8) < -0x40)  # bytes 0x80-0xBF
            self.owner = cont - np.arange(1, len(cont) + 1)
        # the repair map of the damaged files: part starts, raw characters (each file from
        # its raw_base, one apart so that a file's end is its own) and repaired characters
        self.raw_base = np.full(len(self.keys), -1, dtype=np.int64)
        starts, fixed, run = [np.zeros(0, dtype=np.int64)], [np.zeros(0, dtype=np.int64)], [np.zeros(0, dtype=bool)]
        base = 0
        for j, parts in enumerate(self._parts):
            if parts is not None:
                raw_at, fixed_at = parts
                self.raw_base[j] = base
                starts.append(base + raw_at[:-1])
                fixed.append(fixed_at[:-1])
                run.append(np.arange(len(raw_at) - 1) % 2 == 1)  # odd parts are the non-ASCII runs
                base += int(raw_at[-1]) + 1
        self._parts, self._compared = [], []
        self.part_start, self.part_fixed, self.part_run = (np.concatenate(x) for x in (starts, fixed, run))

    def repaired(self, j: np.ndarray, chars: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(characters of the joined texts at raw character offsets ``chars`` in 0..size of files ``j``, which fall inside a damaged run)."""
        import numpy as np

        split = np.zeros(len(chars), dtype=bool)
        damaged = np.flatnonzero(self.raw_base[j] >= 0)
        if len(damaged):
            g = self.raw_base[j[damaged]] + chars[damaged]
            part = np.searchsorted(self.part_start, g, side="right") - 1
            into = g - self.part_start[part]
            run = self.part_run[part]
            split[damaged] = run & (into > 0)
            chars = chars.copy()
            chars[damaged] = np.where(run, self.part_fixed[part], self.part_fixed[part] + into)
        return self.char_base[j] + chars, split

    def offsets(self, chars: np.ndarray) -> np.ndarray:
        """Byte offsets in :attr:`data` of characters of the joined texts."""
        import numpy as np

        return chars if self.owner is None else chars + np.searchsorted(self.owner, chars, side="left")

    def text(self, j: int) -> str:
        """The archived text of file ``j`` (decoded once, on demand)."""
        if j not in self._texts:
            self._texts[j] = self.raw[j].decode("utf-8")
        return self._texts[j]


def _python_slice(start: np.ndarray, end: np.ndarray, n: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The character range ``text[start:end]`` takes of a text of ``n`` characters (negative ends count from the end)."""
    import numpy as np

    a = np.clip(np.where(start < 0, start + n, start), 0, n)
    b = np.clip(np.where(end < 0, end + n, end), 0, n)
    return a, np.maximum(a, b)


def _matches(
    names: list[str],
    texts: Iterable[tuple[bytes, str | None, int] | None],
    blocks: list[_Block],
    batch: int = _BATCH,
    chunk: int = _CHUNK,
) -> list[tuple[np.ndarray, np.ndarray, dict[int, str]]]:
    """For each block: (rows whose excerpt is checked, rows whose excerpt matches, where each failing excerpt occurs).

    ``texts`` gives, for each of ``names`` in turn, the archived file's bytes, damage
    profile and number of characters (None: its excerpts are not checked). An excerpt
    matches when it equals the archived text at its offsets (Python slicing, ``end`` at
    most the text's length), both repaired and folded
    (:func:`~cartel_directive.textfold.matches`).

    In bulk: the files are taken a batch of about ``batch`` bytes at a time; each is
    repaired whole, once, when damaged; an offset maps to the repaired text exactly
    unless it falls inside a damaged run (repair works run by run). Every excerpt citing
    a file of the batch is compared with its cut of the (repaired) text as UTF-8 bytes,
    through Arrow string views on the batch's bytes, ``chunk`` rows at a time: an
    excerpt equal to its cut matches (equal texts fold equally). The others, and those
    whose offsets split a damaged run, are repaired and folded with their archived
    text as the definition says, all together (:func:`fold_many`). A failing excerpt
    is then looked for in its (folded) file, for the message.
    """
    import numpy as np

    rows = []
    for block in blocks:
        sf_col, ev_col, s_col, e_col = (block.frame[c] for c in block.cols)
        code = positions(sf_col, names)
        given = (ev_col.notna() & s_col.notna() & e_col.notna()).to_numpy() & (code >= 0)
        code = np.where(given, code, -1).astype(np.int16 if len(names) < 2**15 else np.int64)
        order = np.argsort(code, kind="stable")  # a radix sort for 16-bit codes
        bounds = np.searchsorted(code[order], np.arange(len(names) + 1), side="left")
        rows.append(_Rows(block, code, order, bounds))
    pending = _Batch()
    for key, got in enumerate(texts):
        if got is not None:
            pending.add(key, *got)
        if pending.bytes >= batch or (key == len(names) - 1 and pending.keys):
            _compare(pending, rows, chunk)
            pending = _Batch()
    return [(r.usable, r.ok, r.where) for r in rows]


class _Rows:
    """One block's rows as they are compared: grouped by the file they cite."""

    def __init__(self, block: _Block, code: np.ndarray, order: np.ndarray, bounds: np.ndarray) -> None:
        import numpy as np
        import pyarrow.compute as pc

        self.block, self.code, self.order, self.bounds = block, code, order, bounds
        excerpts = arrowtext.column(block.frame[block.cols[1]])  # the column's own chunks: no copy
        self.excerpts = excerpts
        self.views = arrowtext.StringViews(excerpts)  # over the column's own text (never copied)
        self.chars = np.asarray(pc.utf8_length(excerpts).fill_null(0).to_numpy(zero_copy_only=False))
        self.usable = np.zeros(len(code), dtype=bool)
        self.ok = np.zeros(len(code), dtype=bool)
        self.where: dict[int, str] = {}


def _compare(batch: _Batch, blocks: list[_Rows], chunk: int) -> None:
    """Compare every excerpt citing a file of ``batch``; fill in its block's usable, ok and where.

    Each excerpt is first compared with the bytes of as long a cut as itself, from its
    start offset (one offset map look-up a row): equal bytes spanning as many
    characters as its offsets say are its cut, exactly.
    """
    import numpy as np
    import pyarrow.compute as pc

    batch.seal()
    first, last = batch.keys[0], batch.keys[-1]
    local = np.full(last - first + 1, -1, dtype=np.int64)
    local[np.asarray(batch.keys) - first] = np.arange(len(batch.keys))
    size = np.asarray(batch.size, dtype=np.int64)
    folded: dict[int, FoldedText] = {}
    for r in blocks:
        cited = r.order[r.bounds[first] : r.bounds[last + 1]]
        cited = cited[local[r.code[cited] - first] >= 0]
        if not len(cited):
            continue
        r.usable[cited] = True
        s_col, e_col = (r.block.frame[c] for c in r.block.cols[2:])
        for lo in range(0, len(cited), chunk):
            idx = cited[lo : lo + chunk]  # in file order
            j = local[r.code[idx] - first]
            start = s_col.iloc[idx].to_numpy(dtype="int64")
            end = e_col.iloc[idx].to_numpy(dtype="int64")
            past = end > size[j]  # end beyond the text: no match
            (a, split_a), (b, split_b) = (batch.repaired(j, c) for c in _python_slice(start, end, size[j]))
            recheck = split_a | split_b  # compared by the definition itself, not by their cut
            at = batch.offsets(a)
            excerpts = r.views.take(idx)
            length = np.minimum(r.views.lengths(idx), batch.ends[j] - at)  # within the file
            equal = pc.equal(excerpts, arrowtext.cuts(batch.data, at, length)).fill_null(False)
            same = np.asarray(equal.to_numpy(zero_copy_only=False), dtype=bool)
            same &= (r.chars[idx] == b - a) & ~recheck & ~past
            rest = np.flatnonzero(~same & ~past)
            if len(rest):
                slices = arrowtext.cuts(batch.data, at[rest], batch.offsets(b[rest]) - at[rest]).to_pylist()
                for k in np.flatnonzero(recheck[rest]).tolist():
                    i = rest[k]
                    slices[k] = repair(batch.text(j[i])[start[i] : end[i]], batch.profiles[j[i]])
                mine = r.views.take(idx[rest]).to_pylist()
                matched = zip(fold_many(slices), fold_many(mine), strict=True)
                same[rest] = np.fromiter((x == y for x, y in matched), dtype=bool, count=len(rest))
            r.ok[idx] = same
            for i in np.flatnonzero(~same).tolist():
                f = int(j[i])
                if f not in folded:
                    folded[f] = FoldedText.build(batch.text(f), batch.profiles[f])
                r.where[int(idx[i])] = _locate(folded[f], r.excerpts[int(idx[i])].as_py())


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
