"""The one UTF-8 decision (:mod:`cartel_directive.utf8`) and the three places that ask it."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from cartel_directive import reader, utf8
from cartel_directive.build import BuildError, build
from cartel_directive.validate import validate

#: bytes that decide UTF-8 well-formedness: ASCII, continuation ranges' edges, every kind of first byte
UTF8_BYTES = st.lists(
    st.sampled_from([0x41, 0x0A, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xC1, 0xC2, 0xDF, 0xE0, 0xE1])
    | st.sampled_from([0xEC, 0xED, 0xEE, 0xEF, 0xF0, 0xF1, 0xF3, 0xF4, 0xF5, 0xFF]),
    max_size=40,
).map(bytes)


def _python_errors(data: bytes) -> list[tuple[int, int, str]]:
    """What Python's decoder says of the whole bytes, and of the rest after each bad sequence."""
    out, pos = [], 0
    while True:
        try:
            data[pos:].decode("utf-8")
            return out
        except UnicodeDecodeError as exc:
            out.append((pos + exc.start, pos + exc.end, exc.reason))
            pos += exc.end


@given(UTF8_BYTES | st.text().map(str.encode) | st.binary(max_size=40), st.sampled_from([4, 5, 7, 64, utf8.BLOCK]))
@example(b"a\xed\xa0\x80b", 4)  # a surrogate
@example(b"\xed\x9f\xbf", 4)  # the last code point before them
@example(b"\xc0\x80\xc1\xbf", 4)  # overlong two-byte forms
@example(b"\xe0\x9f\xbf\xe0\xa0\x80", 4)  # overlong three-byte form, then the first well-formed one
@example(b"\xf0\x8f\xbf\xbf\xf0\x90\x80\x80", 5)  # overlong four-byte form, then the first well-formed one
@example(b"\xf4\x8f\xbf\xbf\xf4\x90\x80\x80\xf5\x80", 7)  # U+10FFFF, then beyond it
@example(b"x\xe2\x82", 4)  # truncated at the end
@example(b"\x80abc\xbf", 4)  # continuation bytes alone
@example(b"\xe2\x82\xac\xe2\xac\xe2", 4)  # a good sequence, a short one, a cut one
@example("aé€😀".encode(), 4)  # sequences of every length cut by the blocks' ends
def test_utf8_is_decided_as_python_decides(data: bytes, block: int) -> None:
    """Whatever the block size: UTF-8 exactly when Python decodes it, its characters counted, and each bad
    sequence located and worded as Python does (the first as decoding the whole bytes says it)."""
    saved, utf8.BLOCK = utf8.BLOCK, block
    try:
        found = utf8.check(data, limit=1000)
        first = utf8.check(data)
    finally:
        utf8.BLOCK = saved
    expected = _python_errors(data)
    assert [(e.start, e.end, e.reason) for e in found.errors] == expected
    assert first.errors == found.errors[:1] or [str(e) for e in first.errors] == [str(e) for e in found.errors[:1]]
    assert found.ok == first.ok == (not expected)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        assert found.characters is None and str(first.errors[0]) == str(exc)
    else:
        assert found.characters == first.characters == len(text)


def test_errors_are_capped_at_the_limit() -> None:
    assert len(utf8.check(b"\xff" * 50, limit=3).errors) == 3
    assert [e.start for e in utf8.check(b"ok\xffok\xfe", limit=10).errors] == [2, 5]


def test_the_reader_locates_each_bad_byte() -> None:
    t = reader.read(b"a,b\n1,caf\xe9\n2,ok\n3,\xff\n", "t.csv")
    assert [(p.code, p.row, p.column, p.message) for p in t.problems] == [
        ("csv-encoding", 2, "b", "is not UTF-8: byte 0xe9 cannot be decoded"),
        ("csv-encoding", 4, "b", "is not UTF-8: byte 0xff cannot be decoded"),
    ]


def _spoil(archive: Path, name: str) -> None:
    f = archive / name
    f.write_bytes(f.read_bytes().replace(b"e", b"\xe9", 1))


def test_an_archived_file_that_is_not_utf8_is_named_by_provenance(gen) -> None:
    root, archive = gen
    name = sorted(p.name for p in archive.iterdir())[0]
    raw = (archive / name).read_bytes()
    _spoil(archive, name)
    expected = (archive / name).read_bytes()
    with pytest.raises(UnicodeDecodeError) as exc:
        expected.decode("utf-8")
    found = [p for p in validate(root, sources=archive).problems if p.code == "archive-not-utf8"]
    assert [(p.file, p.row, p.column) for p in found] == [("data/sources.csv", 2, "source_file")]
    assert found[0].message == f"archived file {name} is not UTF-8: {exc.value}"
    assert raw.index(b"e") == exc.value.start


def test_build_refuses_an_archived_file_or_sums_that_are_not_utf8(real_copy) -> None:
    root, archive = real_copy
    sums = archive / "SHA256SUMS"
    good = sums.read_bytes()
    sums.write_bytes(b"\xff" + good)
    with pytest.raises(BuildError) as exc:
        build(root, archive, check_only=True)
    assert [(p.file, p.code, p.message) for p in exc.value.problems if p.code == "archive-sums-invalid"] == [
        ("SHA256SUMS", "archive-sums-invalid", "is not UTF-8 (byte 0)")
    ]
    sums.unlink()  # without a list of its own, the archive's files are judged by sources.csv alone
    name = "003_c32a4c27172ee6ae.txt"
    at = (archive / name).read_bytes().index(b"e")
    _spoil(archive, name)
    with pytest.raises(BuildError) as exc:
        build(root, archive, check_only=True, accept=[name])
    found = [p for p in exc.value.problems if p.code == "archive-not-utf8"]
    assert [(p.column, p.message) for p in found] == [
        ("source_file", f"the archived file {name} is not UTF-8 (byte {at})")
    ]
