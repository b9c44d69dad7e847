"""Layer 2, continued: rules across columns and tables that no Table Schema can express."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterator
from typing import TYPE_CHECKING

from ..boundary import show
from ..dates import EDTFError, edtf_bounds
from ..derivation import DerivationError, agrees, evaluate
from ..problems import Problem
from ..rules import Context, rule
from ..textfold import fold, fold_many

if TYPE_CHECKING:
    import pandas as pd

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


_EPOCH = dt.date(1970, 1, 1)
_NAT = -(2**63)  # datetime64 NaT as int64: stands for "no day" on both sides of a comparison
_SINGLE = r"([0-9]{4})(?:-([0-9]{2})(?:-([0-9]{2}))?)?[~?%]?"
_EDTF_FAST = re.compile(rf"(?:{_SINGLE}|\.\.)(?:/(?:{_SINGLE}|\.\.))?")
_BOUNDS: dict[str, tuple[dt.date | None, dt.date | None] | str] = {}


def _single(y: str, m: str | None, d: str | None) -> tuple[dt.date, dt.date] | None:
    year = int(y)
    if year < 1:
        return None
    if m is None:
        return dt.date(year, 1, 1), dt.date(year, 12, 31)
    month = int(m)
    if not 1 <= month <= 12:
        return None
    if d is None:
        nxt = dt.date(year + 1, 1, 1) if month == 12 else dt.date(year, month + 1, 1)
        return dt.date(year, month, 1), nxt - dt.timedelta(days=1)
    try:
        day = dt.date(year, month, int(d))
    except ValueError:
        return None
    return day, day


def _fast_bounds(value: str) -> tuple[dt.date | None, dt.date | None] | None:
    """Bounds of the common EDTF forms (day, month, year, qualified, intervals); None: ask the library."""
    m = _EDTF_FAST.fullmatch(value)
    if m is None:
        return None
    y1, m1, d1, y2, m2, d2 = m.groups()
    interval = "/" in value
    if not interval:
        return _single(y1, m1, d1) if y1 else None
    if y1 is None and y2 is None:
        return None
    first = _single(y1, m1, d1) if y1 else (None, None)
    last = _single(y2, m2, d2) if y2 else (None, None)
    if first is None or last is None:
        return None
    lo, hi = first[0], last[1]
    if lo is not None and hi is not None and lo > hi:
        return None
    return lo, hi


def bounds(value: str) -> tuple[dt.date | None, dt.date | None]:
    """:func:`dates.edtf_bounds`, memoised, with a fast path for the common forms (same results)."""
    hit = _BOUNDS.get(value)
    if hit is None:
        try:
            hit = _fast_bounds(value) or edtf_bounds(value)
        except EDTFError as exc:
            hit = str(exc)
        _BOUNDS[value] = hit
    if isinstance(hit, str):
        raise EDTFError(hit)
    return hit


def _days(d: dt.date | None) -> int:
    return _NAT if d is None else (d - _EPOCH).days


def _day_numbers(col: pd.Series):
    """A date column as int64 days since 1970 (NaT as :data:`_NAT`)."""
    return col.to_numpy(dtype="datetime64[ns]").astype("datetime64[D]").astype("int64")


def _rows(frame: pd.DataFrame, *cols: str) -> Iterator[tuple]:
    """(row number, values...) for each row, with missing values as None."""

    data = [frame[c].astype(object).where(frame[c].notna(), None).tolist() for c in cols]
    for i, values in enumerate(zip(*data, strict=False)):
        yield (int(frame.index[i]) + 2, *values)


def _has(frame: pd.DataFrame, *cols: str) -> bool:
    return all(c in frame.columns for c in cols)


def check_dates(name: str, file: str, frame: pd.DataFrame) -> Iterator[Problem]:
    for col, basis in DATE_BLOCKS.get(name, []):
        start, end = f"{col}_start", f"{col}_end"
        if not _has(frame, col, start, end, basis):
            continue
        suspect = _date_suspects(frame, col, start, end, basis)
        for row, value, lo, hi, how in _rows(frame[suspect], col, start, end, basis):
            lo = lo.date() if lo is not None else None
            hi = hi.date() if hi is not None else None
            if lo is not None and hi is not None and lo > hi:
                yield Problem(file, row, start, f"{lo} is after {end} {hi}", LAYER, "date-start-after-end")
            if value is None:
                for c, v in ((start, lo), (end, hi), (basis, how)):
                    if v is not None:
                        yield Problem(file, row, c, f"must be empty when {col} is empty", LAYER, "date-without-edtf")
                continue
            if how is None:
                yield Problem(
                    file,
                    row,
                    basis,
                    f"is required when {col} is given (stated or inferred)",
                    LAYER,
                    "date-basis-required",
                )
            try:
                want_lo, want_hi = bounds(value)
            except EDTFError as exc:
                yield Problem(file, row, col, str(exc), LAYER, "edtf-invalid")
                continue
            if lo != want_lo:
                yield Problem(
                    file,
                    row,
                    start,
                    f"{lo or '(empty)'} disagrees with {col} {value!r}, whose first day is {want_lo or '(open)'}",
                    LAYER,
                    "date-disagrees-with-edtf",
                )
            if hi != want_hi:
                yield Problem(
                    file,
                    row,
                    end,
                    f"{hi or '(empty)'} disagrees with {col} {value!r}, whose last day is {want_hi or '(open)'}",
                    LAYER,
                    "date-disagrees-with-edtf",
                )


def _date_suspects(frame: pd.DataFrame, col: str, start: str, end: str, basis: str):
    """Rows that may yield a date problem (a superset); every other row passes every date rule."""
    import numpy as np
    import pandas as pd

    value = frame[col]
    lo, hi = _day_numbers(frame[start]), _day_numbers(frame[end])
    want_lo = np.full(len(frame), _NAT, dtype="int64")
    want_hi = want_lo.copy()
    bad = np.zeros(len(frame), dtype=bool)
    codes, uniques = pd.factorize(value, use_na_sentinel=True)
    ulo, uhi, ubad = (np.empty(len(uniques), dtype="int64") for _ in range(3))
    for k, v in enumerate(uniques):
        try:
            a, b = bounds(str(v))
            ulo[k], uhi[k], ubad[k] = _days(a), _days(b), 0
        except EDTFError:
            ulo[k], uhi[k], ubad[k] = _NAT, _NAT, 1
    given = codes >= 0
    want_lo[given], want_hi[given], bad[given] = ulo[codes[given]], uhi[codes[given]], ubad[codes[given]].astype(bool)
    how = frame[basis].notna().to_numpy()
    both = (lo != _NAT) & (hi != _NAT)
    return (
        (both & (lo > hi))
        | (~given & ((lo != _NAT) | (hi != _NAT) | how))
        | (given & (~how | bad | (lo != want_lo) | (hi != want_hi)))
    )


def check_evidence_ranges(name: str, file: str, frame: pd.DataFrame, sources: pd.DataFrame | None) -> Iterator[Problem]:
    """Offsets are ordered, lie inside the source's article body and avoid non-article spans."""
    bodies: dict[str, tuple[int, int, list[tuple[int, int]]]] = {}
    if sources is not None and _has(sources, "source_file", "content_start", "content_end", "non_article_spans"):
        for _, sf, cs, ce, spans in _rows(sources, "source_file", "content_start", "content_end", "non_article_spans"):
            if sf is None or cs is None or ce is None:
                continue
            bodies[sf] = (int(cs), int(ce), parse_spans(spans or ""))
    for prefix in EVIDENCE_BLOCKS.get(name, []):
        cols = [f"{prefix}source_file", f"{prefix}evidence", f"{prefix}evidence_start", f"{prefix}evidence_end"]
        if not _has(frame, *cols):
            continue
        suspect = _range_suspects(frame, cols, bool(prefix), bodies)
        for row, sf, ev, s, e in _rows(frame[suspect], *cols):
            given = [v is not None for v in (sf, ev, s, e)]
            if prefix and any(given) and not all(given):
                missing = [c for c, g in zip(cols, given, strict=False) if not g]
                yield Problem(
                    file,
                    row,
                    missing[0],
                    "the other side's evidence block must be complete or wholly empty",
                    LAYER,
                    "evidence-incomplete",
                )
                continue
            if s is None or e is None:
                continue
            s, e = int(s), int(e)
            if s >= e:
                yield Problem(file, row, cols[2], f"{s} is not before {cols[3]} {e}", LAYER, "evidence-range-order")
                continue
            if sf in bodies:
                cs, ce, spans = bodies[sf]
                if s < cs or e > ce:
                    yield Problem(
                        file,
                        row,
                        cols[2],
                        f"span {s}-{e} lies outside the article body of {sf} ({cs}-{ce})",
                        LAYER,
                        "evidence-outside-body",
                    )
                for a, b in spans:
                    if s < b and a < e:
                        yield Problem(
                            file,
                            row,
                            cols[2],
                            f"span {s}-{e} overlaps non-article text {a}-{b} of {sf}",
                            LAYER,
                            "evidence-in-non-article-span",
                        )


