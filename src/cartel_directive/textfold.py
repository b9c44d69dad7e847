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

:class:`FoldedText` is ``fold(repair(raw))`` with a map from each folded character back
to the span of the archived text it came from (a letter with the accents NFC joins to
it, a run of whitespace, ``…``: one span each), so an excerpt found in folded text has
exact offsets in the file.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING

from . import arrowtext

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


_RUNS: dict[tuple[str, str], tuple[str, tuple[int, ...]]] = {}


def _repair_run(run: str, profile: str) -> tuple[str, tuple[int, ...]]:
    """The repaired reading of one run of non-ASCII characters, and where each of its characters
    ends in the run (remembered: texts repeat their runs). Each piece of :func:`repair_pieces` is
    one character, and the pieces cover the run in order, so a character starts where the one
    before it ends."""
    hit = _RUNS.get((run, profile))
    if hit is None:
        pieces = repair_pieces(run, profile)
        hit = _RUNS[(run, profile)] = ("".join(p for p, _, _ in pieces), tuple(e for _, _, e in pieces))
    return hit


def repair_runs(raw: bytes, profile: str) -> tuple[bytes, np.ndarray, np.ndarray]:
    """The repaired reading of the UTF-8 text ``raw``, as UTF-8, and where its parts are.

    ``raw`` is split into ASCII stretches and runs of non-ASCII characters (the odd
    parts; the first and last parts are ASCII, maybe empty). A repaired sequence never
    spans an ASCII character (lead and continuation characters are all non-ASCII), so
    each run is repaired on its own, and each distinct run once: the repaired parts
    joined are :func:`repair_pieces` of the whole. The parts are found in the bytes
    (a non-ASCII character is all bytes of 0x80 and more) and joined again by Arrow
    (the bytes split and read through :mod:`~cartel_directive.arrowtext`): no Python
    string of the text is made. Returns the repaired bytes and the character
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
    parts = arrowtext.split(raw, bounds)
    runs = pc.dictionary_encode(parts.take(np.arange(1, len(parts), 2)))
    fixed = pa.array([_repair_run(r, profile)[0] for r in runs.dictionary.to_pylist()], pa.large_string())
    index = np.arange(len(parts))
    index[1::2] = len(parts) + runs.indices.to_numpy()
    whole = pa.concat_arrays([parts, fixed]).take(index)
    raw_at, fixed_at = (np.concatenate(([0], np.cumsum(pc.utf8_length(x).to_numpy()))) for x in (parts, whole))
    return arrowtext.text(whole), raw_at, fixed_at


def repair(raw: str, profile: str | None) -> str:
    """The repaired reading of ``raw`` under a damage profile (identity without one, and of ASCII)."""
    if profile and profile not in DAMAGE_PROFILES:
        raise UnknownDamageProfile(f"unknown damage profile {profile!r}; known: {', '.join(DAMAGE_PROFILES)}")
    if not profile or raw.isascii():  # repair reads only characters from U+0080 up
        return raw
    return repair_runs(raw.encode("utf-8"), profile)[0].decode("utf-8")


#: the characters ``str.isspace`` calls whitespace (which ``str.split()`` splits on)
_WHITESPACE = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005"
    "\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)
_WHITESPACE_CODES = [ord(c) for c in _WHITESPACE]
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


def _repaired(raw: str, profile: str | None) -> tuple[str, np.ndarray]:
    """:func:`repair` of ``raw``, and where each of its characters ends in ``raw`` (it starts
    where the one before it ends: the repaired characters cover ``raw`` in order)."""
    import numpy as np

    if not profile:
        return raw, np.arange(1, len(raw) + 1, dtype=np.int64)
    data, raw_at, fixed_at = repair_runs(raw.encode("utf-8"), profile)
    fixed = data.decode("utf-8")
    part = np.repeat(np.arange(len(raw_at) - 1), np.diff(fixed_at))
    ends = raw_at[part] + np.arange(len(fixed)) - fixed_at[part] + 1  # ASCII stretches: one for one
    for k in range(1, len(raw_at) - 1, 2):  # the runs: where each repaired piece ends
        a, b = int(raw_at[k]), int(raw_at[k + 1])
        ends[fixed_at[k] : fixed_at[k + 1]] = a + np.asarray(_repair_run(raw[a:b], profile)[1])
    return fixed, ends


def _attached(ch: str) -> bool:
    """Whether canonical composition may join ``ch`` to the character before it (then the two are
    folded together): its decomposition starts with a combining character, another mark, or a
    Hangul vowel or final jamo. A superset of the exact rule (``tests/test_textfold.py``)."""
    first = unicodedata.normalize("NFD", ch)[0]
    return unicodedata.combining(first) != 0 or unicodedata.category(first)[0] == "M" or "\u1160" <= first <= "\u11ff"


def _units(text: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Where the units of ``text`` start and end, and how many characters :func:`fold` makes of each.

    A unit is a run of whitespace, or a character with the attached characters after it
    (:func:`_attached`). NFC neither joins nor reorders across the start of a unit, no
    whitespace character composes with what follows it, and NFC makes whitespace of
    whitespace only, so ``fold(text)`` is the units' foldings in order, each run of
    whitespace one space (none at the ends). An ASCII character folds to one character;
    the other units are folded by :func:`fold_many`.
    """
    import numpy as np

    n = len(text)
    if not n:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    code = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    space = np.isin(code, _WHITESPACE_CODES, kind="table")
    attached = np.zeros(n, dtype=bool)
    high = np.flatnonzero(code >= 0x80)
    if len(high):
        distinct, which = np.unique(code[high], return_inverse=True)
        attached[high] = np.array([_attached(chr(c)) for c in distinct.tolist()], dtype=bool)[which]
    start = np.ones(n, dtype=bool)
    start[1:] = np.where(space[1:], ~space[:-1], space[:-1] | ~attached[1:])
    begin = np.flatnonzero(start)
    end = np.append(begin[1:], n)
    length = np.ones(len(begin), dtype=np.int64)
    blank = space[begin]
    length[blank & ((begin == 0) | (end == n))] = 0  # whitespace at the ends is trimmed
    other = np.flatnonzero(~blank & ((end - begin > 1) | (code[begin] >= 0x80)))
    if len(other):
        folded = fold_many([text[a:b] for a, b in zip(begin[other].tolist(), end[other].tolist(), strict=True)])
        length[other] = np.fromiter(map(len, folded), dtype=np.int64, count=len(other))
    return begin, end, length


