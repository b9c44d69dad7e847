"""The loader's fast path (``cartel_directive.fastload``) gives exactly what its exact path gives.

Every test loads the same bytes twice, through ``load``/``load_all`` as they stand (fast
path first) and with the fast path switched off (the exact path alone: ``rawtable.parse``,
``frames.typed_frame``, the categorical conversion), and requires identical frames
(values, dtypes, categories, index) or the identical error. Where the data are valid the
fast path must also have been taken, so the comparison is not vacuous; where a cell is
bad it must have declined, so the message comes from the exact path.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from pathlib import Path
from unittest import mock

import pandas as pd
import pytest
from hypothesis import given, settings

import cartel_directive as cd
from cartel_directive import csvformat, fastload
from cartel_directive.descriptor import TABLES, Package, file_digest
from strategies import PackageSpec, packages, random_package, write_package


def _outcome(call: Callable[[], object]) -> tuple[str, object]:
    try:
        return "ok", call()
    except Exception as exc:  # the error itself is what is compared
        return type(exc).__name__, str(exc)


def _exact(call: Callable[[], object]) -> tuple[str, object]:
    with mock.patch.object(fastload, "frame", lambda schema, data: None):
        return _outcome(call)


def _same_frame(fast: pd.DataFrame, exact: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(fast, exact, check_dtype=True, check_categorical=True, check_exact=True)
    assert list(fast.columns) == list(exact.columns) and fast.columns.dtype == exact.columns.dtype
    assert isinstance(fast.index, pd.RangeIndex) and fast.index.equals(exact.index)
    for c in fast.columns:
        a, b = fast[c].array, exact[c].array
        assert type(a) is type(b), c
        if hasattr(b, "_pa_array"):
            assert a._pa_array.type == b._pa_array.type, c
        if isinstance(b, pd.Categorical):
            assert a.codes.dtype == b.codes.dtype and a.categories.dtype == b.categories.dtype, c
            assert list(a.categories) == list(b.categories) and a.ordered and b.ordered, c


def _same(fast: tuple[str, object], exact: tuple[str, object]) -> None:
    assert fast[0] == exact[0], (fast, exact)
    if fast[0] != "ok":
        assert fast == exact
    elif isinstance(fast[1], dict):
        assert list(fast[1]) == list(exact[1])
        for name in fast[1]:
            _same_frame(fast[1][name], exact[1][name])
    else:
        _same_frame(fast[1], exact[1])


def _fast_taken(root: Path, table: str) -> bool:
    pkg = Package.open(root)
    return fastload.frame(pkg.schemas[table], (pkg.root / pkg.resources[table].path).read_bytes()) is not None


def assert_agree(root: Path, tables: tuple[str, ...] = TABLES, *, taken: bool | None = None) -> None:
    """``load`` and ``load_all`` give the same with and without the fast path."""
    for table in tables:
        _same(_outcome(lambda t=table: cd.load(t, root=root)), _exact(lambda t=table: cd.load(t, root=root)))
        if taken is not None:
            assert _fast_taken(root, table) is taken, table
    _same(_outcome(lambda: cd.load_all(root=root)), _exact(lambda: cd.load_all(root=root)))


# --------------------------------------------------------------------------- valid packages


def test_real_package_fast_path_agrees(root: Path) -> None:
    assert_agree(root, taken=True)


def test_synthetic_package_fast_path_agrees(synthetic_pkg: Path) -> None:
    assert_agree(synthetic_pkg, taken=True)


def test_generated_package_fast_path_agrees(gen: tuple[Path, Path]) -> None:
    assert_agree(gen[0], taken=True)


@settings(max_examples=5)
@given(spec=packages())
def test_hypothesis_packages_fast_path_agrees(spec: PackageSpec, tmp_path_factory: pytest.TempPathFactory) -> None:
    tmp = tmp_path_factory.mktemp("fastload")
    write_package(spec, tmp / "pkg", tmp / "archive")
    assert_agree(tmp / "pkg", taken=True)


def test_large_file_is_read_by_arrow_and_agrees(tmp_path: Path) -> None:
    """A file above the csv.reader threshold goes through pyarrow's reader: same frames."""
    spec = random_package(11)
    write_package(spec, tmp_path / "pkg", tmp_path / "archive")
    pkg = tmp_path / "pkg"
    header, rows = _read(pkg, "statements")
    size = len(csvformat.dumps(header, rows).encode())
    big = rows * (2 * fastload._SMALL // size + 2)
    for i, r in enumerate(big):  # keep the primary key unique (it is not checked without validate)
        r = list(r)
        r[0] = f"st-{i:06d}"
        big[i] = r
    _write(pkg, "statements", header, big)
    assert (pkg / "data" / "statements.csv").stat().st_size >= fastload._SMALL
    assert_agree(pkg, ("statements",), taken=True)


# --------------------------------------------------------------------------- corrupted copies of the real package


def _read(pkg: Path, table: str) -> tuple[list[str], list[list[str]]]:
    rows = list(csv.reader(io.StringIO((pkg / "data" / f"{table}.csv").read_text(encoding="utf-8"), newline="")))
    return rows[0], rows[1:]


def _write(pkg: Path, table: str, header: list[str], rows: list[list[str]]) -> None:
    (pkg / "data" / f"{table}.csv").write_text(csvformat.dumps(header, rows), encoding="utf-8")
    _rehash(pkg, table)


def _write_bytes(pkg: Path, table: str, data: bytes) -> None:
    (pkg / "data" / f"{table}.csv").write_bytes(data)
    _rehash(pkg, table)


def _rehash(pkg: Path, table: str) -> None:
    d = json.loads((pkg / "datapackage.json").read_text(encoding="utf-8"))
    res = next(r for r in d["resources"] if r["name"] == table)
    res["bytes"], res["hash"] = file_digest(pkg / res["path"])
    (pkg / "datapackage.json").write_text(json.dumps(d), encoding="utf-8")


def _set(pkg: Path, table: str, column: str, value: str, row: int = 3) -> None:
    header, rows = _read(pkg, table)
    rows[row][header.index(column)] = value
    _write(pkg, table, header, rows)


#: (table, column, value): cells the exact path refuses; the fast path must decline them.
BAD_CELLS = [
    ("events", "evidence_start", "12x"),
    ("events", "evidence_start", "0x1F"),  # pyarrow would parse it as 31
    ("events", "evidence_start", "1.5"),
    ("events", "evidence_start", "99999999999999999999"),  # beyond Int64
    ("events", "evidence_start", " 12"),
    ("events", "date_start", "2025-02-30"),
    ("events", "date_start", "2025-8-8"),
    ("events", "date_start", "2025-08-08T00:00"),
    ("events", "date_start", "1600-01-01"),  # outside the nanosecond range
    ("events", "date_start", "1677-12-31"),  # inside it, outside the package's
    ("events", "date_start", "2262-01-01"),
    ("events", "event_type", "bogus"),
    ("events", "event_type", "Directive"),
    ("statistics", "value", "abc"),
    ("statistics", "value", "1,5"),
    ("statistics", "is_derived", "yes"),
    ("statistics", "unit", "kilograms"),
]


@pytest.mark.parametrize(("table", "column", "value"), BAD_CELLS)
def test_bad_cell_gives_the_exact_error(pkg_copy: Path, table: str, column: str, value: str) -> None:
    _set(pkg_copy, table, column, value)
    assert not _fast_taken(pkg_copy, table)
    fast = _outcome(lambda: cd.load(table, root=pkg_copy))
    assert fast[0] == "DataError" and f":5:{column}:" in str(fast[1])
    assert_agree(pkg_copy, (table,))


#: (table, column, value): unusual but valid cells; either path, the same frame.
ODD_CELLS = [
    ("events", "evidence_start", "007"),
    ("events", "evidence_start", "+5"),
    ("events", "evidence_start", "-3"),
    ("events", "evidence_start", "9223372036854775807"),
    ("events", "evidence_start", ""),
    ("events", "date_start", "1678-01-01"),
    ("events", "date_start", "2261-12-31"),
    ("events", "date_start", "2024-02-29"),
    ("events", "summary", ""),
    ("events", "summary", 'a "quoted", multi-line\ncell'),
    ("events", "summary", "ü €  \u2028 tail"),
    ("statistics", "value", "1e3"),
    ("statistics", "value", "-0"),
    ("statistics", "value", "-0.0"),
    ("statistics", "value", "0.1"),
    ("statistics", "value", ".5"),
    ("statistics", "value", "5."),
    ("statistics", "value", "+2.25"),
    ("statistics", "value", "123456789012345678901234567890"),
    ("statistics", "value", "0.30000000000000004"),
    ("statistics", "value", "-12.75"),
    ("statistics", "is_derived", "TRUE"),
    ("statistics", "is_derived", "0"),
    ("statistics", "is_derived", ""),
    ("statistics", "unit", ""),
]


@pytest.mark.parametrize(("table", "column", "value"), ODD_CELLS)
def test_odd_valid_cell_gives_the_same_frame(pkg_copy: Path, table: str, column: str, value: str) -> None:
    _set(pkg_copy, table, column, value)
    assert _outcome(lambda: cd.load(table, root=pkg_copy))[0] == "ok"
    assert_agree(pkg_copy, (table,))


def _ragged(data: bytes) -> bytes:
    lines = data.split(b"\n")
    lines[2] = lines[2].rsplit(b",", 1)[0]
    return b"\n".join(lines)


def _extra_cell(data: bytes) -> bytes:
    lines = data.split(b"\n")
    lines[2] += b",extra"
    return b"\n".join(lines)


#: Whole-file damage, as bytes -> bytes.
DAMAGE: dict[str, Callable[[bytes], bytes]] = {
    "bom": lambda d: b"\xef\xbb\xbf" + d,
    "crlf": lambda d: d.replace(b"\n", b"\r\n"),
    "cr_in_one_row": lambda d: d.replace(b"\n", b"\r\n", 3),
    "not_utf8": lambda d: d.replace(b"ev-0003", b"ev-\xff003", 1),
    "latin1": lambda d: d.decode("utf-8").encode("latin-1", errors="replace"),
    "ragged_short": _ragged,
    "ragged_long": _extra_cell,
    "blank_line": lambda d: d.replace(b"\n", b"\n\n", 3).replace(b"\n\n", b"\n", 2),
    "no_final_newline": lambda d: d[:-1],
    "unclosed_quote": lambda d: d + b'ev-9999,"open\n',
    "stray_quote": lambda d: d.replace(b",directive,", b',dir"ective,', 1),
    "nul": lambda d: d.replace(b"ev-0003", b"ev-\x00003", 1),
    "header_renamed": lambda d: d.replace(b"event_type", b"eventtype", 1),
    "header_only": lambda d: d.split(b"\n", 1)[0] + b"\n",
    "empty": lambda d: b"",
}


@pytest.mark.parametrize("name", sorted(DAMAGE))
def test_damaged_file_gives_the_same_result(pkg_copy: Path, name: str) -> None:
    file = pkg_copy / "data" / "events.csv"
    _write_bytes(pkg_copy, "events", DAMAGE[name](file.read_bytes()))
    outcome = _outcome(lambda: cd.load("events", root=pkg_copy))
    if name not in ("header_only", "nul"):  # the loader accepts both (the validator's hygiene layer does not)
        assert outcome[0] == "DataError", outcome
        assert not _fast_taken(pkg_copy, "events")
    assert_agree(pkg_copy, ("events",))


def test_validate_true_never_takes_the_fast_path(root: Path) -> None:
    with mock.patch.object(fastload, "frame", side_effect=AssertionError("fast path used")):
        cd.load("events", validate=True, root=root)


def test_tampered_file_is_refused_before_either_path(pkg_copy: Path) -> None:
    file = pkg_copy / "data" / "events.csv"
    file.write_bytes(file.read_bytes().replace(b"ev-0003", b"ev-0004", 1))
    with (
        mock.patch.object(fastload, "frame", side_effect=AssertionError("fast path used")),
        pytest.raises(cd.IntegrityError, match=r"does not match datapackage\.json"),
    ):
        cd.load("events", root=pkg_copy)