def _range_suspects(frame: pd.DataFrame, cols: list[str], other: bool, bodies: dict):
    """Rows that may yield an evidence-range problem (a superset of them)."""
    import numpy as np

    given = np.column_stack([frame[c].notna().to_numpy() for c in cols])
    out = other & given.any(axis=1) & ~given.all(axis=1)
    both = given[:, 2] & given[:, 3]
    s = frame[cols[2]].to_numpy(dtype="float64", na_value=np.nan)
    e = frame[cols[3]].to_numpy(dtype="float64", na_value=np.nan)
    with np.errstate(invalid="ignore"):
        out |= both & (s >= e)
        sf = frame[cols[0]]
        cs = sf.map({k: v[0] for k, v in bodies.items()}).to_numpy(dtype="float64", na_value=np.nan)
        ce = sf.map({k: v[1] for k, v in bodies.items()}).to_numpy(dtype="float64", na_value=np.nan)
        out |= both & ((s < cs) | (e > ce))  # NaN (source without a body) compares False
        most = max((len(v[2]) for v in bodies.values()), default=0)
        for k in range(most):
            a = sf.map({n: v[2][k][0] for n, v in bodies.items() if len(v[2]) > k}).to_numpy(
                dtype="float64", na_value=np.nan
            )
            b = sf.map({n: v[2][k][1] for n, v in bodies.items() if len(v[2]) > k}).to_numpy(
                dtype="float64", na_value=np.nan
            )
            out |= both & (s < b) & (a < e)
    return out


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


