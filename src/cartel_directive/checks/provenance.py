"""Layer 3, provenance: the archive is the one the dataset cites, and every excerpt is in it."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from .. import boundary
from ..errors import BoundaryError
from ..problems import Problem
from ..rules import Context, rule
from ..textfold import DAMAGE_PROFILES, FoldedText, fold_many, matches, repair
from .crossfield import EVIDENCE_BLOCKS, _has, _rows

if TYPE_CHECKING:
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
    """The archived source texts, read once each."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._text: dict[str, str] = {}

    def raw(self, name: str) -> bytes:
        """The archived file ``name``, read through the boundary (a regular file inside the archive)."""
        return boundary.read_file(
            self.folder, name, file="data/sources.csv", column="source_file", what="source archive"
        )

    def text(self, name: str) -> str:
        if name not in self._text:
            self._text[name] = self.raw(name).decode("utf-8")
        return self._text[name]


def check(archive: Archive, frames: dict[str, pd.DataFrame], files: dict[str, str]) -> tuple[list[Problem], int]:
    """Check file identities and every evidence excerpt; return problems and excerpts checked."""
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
    checked = 0
    for table, prefixes in EVIDENCE_BLOCKS.items():
        frame = frames.get(table)
        if frame is None:
            continue
        for prefix in prefixes:
            cols = (f"{prefix}source_file", f"{prefix}evidence", f"{prefix}evidence_start", f"{prefix}evidence_end")
            if not _has(frame, *cols):
                continue
            usable, suspect = _excerpt_suspects(archive, frame, cols, profiles)
            checked += int(usable.sum())
            for row, sf, ev, s, e in _rows(frame[suspect], *cols):
                if sf is None or ev is None or s is None or e is None or sf not in profiles:
                    continue
                text = archive.text(sf)
                s, e = int(s), int(e)
                if e > len(text) or not matches(text, s, e, ev, profiles[sf]):
                    hint = _locate(text, ev, profiles[sf])
                    out.append(
                        Problem(
                            files[table],
                            row,
                            cols[1],
                            f"is not the archived text of {sf} at {s}-{e}{hint}",
                            LAYER,
                            "evidence-mismatch",
                        )
                    )
    return out, checked


def _excerpt_suspects(archive: Archive, frame: pd.DataFrame, cols: tuple[str, ...], profiles: dict[str, str | None]):
    """(rows whose excerpt is checked, rows whose excerpt may not match): both boolean arrays.

    Excerpts are compared in bulk, one source at a time: the archived slices are
    repaired; an excerpt equal to its slice as it stands matches (folding equal
    strings gives equal strings); the others are folded together (:func:`fold_many`).
    Rows that do not match exactly are re-checked one by one by the caller.
    """
    import numpy as np
    import pandas as pd

    sf_col, ev_col, s_col, e_col = (frame[c] for c in cols)
    usable = (sf_col.notna() & ev_col.notna() & s_col.notna() & e_col.notna() & sf_col.isin(list(profiles))).to_numpy()
    suspect = np.zeros(len(frame), dtype=bool)
    where = np.flatnonzero(usable)
    if not len(where):
        return usable, suspect
    codes, uniques = pd.factorize(sf_col.iloc[where])
    starts = s_col.to_numpy(dtype="int64", na_value=0)[where]
    ends = e_col.to_numpy(dtype="int64", na_value=0)[where]
    excerpts = ev_col.iloc[where].to_numpy(dtype=object)
    order = np.argsort(codes, kind="stable")
    codes, starts, ends, excerpts, where = codes[order], starts[order], ends[order], excerpts[order], where[order]
    cuts = np.flatnonzero(codes[1:] != codes[:-1]) + 1
    for lo, hi in zip(np.r_[0, cuts], np.r_[cuts, len(codes)], strict=True):
        name = str(uniques[codes[lo]])
        text, profile = archive.text(name), profiles[name]
        s, e = starts[lo:hi].tolist(), ends[lo:hi].tolist()
        slices = [text[a:b] for a, b in zip(s, e, strict=True)]
        if profile:
            slices = [repair(x, profile) for x in slices]
        mine = excerpts[lo:hi]
        cut = np.empty(hi - lo, dtype=object)
        cut[:] = slices
        # equal strings fold equally: only the rows that differ as they stand need folding
        same = np.asarray(cut == mine, dtype=bool)
        differ = np.flatnonzero(~same)
        if len(differ):
            folded = zip(fold_many(cut[differ].tolist()), fold_many(mine[differ].tolist()), strict=True)
            same[differ] = np.fromiter((x == y for x, y in folded), dtype=bool, count=len(differ))
        same &= ends[lo:hi] <= len(text)
        suspect[where[lo:hi][~same]] = True
    return usable, suspect


def _locate(text: str, excerpt: str, profile: str | None) -> str:
    hits = FoldedText.build(text, profile).find_all(excerpt)
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
