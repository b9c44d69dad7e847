"""Repair of the damaged source file, canonical folding, and locating excerpts.

The provenance check compares an evidence excerpt with the archived text after two
deterministic steps:

1. **Repair** (only for a file whose ``encoding_damage`` names a profile). Profile
   ``utf8-as-latin10-c1-lost``: the file's UTF-8 bytes were once decoded as
   ISO-8859-16 and the C1 control characters (bytes 0x80-0x9F) were dropped. Each run
   of characters whose ISO-8859-16 bytes form a complete UTF-8 sequence is decoded back
   (``ĂĄ`` -> ``á``, ``Ă©`` -> ``é``). A lone ``â`` (byte 0xE2, a three-byte sequence
   whose two continuation bytes were lost) stands for a curly quote or apostrophe that
   can no longer be told apart; it becomes ``’``, which folding then equates with every
   other quote mark.
2. **Folding**: Unicode NFC; every quote mark and apostrophe becomes ``'``; every dash
   and hyphen becomes ``-``; ``…`` becomes ``...``; every run of whitespace becomes one
   space, and the ends are trimmed.

Both steps keep a map from each folded character back to the span of the archived
text it came from, so an excerpt found in folded text has exact offsets in the file.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

LATIN10_PROFILE = "utf8-as-latin10-c1-lost"
DAMAGE_PROFILES = (LATIN10_PROFILE,)

_QUOTES = "'\"‘’‚‛“”„‟′″«»‹›`´"
_DASHES = "-‐‑‒–—―−"
_FOLD = {ord(c): "'" for c in _QUOTES} | {ord(c): "-" for c in _DASHES} | {ord("…"): "..."}

#: Characters that only appear in this package's text as leftovers of mojibake (the hygiene
#: layer refuses them in any cell).
MOJIBAKE_CHARS = "ĂÃÂâ\ufffd"
MOJIBAKE = re.compile(f"[{MOJIBAKE_CHARS}]")


class UnknownDamageProfile(ValueError):
    pass


def _latin10_byte(ch: str) -> int | None:
    try:
        b = ch.encode("iso8859_16")
    except UnicodeEncodeError:
        return None
    return b[0] if len(b) == 1 else None


def _utf8_length(lead: int) -> int:
    if 0xC2 <= lead <= 0xDF:
        return 2
    if 0xE0 <= lead <= 0xEF:
        return 3
    if 0xF0 <= lead <= 0xF4:
        return 4
    return 0


def repair_pieces(raw: str, profile: str | None) -> list[tuple[str, int, int]]:
    """Split ``raw`` into ``(repaired text, start, end)`` pieces that cover it in order."""
    if not profile:
        return [(ch, i, i + 1) for i, ch in enumerate(raw)]
    if profile != LATIN10_PROFILE:
        raise UnknownDamageProfile(f"unknown damage profile {profile!r}; known: {', '.join(DAMAGE_PROFILES)}")
    pieces: list[tuple[str, int, int]] = []
    i, n = 0, len(raw)
    while i < n:
        lead = _latin10_byte(raw[i]) if ord(raw[i]) >= 0x80 else None
        length = _utf8_length(lead) if lead is not None else 0
        if length:
            seq = bytearray([lead])  # type: ignore[list-item]
            j = i + 1
            while j < n and len(seq) < length:
                b = _latin10_byte(raw[j])
                if b is None or not 0x80 <= b <= 0xBF:
                    break
                seq.append(b)
                j += 1
            if len(seq) == length:
                try:
                    pieces.append((seq.decode("utf-8"), i, j))
                    i = j
                    continue
                except UnicodeDecodeError:
                    pass
            elif lead == 0xE2 and len(seq) == 1:
                pieces.append(("’", i, i + 1))
                i += 1
                continue
        pieces.append((raw[i], i, i + 1))
        i += 1
    return pieces


_RUNS: dict[tuple[str, str], str] = {}


def _repair_run(run: str, profile: str) -> str:
    """The repaired reading of one run of non-ASCII characters (remembered: texts repeat their runs)."""
    hit = _RUNS.get((run, profile))
    if hit is None:
        hit = _RUNS[(run, profile)] = "".join(p for p, _, _ in repair_pieces(run, profile))
    return hit


def repair_runs(raw: bytes, profile: str) -> tuple[bytes, np.ndarray, np.ndarray]:
    """The repaired reading of the UTF-8 text ``raw``, as UTF-8, and where its parts are.

    ``raw`` is split into ASCII stretches and runs of non-ASCII characters (the odd
    parts; the first and last parts are ASCII, maybe empty). A repaired sequence never
    spans an ASCII character (lead and continuation characters are all non-ASCII), so
    each run is repaired on its own, and each distinct run once: the repaired parts
    joined are :func:`repair_pieces` of the whole. The parts are found in the bytes
    (a non-ASCII character is all bytes of 0x80 and more) and joined again by Arrow:
    no Python string of the text is made. Returns the repaired bytes and the character
    offsets where the parts begin (and the last ends) in ``raw`` and in the repair.
    """
    if profile != LATIN10_PROFILE:
        raise UnknownDamageProfile(f"unknown damage profile {profile!r}; known: {', '.join(DAMAGE_PROFILES)}")
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    high = np.zeros(len(raw) + 2, dtype=np.int8)
    high[1:-1] = np.frombuffer(raw, dtype=np.uint8) >= 0x80
    edges = np.flatnonzero(np.diff(high))  # where a run starts, then where it ends, and so on
    bounds = np.concatenate(([0], edges, [len(raw)])).astype(np.int64)
    parts = pa.Array.from_buffers(pa.large_string(), len(bounds) - 1, [None, pa.py_buffer(bounds), pa.py_buffer(raw)])
    runs = pc.dictionary_encode(parts.take(np.arange(1, len(parts), 2)))
    fixed = pa.array([_repair_run(r, profile) for r in runs.dictionary.to_pylist()], pa.large_string())
    index = np.arange(len(parts))
    index[1::2] = len(parts) + runs.indices.to_numpy()
    whole = pa.concat_arrays([parts, fixed]).take(index)
    at = np.frombuffer(whole.buffers()[1], dtype=np.int64)[whole.offset : whole.offset + len(whole) + 1]
    data = whole.buffers()[2].to_pybytes()[at[0] : at[-1]] if len(whole.buffers()) > 2 and whole.buffers()[2] else b""
    raw_at, fixed_at = (np.concatenate(([0], np.cumsum(pc.utf8_length(x).to_numpy()))) for x in (parts, whole))
    return data, raw_at, fixed_at


def repair(raw: str, profile: str | None) -> str:
    """The repaired reading of ``raw`` under a damage profile (identity without one)."""
    if not profile:
        return raw
    return repair_runs(raw.encode("utf-8"), profile)[0].decode("utf-8")


#: the characters ``str.isspace`` calls whitespace (which ``str.split()`` splits on)
_WHITESPACE = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005"
    "\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)
_FOLD_ONLY = {k: v for k, v in _FOLD.items() if chr(k) != v}
#: NFC-inert characters, neither whitespace nor folded: texts joined by one of them fold independently
_SEPARATORS = "\x00\x01\x02\x03\x04\x05\x06\x07\x08\x0e\x0f\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x7f"


def fold(text: str) -> str:
    """Canonical folding used to compare excerpts with sources (:func:`fold_many` of one text)."""
    return fold_many([text])[0]


def fold_many(texts: list[str]) -> list[str]:
    """The folding of each text: Unicode NFC; quote marks, dashes and ``…`` folded; each
    whitespace run one space; ends trimmed. Computed on one joined string, so many short
    texts cost about what one long text does."""
    if not texts:
        return []
    sep, joined = "", texts[0]
    if len(texts) > 1:  # the first separator that occurs in no text joins them
        for sep in _SEPARATORS:
            joined = sep.join(texts)
            if joined.count(sep) == len(texts) - 1:
                break
        else:  # every separator occurs in the texts: fold them one by one
            return [fold_many([t])[0] for t in texts]
    ascii_only = joined.isascii()
    if not ascii_only:  # ASCII is in NFC
        joined = unicodedata.normalize("NFC", joined)
    for code, to in _FOLD_ONLY.items():  # no replacement holds a folded character: order is free
        ch = chr(code)
        if (code < 0x80 or not ascii_only) and ch in joined:
            joined = joined.replace(ch, to)
    # each whitespace run becomes one space (what " ".join(text.split()) does, without a list
    # of every word); the separators are not whitespace
    for ch in _WHITESPACE:
        if ch != " " and ch in joined:
            joined = joined.replace(ch, " ")
    while "  " in joined:
        joined = joined.replace("  ", " ")
    return [t.strip(" ") for t in joined.split(sep)] if sep else [joined.strip(" ")]


@dataclass(frozen=True)
class FoldedText:
    """A source text after repair and folding, with a map back to raw offsets."""

    text: str
    starts: tuple[int, ...]
    ends: tuple[int, ...]

    @classmethod
    def build(cls, raw: str, profile: str | None = None) -> FoldedText:
        out: list[str] = []
        starts: list[int] = []
        ends: list[int] = []
        for piece, s, e in repair_pieces(raw, profile):
            for ch in unicodedata.normalize("NFC", piece).translate(_FOLD):
                if ch.isspace():
                    if out and out[-1] == " ":
                        ends[-1] = e
                        continue
                    ch = " "
                out.append(ch)
                starts.append(s)
                ends.append(e)
        return cls("".join(out), tuple(starts), tuple(ends))

    def find_all(self, excerpt: str, lo: int = 0, hi: int | None = None) -> list[tuple[int, int]]:
        """Raw ``(start, end)`` spans where the folded ``excerpt`` occurs within raw range [lo, hi)."""
        needle = fold(excerpt)
        if not needle:
            return []
        hits = []
        i = self.text.find(needle)
        while i != -1:
            start, end = self.starts[i], self.ends[i + len(needle) - 1]
            if start >= lo and (hi is None or end <= hi):
                hits.append((start, end))
            i = self.text.find(needle, i + 1)
        return hits


def matches(raw: str, start: int, end: int, excerpt: str, profile: str | None) -> bool:
    """Whether ``excerpt`` equals the archived text at ``[start, end)`` after repair and folding."""
    return fold(repair(raw[start:end], profile)) == fold(excerpt)