def check_quotes(file: str, frame: pd.DataFrame) -> Iterator[Problem]:
    if not _has(frame, "quote", "evidence"):
        return
    import numpy as np

    both = (frame["quote"].notna() & frame["evidence"].notna()).to_numpy()
    quotes = frame["quote"].to_numpy(dtype=object)[both]
    evidence = frame["evidence"].to_numpy(dtype=object)[both]
    # A quote inside the evidence as they stand, both already in NFC, is inside it after
    # folding too: folding then maps characters one by one (no mapping makes or removes
    # whitespace), collapses whole runs of whitespace (a run inside the quote is a whole
    # run of the evidence) and trims the ends. Only the other rows are folded.
    inside = np.fromiter(
        (
            q in e and unicodedata.is_normalized("NFC", e) and unicodedata.is_normalized("NFC", q)
            for q, e in zip(quotes.tolist(), evidence.tolist(), strict=True)
        ),
        dtype=bool,
        count=len(quotes),
    )
    rest = np.flatnonzero(~inside)
    if len(rest):
        folded = zip(fold_many(quotes[rest].tolist()), fold_many(evidence[rest].tolist()), strict=True)
        inside[rest] = np.fromiter((q in e for q, e in folded), dtype=bool, count=len(rest))
    suspect = both.copy()
    suspect[both] = ~inside
    for row, quote, evidence in _rows(frame[suspect], "quote", "evidence"):
        if quote is not None and evidence is not None and fold(quote) not in fold(evidence):
            yield Problem(
                file,
                row,
                "quote",
                "is not inside evidence (the quote must be the speaker's words as they stand in the excerpt)",
                LAYER,
                "quote-not-in-evidence",
            )


