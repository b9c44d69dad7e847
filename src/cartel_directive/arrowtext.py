"""The reader's text columns as Arrow chunks, and numpy views of their buffers.

The one place that opens a pandas text column's storage: the rules that work on bytes
(hygiene's character classes, the typing step's digits) read the column's UTF-8 and
value offsets here, without a copy where pandas keeps the column in Arrow (the reader's
columns whenever pyarrow is installed). pyarrow is imported only when called.
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
