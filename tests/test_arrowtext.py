"""arrowtext: the one module that opens a text column's Arrow storage (offsets, data, string views)."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pyarrow as pa
from hypothesis import given
from hypothesis import strategies as st

from cartel_directive import arrowtext

CELLS = st.lists(st.none() | st.text(alphabet=st.sampled_from([*"ab ", "é", "€", "😀"]), max_size=20), max_size=12)


@given(st.lists(CELLS, min_size=1, max_size=3), st.integers(0, 3), st.data())
def test_string_views_take_any_cells_of_any_chunk(chunks: list, skip: int, data) -> None:
    """Cells gathered through their views are the cells, whatever the chunks and their offsets
    (a sliced chunk starts inside its buffers); lengths are their UTF-8 bytes."""
    arrays = [pa.array(c, pa.large_string()) for c in chunks]
    arrays[0] = arrays[0].slice(min(skip, len(arrays[0])))
    column = arrowtext.column(pd.Series(pd.arrays.ArrowStringArray(pa.chunked_array(arrays, pa.large_string()))))
    cells = column.to_pylist()
    views = arrowtext.StringViews(column)
    idx = np.array(data.draw(st.lists(st.integers(0, max(len(cells) - 1, 0)), max_size=20) if cells else st.just([])))
    idx = idx.astype(np.int64)
    assert views.take(idx).to_pylist() == [cells[i] or "" for i in idx]  # a missing cell is taken as empty
    assert views.lengths(idx).tolist() == [len((cells[i] or "").encode()) for i in idx]


@given(st.binary(max_size=60), st.data())
def test_cuts_are_slices_of_the_bytes(blob: bytes, data) -> None:
    text = blob.decode("latin-1").encode("utf-8")  # UTF-8, of any byte values
    n = len(text)
    at = np.array(data.draw(st.lists(st.integers(0, n), max_size=10)), dtype=np.int64)
    length = np.array([data.draw(st.integers(0, n - a)) for a in at.tolist()], dtype=np.int64)
    got = arrowtext.cuts(text, at, length).cast(pa.binary()).to_pylist()
    assert got == [text[a : a + k] for a, k in zip(at.tolist(), length.tolist(), strict=True)]


@given(st.text(max_size=40), st.data())
def test_split_and_text_give_the_bytes_back(s: str, data) -> None:
    raw = s.encode("utf-8")
    bounds = np.array([0, *sorted(data.draw(st.lists(st.integers(0, len(raw)), max_size=6))), len(raw)])
    parts = arrowtext.split(raw, bounds)
    assert parts.cast(pa.large_binary()).to_pylist() == [raw[a:b] for a, b in itertools.pairwise(bounds)]
    assert arrowtext.text(parts) == raw
    assert arrowtext.text(parts.slice(1)) == raw[bounds[1] :]