def check_statistics(file: str, frame: pd.DataFrame, raw: pd.DataFrame) -> Iterator[Problem]:
    cols = ("stat_id", "value", "value_qualifier", "is_derived", "derivation")
    if not _has(frame, *cols) or "value" not in raw.columns:
        return
    values = {
        sid: (None if v is None else float(v)) for _, sid, v in _rows(frame, "stat_id", "value") if sid is not None
    }
    value_text = raw["value"].tolist()
    for row, _sid, value, qual, derived, formula in _rows(frame, *cols):
        if derived is None:
            continue
        if bool(derived) != (formula is not None):
            yield Problem(
                file,
                row,
                "derivation",
                "must be given exactly when is_derived is true",
                LAYER,
                "derivation-flag-mismatch",
            )
            continue
        if (qual == "computed") != bool(derived):
            yield Problem(
                file,
                row,
                "value_qualifier",
                "must be 'computed' exactly when is_derived is true",
                LAYER,
                "computed-qualifier-mismatch",
            )
        if (qual in NO_NUMBER) != (value is None):
            yield Problem(
                file,
                row,
                "value",
                f"must be empty exactly when value_qualifier is one of {', '.join(NO_NUMBER)}",
                LAYER,
                "value-presence-mismatch",
            )
        if not derived or formula is None:
            continue
        try:
            result = evaluate(formula, values)
        except DerivationError as exc:
            yield Problem(file, row, "derivation", str(exc), LAYER, "derivation-invalid")
            continue
        if value is None or not agrees(value_text[row - 2], result):
            yield Problem(
                file,
                row,
                "value",
                f"{value_text[row - 2] or '(empty)'} does not recompute: {formula} = {result:.6g}",
                LAYER,
                "derivation-mismatch",
            )


def check_occurrences(file: str, frame: pd.DataFrame) -> Iterator[Problem]:
    """One row per occurrence and source: two rows of one source may not share an occurrence."""
    if not _has(frame, "occurrence_id", "source_file"):
        return
    seen: dict[tuple[str, str], int] = {}
    repeated = frame.duplicated(["occurrence_id", "source_file"], keep=False).to_numpy()
    for row, occ, sf in _rows(frame[repeated], "occurrence_id", "source_file"):
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
    if "related_ids" not in frame.columns:
        return
    known: set[str] = set()
    for name, df in frames.items():
        pk = pks.get(name, [])
        if len(pk) == 1 and pk[0] in df.columns and name != "sources":
            known.update(df[pk[0]].dropna().astype(str).tolist())
    for row, related in _rows(frame, "related_ids"):
        for rid in filter(None, (related or "").split(";")):
            if rid not in known:
                yield Problem(
                    file, row, "related_ids", f"{show(rid)} is not an id of any table", LAYER, "related-id-unknown"
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
    sources = ctx.typed.get("sources")
    for name, frame in ctx.typed.items():
        yield from check_evidence_ranges(name, ctx.files[name], frame, sources)


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
    if "discrepancies" in ctx.typed:
        pks = {n: s.primary_key for n, s in ctx.schemas.items()}
        yield from check_related(ctx.files["discrepancies"], ctx.typed["discrepancies"], ctx.typed, pks)