@dataclass(frozen=True, eq=False)
class FoldedText:
    """A source text after repair and folding, with a map back to raw offsets.

    ``text`` is ``fold(repair(raw, profile))``; its character ``i`` comes from the raw
    characters ``[starts[i], ends[i])``. The characters folded from one unit of the
    repaired text (a letter and the accents NFC joins to it, ``…`` as ``...``, a run of
    whitespace as one space) share the unit's span.
    """

    raw: str
    profile: str | None
    text: str
    starts: np.ndarray
    ends: np.ndarray

    @classmethod
    def build(cls, raw: str, profile: str | None = None) -> FoldedText:
        import numpy as np

        fixed, fixed_ends = _repaired(raw, profile)
        text = fold(fixed)
        begin, end, length = _units(fixed)
        if int(length.sum()) != len(text):  # the units' foldings are the folding (see _units)
            raise AssertionError("the folding's offset map does not cover its text")
        unit = np.repeat(np.arange(len(begin)), length)
        starts = np.concatenate(([0], fixed_ends))[begin][unit]
        return cls(raw, profile, text, starts, fixed_ends[end - 1][unit])

    def find_all(self, excerpt: str, lo: int = 0, hi: int | None = None) -> list[tuple[int, int]]:
        """Raw ``(start, end)`` spans where the folded ``excerpt`` occurs within raw range [lo, hi).

        Each occurrence in :attr:`text` is mapped to the raw span of the units it touches
        and kept when that span :func:`matches` the excerpt. So an occurrence that would
        cut a unit (an accent from its letter, ``..`` of ``…``) is none, and neither is one
        whose raw span repairs otherwise on its own (it ends on a lone ``â`` that the
        character after it kept from being read as a quote).
        """
        needle = fold(excerpt)
        if not needle:
            return []
        hits = []
        i = self.text.find(needle)
        while i != -1:
            start, end = int(self.starts[i]), int(self.ends[i + len(needle) - 1])
            if start >= lo and (hi is None or end <= hi) and matches(self.raw, start, end, excerpt, self.profile):
                hits.append((start, end))
            i = self.text.find(needle, i + 1)
        return hits


def matches(raw: str, start: int, end: int, excerpt: str, profile: str | None) -> bool:
    """Whether ``excerpt`` equals the archived text at ``[start, end)`` after repair and folding."""
    return fold(repair(raw[start:end], profile)) == fold(excerpt)
