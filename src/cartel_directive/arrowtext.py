"""The reader's text columns as Arrow chunks, and numpy views of their buffers.

The one place that opens a text column's Arrow storage (value offsets, UTF-8 data,
string views): the rules that work on bytes (hygiene's character classes, the typing
step's digits) read the column's UTF-8 and value offsets here, without a copy where
pandas keeps the column in Arrow (the reader's columns whenever pyarrow is installed);
provenance gathers excerpts and cuts of the archive as string views, and the damaged
profile's repair splits and joins a file's bytes, here too. pyarrow is imported only
when called.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd


def chunks(col: pd.Series) -> list[Any]:
    """The column's Arrow (large_)string chunks: its own buffers when Arrow-backed, else converted once."""
    import numpy as np
    import pyarrow as pa

    values = col.array
    if hasattr(values, "__arrow_array__"):
        arrow = pa.array(values)  # pandas' __arrow_array__: the same buffers, chunks never combined
    else:  # str without pyarrow storage, or object
        arrow = pa.array(np.asarray(values, dtype=object), type=pa.large_string(), from_pandas=True)
    return list(arrow.chunks) if isinstance(arrow, pa.ChunkedArray) else [arrow]


def column(col: pd.Series) -> Any:
    """The column as one pyarrow ChunkedArray of its :func:`chunks` (no copy; none combined)."""
    import pyarrow as pa

    parts = chunks(col)
    return pa.chunked_array(parts, type=parts[0].type) if parts else pa.chunked_array([], pa.large_string())


def offsets(chunk: Any) -> np.ndarray:
    """The chunk's value offsets as a numpy view (``len + 1`` values; int32 or int64 as stored)."""
    import numpy as np
    import pyarrow as pa

    kind = np.int64 if pa.types.is_large_string(chunk.type) else np.int32
    return np.frombuffer(chunk.buffers()[1], dtype=kind, count=chunk.offset + len(chunk) + 1)[chunk.offset :]


def data(chunk: Any) -> np.ndarray:
    """The chunk's UTF-8 bytes as a numpy view (empty when no cell has a byte)."""
    import numpy as np

    buffer = chunk.buffers()[2]
    return np.frombuffer(buffer, dtype=np.uint8) if buffer is not None else np.zeros(0, dtype=np.uint8)


def split(data: bytes, bounds: np.ndarray) -> Any:
    """``data`` cut at the byte offsets ``bounds`` (ascending, from 0 to ``len(data)``) as an Arrow
    large_string array over the same bytes (no copy; not validated as UTF-8)."""
    import numpy as np
    import pyarrow as pa

    at = np.ascontiguousarray(bounds, dtype=np.int64)
    return pa.Array.from_buffers(pa.large_string(), len(at) - 1, [None, pa.py_buffer(at), pa.py_buffer(data)])


def text(chunk: Any) -> bytes:
    """The UTF-8 bytes of the chunk's cells, end to end (one copy of them, nothing more)."""
    at = offsets(chunk)
    return data(chunk)[at[0] : at[-1]].tobytes()


class StringViews:
    """A text column's cells as Arrow string views over the column's own buffers.

    A string view is 16 bytes: the length, then either the text itself (12 bytes or
    fewer) or its first 4 bytes, the index of a data buffer and the offset in it. Cells
    are taken in any order, any number of times, without copying their text.
    """

    def __init__(self, column: Any) -> None:
        import numpy as np
        import pyarrow as pa

        views: list[np.ndarray] = []
        self.buffers: list[Any] = []
        for chunk in column.chunks:
            sv = chunk.cast(pa.string_view())
            v = np.frombuffer(sv.buffers()[1], dtype=np.int32).reshape(-1, 4)[sv.offset : sv.offset + len(sv)].copy()
            v[v[:, 0] > 12, 2] += len(self.buffers)  # a long view's buffer: this chunk's, among all of them
            views.append(v)
            self.buffers += sv.buffers()[2:]
        #: one 16-byte record a cell
        self.views = np.concatenate(views).view("V16").ravel() if views else np.zeros(0, dtype="V16")

    def lengths(self, idx: np.ndarray) -> np.ndarray:
        """The byte lengths of cells ``idx``."""
        return self.views[idx].view("int32")[::4]

    def take(self, idx: np.ndarray) -> Any:
        """Cells ``idx`` as a string_view array (their views gathered; no text copied; a missing cell is empty)."""
        import pyarrow as pa

        return pa.Array.from_buffers(pa.string_view(), len(idx), [None, pa.py_buffer(self.views[idx]), *self.buffers])


def cuts(data: bytes, at: np.ndarray, length: np.ndarray) -> Any:
    """``data[at : at + length]`` for each row, as an Arrow string_view array into ``data`` (no copy
    of the long ones; the short ones are held in their views, as the format wants)."""
    import numpy as np
    import pyarrow as pa

    n = len(at)
    arr = np.frombuffer(data, dtype=np.uint8)
    views = np.zeros((n, 4), dtype=np.int32)  # length, then 12 bytes of text, or a 4-byte prefix, buffer, offset
    views[:, 0] = length
    long = np.flatnonzero(length > 12)
    if len(long):
        views[long, 1] = arr[at[long, None] + np.arange(4)].view(np.int32)[:, 0]
        views[long, 3] = at[long]
    short = np.flatnonzero(length <= 12)
    if len(short) and len(arr):
        inline = arr[np.minimum(at[short, None] + np.arange(12), len(arr) - 1)]
        inline[np.arange(12) >= length[short, None]] = 0
        views.view(np.uint8)[short, 4:16] = inline
    return pa.Array.from_buffers(pa.string_view(), n, [None, pa.py_buffer(views), pa.py_buffer(data)])
