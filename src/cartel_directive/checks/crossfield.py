"""Layer 2, continued: rules across columns and tables that no Table Schema can express."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any
from unicodedata import is_normalized

from .. import arrowtext
from ..boundary import show
from ..dates import NAT, bounds_many, day
from ..derivation import DerivationError, agrees, evaluate
from ..problems import Problem
from ..rules import Context, rule
from ..textfold import fold_many

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd
    import pyarrow as pa

LAYER = "crossfield"
_SPAN = re.compile(r"([0-9]+)-([0-9]+)")

#: (prefix of the EDTF column, basis column, text column) for each date block.
DATE_BLOCKS = {
    "events": [("date", "date_basis")],
    "statements": [("date", "date_basis")],
    "statistics": [("period", "period_basis")],
}
#: Qualifiers of statistics that carry no number.
NO_NUMBER = ("vague_quantity", "superlative")
#: Prefixes of the evidence blocks in each table.
EVIDENCE_BLOCKS = {
    "actors": [""],
    "events": [""],
    "statements": [""],
    "statistics": [""],
    "discrepancies": ["", "other_"],
}


def _day_numbers(col: pd.Series) -> np.ndarray:
    """A date column as int64 days since 1970 (NaT as :data:`~cartel_directive.dates.NAT`)."""
    return col.to_numpy(dtype="datetime64[ns]").astype("datetime64[D]").astype("int64")


def _rows(frame: pd.DataFrame, *cols: str) -> Iterator[tuple]:
    """(row number, values...) for each row, with missing values as None."""

    data = [frame[c].astype(object).where(frame[c].notna(), None).tolist() for c in cols]
    for i, values in enumerate(zip(*data, strict=False)):
        yield (int(frame.index[i]) + 2, *values)


def _has(frame: pd.DataFrame, *cols: str) -> bool:
    return all(c in frame.columns for c in cols)


def _cell(frame: pd.DataFrame, col: str, i: int) -> Any:
    """The value at position ``i`` of ``col``, None when missing."""
    import pandas as pd

    value: Any = frame[col].iat[i]
    return None if pd.isna(value) else value


def positions(col: pd.Series, names: list[str]) -> np.ndarray:
    """For each value of ``col``, its position in ``names`` (-1: missing or not there)."""
    import numpy as np
    import pandas as pd

    codes, uniques = pd.factorize(col, use_na_sentinel=True)
    where = pd.Index(names, dtype=object).get_indexer(pd.Index(np.asarray(uniques, dtype=object)))
    return np.append(where, -1)[codes]


def check_dates(name: str, file: str, frame: pd.DataFrame) -> Iterator[Problem]:
    """The EDTF value's first and last days are date_start and date_end; the basis goes with the value.

    The whole rule over whole columns: the EDTF values' bounds come from
    :func:`~cartel_directive.dates.bounds_many` (once per distinct value); the rows
    where a comparison fails are then worded one by one.
    """
    import numpy as np
    import pandas as pd

    for col, basis in DATE_BLOCKS.get(name, []):
        start, end = f"{col}_start", f"{col}_end"
        if not _has(frame, col, start, end, basis):
            continue
        codes, uniques = pd.factorize(frame[col], use_na_sentinel=True)
        ulo, uhi, umsg = bounds_many(uniques)
        given = codes >= 0
        pick = np.where(given, codes, 0)
        want_lo = np.where(given, ulo[pick] if len(uniques) else NAT, NAT)
        want_hi = np.where(given, uhi[pick] if len(uniques) else NAT, NAT)
        invalid = given & np.asarray([m is not None for m in umsg] or [False], dtype=bool)[pick]
        lo, hi = _day_numbers(frame[start]), _day_numbers(frame[end])
        how = frame[basis].notna().to_numpy()
        after = (lo != NAT) & (hi != NAT) & (lo > hi)
        stray = ~given & ((lo != NAT) | (hi != NAT) | how)
        failing = after | stray | (given & (~how | invalid | (lo != want_lo) | (hi != want_hi)))
        for i in np.flatnonzero(failing).tolist():
            row = int(frame.index[i]) + 2
            value, first, last = _cell(frame, col, i), day(int(lo[i])), day(int(hi[i]))
            if after[i]:
                yield Problem(file, row, start, f"{first} is after {end} {last}", LAYER, "date-start-after-end")
            if not given[i]:
                for c, v in ((start, first), (end, last), (basis, how[i] or None)):
                    if v is not None:
                        yield Problem(file, row, c, f"must be empty when {col} is empty", LAYER, "date-without-edtf")
                continue
            if not how[i]:
                yield Problem(
                    file,
                    row,
                    basis,
                    f"is required when {col} is given (stated or inferred)",
                    LAYER,
                    "date-basis-required",
                )
            if invalid[i]:
                yield Problem(file, row, col, str(umsg[codes[i]]), LAYER, "edtf-invalid")
                continue
            if lo[i] != want_lo[i]:
                yield Problem(
                    file,
                    row,
                    start,
                    f"{first or '(empty)'} disagrees with {col} {value!r}, whose first day is {day(int(want_lo[i])) or '(open)'}",
                    LAYER,
                    "date-disagrees-with-edtf",
                )
            if hi[i] != want_hi[i]:
                yield Problem(
                    file,
                    row,
                    end,
                    f"{last or '(empty)'} disagrees with {col} {value!r}, whose last day is {day(int(want_hi[i])) or '(open)'}",
                    LAYER,
                    "date-disagrees-with-edtf",
                )


def _bodies(sources: pd.DataFrame | None) -> dict[str, tuple[int, int, list[tuple[int, int]]]]:
    """source_file -> (content_start, content_end, non-article spans) of each source with a body range."""
    bodies: dict[str, tuple[int, int, list[tuple[int, int]]]] = {}
    if sources is not None and _has(sources, "source_file", "content_start", "content_end", "non_article_spans"):
        for _, sf, cs, ce, spans in _rows(sources, "source_file", "content_start", "content_end", "non_article_spans"):
            if sf is not None and cs is not None and ce is not None:
                bodies[sf] = (int(cs), int(ce), parse_spans(spans or ""))
    return bodies


def check_evidence_ranges(
    name: str, file: str, frame: pd.DataFrame, bodies: dict[str, tuple[int, int, list[tuple[int, int]]]]
) -> Iterator[Problem]:
    """Offsets are ordered, lie inside the source's article body (:func:`_bodies`) and avoid non-article spans.

    Each condition is computed for whole columns; only the failing rows are worded.
    """
    import numpy as np

    names = list(bodies)
    body = np.array([[bodies[n][0], bodies[n][1]] for n in names] or [[0, 0]], dtype=np.int64)
    most = max((len(b[2]) for b in bodies.values()), default=0)
    spans = np.zeros((max(len(names), 1), most, 2), dtype=np.int64)
    spans[:, :, 1] = np.iinfo(np.int64).min  # a missing span ends before every start: it overlaps nothing
    for k, n in enumerate(names):
        for j, (a, b) in enumerate(bodies[n][2]):
            spans[k, j] = (a, b)
    for prefix in EVIDENCE_BLOCKS.get(name, []):
        cols = [f"{prefix}source_file", f"{prefix}evidence", f"{prefix}evidence_start", f"{prefix}evidence_end"]
        if not _has(frame, *cols):
            continue
        given = np.column_stack([frame[c].notna().to_numpy() for c in cols])
        incomplete = np.zeros(len(frame), dtype=bool)
        if prefix:
            incomplete[:] = given.any(axis=1) & ~given.all(axis=1)
        ranged = given[:, 2] & given[:, 3] & ~incomplete
        s = frame[cols[2]].to_numpy(dtype="int64", na_value=0)
        e = frame[cols[3]].to_numpy(dtype="int64", na_value=0)
        unordered = ranged & (s >= e)
        code = positions(frame[cols[0]], names)
        known = ranged & ~unordered & (code >= 0)
        at = np.where(code >= 0, code, 0)
        outside = known & ((s < body[at, 0]) | (e > body[at, 1]))
        overlaps = np.zeros(len(frame), dtype=bool)
        for j in range(most):
            overlaps |= known & (s < spans[at, j, 1]) & (spans[at, j, 0] < e)
        for i in np.flatnonzero(incomplete | unordered | outside | overlaps).tolist():
            row = int(frame.index[i]) + 2
            if incomplete[i]:
                missing = [c for c, g in zip(cols, given[i], strict=True) if not g]
                yield Problem(
                    file,
                    row,
                    missing[0],
                    "the other side's evidence block must be complete or wholly empty",
                    LAYER,
                    "evidence-incomplete",
                )
                continue
            if unordered[i]:
                yield Problem(
                    file, row, cols[2], f"{s[i]} is not before {cols[3]} {e[i]}", LAYER, "evidence-range-order"
                )
                continue
            sf = names[code[i]]
            cs, ce, parts = bodies[sf]
            if outside[i]:
                yield Problem(
                    file,
                    row,
                    cols[2],
                    f"span {s[i]}-{e[i]} lies outside the article body of {sf} ({cs}-{ce})",
                    LAYER,
                    "evidence-outside-body",
                )
            for a, b in parts:
                if s[i] < b and a < e[i]:
                    yield Problem(
                        file,
                        row,
                        cols[2],
                        f"span {s[i]}-{e[i]} overlaps non-article text {a}-{b} of {sf}",
                        LAYER,
                        "evidence-in-non-article-span",
                    )


def parse_spans(text: str) -> list[tuple[int, int]]:
    """The ``start-end`` spans of a ``non_article_spans`` cell.

    Malformed parts are skipped: the column's pattern constraint reports them, with
    their row, and the other checks must not stop on them.
    """
    out = []
    for part in filter(None, text.split(";")):
        m = _SPAN.fullmatch(part)
        if m:
            out.append((int(m[1]), int(m[2])))
    return out


def check_sources(file: str, frame: pd.DataFrame) -> Iterator[Problem]:
    if not _has(frame, "content_start", "content_end", "non_article_spans", "outlet", "outlet_basis"):
        return
    for row, cs, ce, spans, outlet, basis in _rows(
        frame, "content_start", "content_end", "non_article_spans", "outlet", "outlet_basis"
    ):
        if cs is not None and ce is not None and cs >= ce:
            yield Problem(
                file, row, "content_start", f"{cs} is not before content_end {ce}", LAYER, "content-range-order"
            )
        for a, b in parse_spans(spans or ""):
            if a >= b or (cs is not None and a < cs) or (ce is not None and b > ce):
                yield Problem(
                    file,
                    row,
                    "non_article_spans",
                    f"span {a}-{b} is empty or outside the body",
                    LAYER,
                    "non-article-span-invalid",
                )
        if (outlet is None) != (basis is None):
            yield Problem(
                file, row, "outlet_basis", "must be given exactly when outlet is given", LAYER, "outlet-basis-mismatch"
            )


#: Code points that leave a text in NFC whatever stands beside them: Latin (U+0000-U+02FF) and
#: General Punctuation but its two singleton spaces (U+2002-U+206F: curly quotes, dashes, ellipsis).
#: Each is a starter (combining class 0) that NFC keeps as it is and that never ends a composition;
#: Unicode's stability policy keeps it so, and a test proves it against Python's Unicode database.
PLAIN = ((0x0000, 0x02FF), (0x2002, 0x206F))


def plain(texts: pa.Array) -> np.ndarray:
    """For each text (none missing), whether all its characters are :data:`PLAIN`: then it is in NFC.

    Read from the UTF-8 bytes: a byte from 0xCC up leads a character from U+0300 up, and
    of those only ``E2 80 82`` to ``E2 81 AF`` (U+2002-U+206F) are plain.
    """
    import numpy as np

    offsets, data = arrowtext.offsets(texts), arrowtext.data(texts)
    high = offsets[0] + np.flatnonzero(data[offsets[0] : offsets[-1]] >= 0xCC)
    second = data[np.minimum(high + 1, len(data) - 1)]
    third = data[np.minimum(high + 2, len(data) - 1)]
    punctuation = (data[high] == 0xE2) & (((second == 0x80) & (third >= 0x82)) | ((second == 0x81) & (third <= 0xAF)))
    out = np.ones(len(texts), dtype=bool)
    out[np.searchsorted(offsets, high[~punctuation], side="right") - 1] = False
    return out


def contains(texts: pa.Array, parts: pa.Array) -> np.ndarray:
    """For each row (none missing), whether the part occurs in the text as they stand.

    Searched as UTF-8 bytes within one bytes object of all the texts, which finds the
    same as searching characters: UTF-8 is self-synchronising (a character's bytes never
    occur inside another character's or across two).
    """
    import numpy as np
    import pyarrow as pa

    offsets = arrowtext.offsets(texts)
    blob = arrowtext.data(texts)[offsets[0] : offsets[-1]].tobytes()
    at = (offsets - offsets[0]).tolist()
    found = map(blob.find, parts.cast(pa.large_binary()).to_pylist(), at[:-1], at[1:])
    return np.fromiter(found, dtype=np.int64, count=len(texts)) >= 0


def check_quotes(file: str, frame: pd.DataFrame) -> Iterator[Problem]:
    """A quote lies inside its evidence after both are folded (:func:`fold_many`)."""
    if _has(frame, "quote", "evidence"):
        yield from check_inside_evidence(
            file,
            frame,
            "quote",
            "is not inside evidence (the quote must be the speaker's words as they stand in the excerpt)",
            "quote-not-in-evidence",
        )


def check_inside_evidence(
    file: str, frame: pd.DataFrame, column: str, message: str, code: str, where: np.ndarray | None = None
) -> Iterator[Problem]:
    """Each cell of ``column`` (in the rows ``where``, default all) lies inside the row's evidence after both are folded.

    Whole columns, a batch of rows at a time (zero-copy slices of the Arrow columns, so the
    texts of the rows folded here never exist for a whole column at once). A missing cell
    (either side) is not checked.
    """
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    table = pa.table({c: arrowtext.column(frame[c]) for c in (column, "evidence")})
    first = 0
    for batch in table.to_batches(max_chunksize=65_536):
        part, evidence = batch.column(0), batch.column(1)
        both = np.asarray(pc.and_(part.is_valid(), evidence.is_valid()), dtype=bool)
        if where is not None:
            both &= where[first : first + batch.num_rows]
        rows, first = first + np.flatnonzero(both), first + batch.num_rows
        if len(rows) < len(both):
            part, evidence = part.filter(pa.array(both)), evidence.filter(pa.array(both))
        # A part inside the evidence as they stand, both in NFC, is inside it after folding
        # too: folding then maps characters one by one (no mapping makes or removes
        # whitespace), collapses whole runs of whitespace (a run inside the part is a whole
        # run of the evidence) and trims the ends. Plain evidence is in NFC, and so is a
        # part inside it (its characters are plain too); other texts are asked one by one
        # (cheaper than folding them). Only the rows left are folded.
        inside = contains(evidence, part)
        sure = inside & plain(evidence)
        ask = np.flatnonzero(inside & ~sure)
        pairs = zip(part.take(ask).to_pylist(), evidence.take(ask).to_pylist(), strict=True)
        sure[ask] = [is_normalized("NFC", e) and is_normalized("NFC", p) for p, e in pairs]
        rest = np.flatnonzero(~sure)
        folded_p = fold_many(part.take(rest).to_pylist())
        folded_e = fold_many(evidence.take(rest).to_pylist())
        for k, q, e in zip(rest.tolist(), folded_p, folded_e, strict=True):
            if q not in e:
                yield Problem(file, int(frame.index[rows[k]]) + 2, column, message, LAYER, code)


#: The source's own words outside quote and evidence, per table: (column, the basis column that
#: must say ``stated`` for the words to be required inside the excerpt, or None: always).
SOURCE_WORDS: dict[str, list[tuple[str, str | None]]] = {
    "events": [("date_text", "date_basis")],
    "statements": [("date_text", "date_basis")],
    "statistics": [("value_text", None), ("period_text", "period_basis")],
}


def check_source_words(file: str, frame: pd.DataFrame, columns: list[tuple[str, str | None]]) -> Iterator[Problem]:
    """The source's words for a value, or for a date the source states, lie inside the row's excerpt."""

    for column, basis in columns:
        if not _has(frame, column, "evidence") or (basis is not None and basis not in frame.columns):
            continue
        where = None if basis is None else (frame[basis] == "stated").fillna(False).to_numpy(dtype=bool)
        if basis is None:
            message = (
                f"is not inside evidence ({column} is the figure as the source writes it: the excerpt must hold it)"
            )
        else:
            message = f"is not inside evidence ({basis} is stated, so {column}, the source's words for it, must be in the excerpt)"
        yield from check_inside_evidence(
            file,
            frame,
            column,
            message,
            "source-words-not-in-evidence",
            where,
        )


def check_statistics(file: str, frame: pd.DataFrame, raw: pd.DataFrame) -> Iterator[Problem]:
    """Flags, qualifiers and values agree; a derived value recomputes from its formula.

    The flag and qualifier conditions are computed for whole columns; formulas are
    evaluated for the derived rows only, and only failing rows are worded.
    """
    cols = ("stat_id", "value", "value_qualifier", "is_derived", "derivation")
    if not _has(frame, *cols) or "value" not in raw.columns:
        return
    import numpy as np

    flag = frame["is_derived"]
    known = flag.notna().to_numpy()
    derived = known & flag.fillna(False).to_numpy(dtype=bool)
    formula = frame["derivation"].notna().to_numpy()
    value = frame["value"].notna().to_numpy()
    qual = frame["value_qualifier"].astype(object)
    computed = (qual == "computed").to_numpy(dtype=bool)
    no_number = qual.isin(NO_NUMBER).to_numpy(dtype=bool)
    flag_off = known & (derived != formula)
    qual_off = known & ~flag_off & (computed != derived)
    value_off = known & ~flag_off & (no_number == value)
    check = flag_off | qual_off | value_off | (derived & formula)
    values: dict[str, float | None] = {}
    if (derived & formula).any():
        ids = frame["stat_id"].astype(object).tolist()
        numbers = frame["value"].astype(object).where(frame["value"].notna(), None).tolist()
        values = {
            sid: (None if v is None else float(v)) for sid, v in zip(ids, numbers, strict=True) if sid is not None
        }
    at = np.flatnonzero(check)
    formulas, written_values = frame["derivation"].iloc[at].tolist(), raw["value"].iloc[at].tolist()
    for i, formula_text, written_value in zip(at.tolist(), formulas, written_values, strict=True):
        row = int(frame.index[i]) + 2
        if flag_off[i]:
            yield Problem(
                file,
                row,
                "derivation",
                "must be given exactly when is_derived is true",
                LAYER,
                "derivation-flag-mismatch",
            )
            continue
        if qual_off[i]:
            yield Problem(
                file,
                row,
                "value_qualifier",
                "must be 'computed' exactly when is_derived is true",
                LAYER,
                "computed-qualifier-mismatch",
            )
        if value_off[i]:
            yield Problem(
                file,
                row,
                "value",
                f"must be empty exactly when value_qualifier is one of {', '.join(NO_NUMBER)}",
                LAYER,
                "value-presence-mismatch",
            )
        if not (derived[i] and formula[i]):
            continue
        text, written = str(formula_text), str(written_value)
        try:
            result = evaluate(text, values)
        except DerivationError as exc:
            yield Problem(file, row, "derivation", str(exc), LAYER, "derivation-invalid")
            continue
        if not value[i] or not agrees(written, result):
            yield Problem(
                file,
                row,
                "value",
                f"{written or '(empty)'} does not recompute: {text} = {result:.6g}",
                LAYER,
                "derivation-mismatch",
            )


def check_occurrences(file: str, frame: pd.DataFrame) -> Iterator[Problem]:
    """One row per occurrence and source: two rows of one source may not share an occurrence."""
    if not _has(frame, "occurrence_id", "source_file"):
        return
    seen: dict[tuple[str, str], int] = {}
    repeated = frame.duplicated(["occurrence_id", "source_file"], keep=False).to_numpy()
    for row, occ, sf in _rows(frame.loc[repeated, ["occurrence_id", "source_file"]], "occurrence_id", "source_file"):
        if occ is None or sf is None:
            continue
        if (occ, sf) in seen:
            yield Problem(
                file,
                row,
                "occurrence_id",
                f"{occ} is already reported from {sf} in row {seen[(occ, sf)]}; one row per occurrence and source",
                LAYER,
                "occurrence-repeated",
            )
        else:
            seen[(occ, sf)] = row


def check_related(
    file: str, frame: pd.DataFrame, frames: dict[str, pd.DataFrame], pks: dict[str, list[str]]
) -> Iterator[Problem]:
    """Every id in related_ids is the primary key of a row of some table (sources aside)."""
    if "related_ids" not in frame.columns:
        return
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    ids = pc.split_pattern(arrowtext.column(frame["related_ids"]), ";")
    flat = pc.list_flatten(ids)
    # The keys of each table are looked up among the few distinct ids named (a small hash
    # set): no set of every key of every table is built.
    named = pc.unique(flat)
    found = np.zeros(len(named), dtype=bool)
    for name, df in frames.items():
        if name != "sources" and len(pk := pks.get(name, [])) == 1 and pk[0] in df.columns:
            found[np.asarray(pc.index_in(arrowtext.column(df[pk[0]]), value_set=named).drop_null())] = True
    unknown = np.asarray(pc.not_equal(flat, ""), dtype=bool) & ~found[np.asarray(pc.index_in(flat, value_set=named))]
    rows = np.asarray(pc.list_parent_indices(ids))
    bad = np.flatnonzero(unknown)
    for k, rid in zip(bad.tolist(), flat.take(pa.array(bad)).to_pylist(), strict=True):
        yield Problem(
            file,
            int(frame.index[rows[k]]) + 2,
            "related_ids",
            f"{show(rid)} is not an id of any table",
            LAYER,
            "related-id-unknown",
        )


@rule(
    "date-disagrees-with-edtf",
    LAYER,
    "date-start-after-end",
    "date-without-edtf",
    "date-basis-required",
    "edtf-invalid",
)
def dates(ctx: Context) -> Iterator[Problem]:
    """EDTF dates, their first and last days, and their basis agree."""
    for name, frame in ctx.typed.items():
        yield from check_dates(name, ctx.files[name], frame)


@rule(
    "evidence-outside-body",
    LAYER,
    "evidence-incomplete",
    "evidence-range-order",
    "evidence-in-non-article-span",
)
def evidence_ranges(ctx: Context) -> Iterator[Problem]:
    """Evidence offsets are ordered, inside the source's article body, outside non-article spans."""
    bodies = _bodies(ctx.typed.get("sources"))
    for name, frame in ctx.typed.items():
        yield from check_evidence_ranges(name, ctx.files[name], frame, bodies)


@rule("content-range-order", LAYER, "non-article-span-invalid", "outlet-basis-mismatch")
def source_rows(ctx: Context) -> Iterator[Problem]:
    """A source's body range, non-article spans and outlet basis are consistent."""
    if "sources" in ctx.typed:
        yield from check_sources(ctx.files["sources"], ctx.typed["sources"])


@rule("quote-not-in-evidence", LAYER)
def quotes(ctx: Context) -> Iterator[Problem]:
    """A statement's quote lies inside its evidence (after folding)."""
    if "statements" in ctx.typed:
        yield from check_quotes(ctx.files["statements"], ctx.typed["statements"])


@rule("source-words-not-in-evidence", LAYER)
def source_words(ctx: Context) -> Iterator[Problem]:
    """A figure's words, and a stated date's words, lie inside the row's evidence (after folding)."""
    for name, columns in SOURCE_WORDS.items():
        if name in ctx.typed:
            yield from check_source_words(ctx.files[name], ctx.typed[name], columns)


@rule(
    "derivation-mismatch",
    LAYER,
    "derivation-flag-mismatch",
    "computed-qualifier-mismatch",
    "value-presence-mismatch",
    "derivation-invalid",
)
def statistics(ctx: Context) -> Iterator[Problem]:
    """Derived figures recompute from their formula; qualifiers agree with values."""
    if "statistics" in ctx.typed and "statistics" in ctx.strings:
        frame = ctx.strings["statistics"].frame
        if frame is not None:
            yield from check_statistics(ctx.files["statistics"], ctx.typed["statistics"], frame)


@rule("occurrence-repeated", LAYER)
def occurrences(ctx: Context) -> Iterator[Problem]:
    """One event row per occurrence and source."""
    if "events" in ctx.typed:
        yield from check_occurrences(ctx.files["events"], ctx.typed["events"])


@rule("related-id-unknown", LAYER)
def related(ctx: Context) -> Iterator[Problem]:
    """Every id in a discrepancy's related_ids names a row of some table."""
    if any(n not in ctx.typed for n in ctx.schemas if n != "sources"):
        return  # an id may be a key of a table that could not be read: its own problems say why
    if "discrepancies" in ctx.typed:
        pks = {n: s.primary_key for n, s in ctx.schemas.items()}
        yield from check_related(ctx.files["discrepancies"], ctx.typed["discrepancies"], ctx.typed, pks)
