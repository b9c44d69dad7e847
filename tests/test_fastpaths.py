"""The validator's fast paths give exactly what the plain code they replace gives."""

from __future__ import annotations

import csv
import io
import itertools

import pytest

from cartel_directive.checks import crossfield, frames, hygiene, rawtable
from cartel_directive.dates import EDTFError, edtf_bounds
from cartel_directive.textfold import LATIN10_PROFILE, fold, fold_many, repair, repair_pieces

SINGLES = ["2025", "2024-02", "2025-12", "2024-02-29", "2025-02-29", "2025-13", "2025-00", "2025-21", "0000"]
SINGLES += ["2025-08-08", "2025-8-8", "202X", "2025-XX", "2025-08-XX", "-2025", "Y2025"]


def _plain(value: str):
    try:
        return edtf_bounds(value)
    except (EDTFError, ValueError) as exc:  # the library raises ValueError for some inputs
        return type(exc).__name__, str(exc)


def _fast(value: str):
    try:
        return crossfield.bounds(value)
    except (EDTFError, ValueError) as exc:  # the library raises ValueError for some inputs
        return type(exc).__name__, str(exc)


@pytest.mark.parametrize(
    "value",
    [s + q for s in SINGLES for q in ("", "~", "?", "%")]
    + [f"{a}/{b}" for a, b in itertools.product([*SINGLES[:6], "..", ""], repeat=2)]
    + ["..", "", " 2025", "2025 ", "2025-08-05/2025-08-01", "2025~/2025-08?"],
)
def test_edtf_fast_path_agrees(value: str) -> None:
    assert _fast(value) == _plain(value)


def test_fold_many_agrees() -> None:
    texts = ["a “b” — c…", "  x\n\ny ", "e\u0301", "\u0301x", "", " \x1c a\u2028b\xa0 ", "x\x00y", "«z»"]
    assert fold_many(texts) == [fold(t) for t in texts]
    assert fold_many(texts[:-2]) == [fold(t) for t in texts[:-2]]


def test_repair_runs_agree() -> None:
    damaged = "MĂ©xico âNoâ ĂĄ x Ă© â€ Ă"
    whole = "".join(p for p, _, _ in repair_pieces(damaged, LATIN10_PROFILE))
    assert repair(damaged, LATIN10_PROFILE) == whole


@pytest.mark.parametrize(
    "data",
    [
        b'a,b,c\n1,"x,y",3\n4,"p\nq",6\n',
        b'a,b,c\n1,"2""",3\n,,\n',
        b"a,b,c\n1,2\n4,5,6\n",
        b"a,b,c\n1,2,3\n\n",
        b"a,b,c\n1,2,3,4\n",
        b'a,b,c\n1,"x"y,3\n',
        b'a,b,c\n1,x"y,3\n',
        b'a,b,c\n1,"open,3\n',
        b"a,b,c\n1,2,3",
    ],
)
def test_fast_parse_agrees_with_csv_module(data: bytes) -> None:
    table, problems = rawtable.parse("t", "t.csv", data)
    try:
        rows = list(csv.reader(io.StringIO(data.decode(), newline=""), strict=True))
    except csv.Error:
        assert not table.parsed and problems
        return
    assert table.header == rows[0]
    width = len(rows[0])
    padded = [(r + [""] * width)[:width] for r in rows[1:]]
    assert table.frame.astype(object).values.tolist() == padded
    ragged = [i + 2 for i, r in enumerate(rows[1:]) if len(r) != width]
    assert [p.row for p in problems if "cells" in p.message or "blank" in p.message] == ragged


@pytest.mark.parametrize(
    "text",
    [
        "abc",
        "é Ă x",
        "x\u2028",
        "x\u2029y",
        "\u2027",
        "Ã",
        "Â",
        "â",
        "\ufffd",
        "\ufffc",
        "ĂĄ",
        "\x85",
        "é\n",
        "ab\u00c3",
        "\u2028",
        "\u00c2",
        "\u0102",
        "\u0142",
        "ñ\u20acÃ",
        "€",
        "\U0001f600Â",
        "\u00e3\u00a2",
    ],
)
def test_byte_prefilter_agrees(text: str) -> None:
    data = text.encode()
    for needles in (hygiene._CONTROL_MULTI, hygiene._MOJIBAKE_BYTES):
        assert hygiene._has_sequence(data, needles) == any(n in data for n in needles)
    hygiene._KEYS[:] = [None, None]


def test_out_of_range_agrees() -> None:
    import pandas as pd

    values = ["1", "+0009223372036854775807", "-9223372036854775808", "-9223372036854775809", "9223372036854775808"]
    values += ["x", "", "9" * 19, "--1", "+-5", "0" * 30 + "1", "-" + "0" * 25 + "9223372036854775808", "1e3"]
    col = pd.Series(values, dtype="str")
    plain = [
        bool(v)
        and v.lstrip("+-").isdigit()
        and v.count("-") + v.count("+") <= 1
        and v[0] in "+-0123456789"
        and not -(2**63) <= int(v) < 2**63
        for v in values
    ]
    assert frames._out_of_range("integer", col).tolist() == plain


def test_quote_prefilter_agrees() -> None:
    import pandas as pd

    quotes = ["a b", "a  b", " a", "é", "e", "“x”", "x", "a-b", "a\tb", "c"]
    evidence = ["xa b y", "a  b c", "q a", "café", "e\u0301", '"x"', "y", "a—b", "a \n b", "abc"]
    frame = pd.DataFrame({"quote": pd.Series(quotes, dtype="string"), "evidence": pd.Series(evidence, dtype="string")})
    got = {p.row for p in crossfield.check_quotes("s.csv", frame)}
    want = {i + 2 for i, (q, e) in enumerate(zip(quotes, evidence, strict=True)) if fold(q) not in fold(e)}
    assert got == want


def test_quote_prefilter_agrees_random() -> None:
    import random

    import pandas as pd

    rnd = random.Random(11)
    alphabet = ["a", "e", "é", "\u0301", "\u0302", " ", "  ", "\n", "\xa0", "“", "'", "—", "-", "…", ".", "ᄀ", "ᅡ", "Å"]
    quotes, evidence = [], []
    for _ in range(3000):
        e = "".join(rnd.choice(alphabet) for _ in range(rnd.randint(1, 12)))
        a = rnd.randint(0, len(e))
        b = rnd.randint(a, len(e))
        q = e[a:b] if rnd.random() < 0.8 else "".join(rnd.choice(alphabet) for _ in range(3))
        if q and e:
            quotes.append(q)
            evidence.append(e)
    frame = pd.DataFrame({"quote": pd.Series(quotes, dtype="string"), "evidence": pd.Series(evidence, dtype="string")})
    got = {p.row for p in crossfield.check_quotes("s.csv", frame)}
    want = {i + 2 for i, (q, e) in enumerate(zip(quotes, evidence, strict=True)) if fold(q) not in fold(e)}
    assert got == want


_BASE = 'id,text,n\na-1,"x, ""y""",1\na-2,"p\n\nq",2\na-3,plain é,3\n'.encode()
_CORRUPT = [
    _BASE,
    _BASE + b"\n",
    _BASE.replace(b"a-2,", b"\na-2,"),
    _BASE.replace(b",1\n", b"\n"),
    _BASE.replace(b",1\n", b",1,9\n"),
    _BASE.replace(b"\n", b"\r\n"),
    _BASE.replace(b"plain", b"pl\rain"),
    b"\xef\xbb\xbf" + _BASE,
    _BASE.replace("é".encode(), b"\xe9"),
    _BASE.replace("é".encode(), b"\xed\xa0\x80"),
    _BASE.replace(b"plain", b'pl"ain'),
    _BASE.replace(b'"p\n', b'"p"x\n'),
    _BASE.replace(b'"x, ""y"""', b'"x, ""y""'),
    _BASE.replace(b"a-3", b"a\x003"),
    _BASE[:-1],
    _BASE.replace(b"id,text", b"id,id"),
    _BASE.replace(b"id,text", b'id,"text"'),
    _BASE.replace(b"\xc3\xa9", b"\xc3"),
    b"id,text,n\n",
    b"id,text,n\n,,\n",
    b"id,text,n\n\n",
    b'id,text,n\n"",,\n',
    b"id,text,n\n1,2,3\n\n\n4,5,6\n",
    b'id,text,n\n1,"a\n\n\nb",3\n',
]


@pytest.mark.parametrize("data", _CORRUPT)
def test_arrow_parse_agrees_with_exact_path(data: bytes, monkeypatch: pytest.MonkeyPatch) -> None:
    fast_table, fast_problems = rawtable.parse("t", "t.csv", data)
    monkeypatch.setattr(rawtable, "_arrow_frame", lambda _data: None)
    monkeypatch.setattr(rawtable, "_fast_frame", lambda _data: None)
    table, problems = rawtable.parse("t", "t.csv", data)
    assert fast_problems == problems
    assert fast_table.parsed == table.parsed
    assert fast_table.header == table.header
    assert fast_table.raw == table.raw
    if table.parsed:
        assert fast_table.frame.equals(table.frame)
        assert list(fast_table.frame.dtypes) == list(table.frame.dtypes)
        assert [list(r) for r in fast_table.rows] == [list(r) for r in table.rows]


def test_arrow_path_is_taken_for_a_clean_file() -> None:
    assert rawtable._arrow_frame(_BASE) is not None
    assert rawtable._arrow_frame(_BASE.replace(b"a-2,", b"\na-2,")) is None


@pytest.mark.parametrize("dtype", ["string", "str", "object", "Int64"])
def test_foreign_key_isin_agrees(dtype: str) -> None:
    import pandas as pd

    target = pd.Series(["a", "b", None, "b", "é", ""], dtype="string")
    values = ["a", "x", None, "é", "", "B"] if dtype != "Int64" else [1, None, 3, 4, 5, 6]
    s = pd.Series(values, dtype=dtype)
    allowed = frames._distinct(target)
    want = s.isin(set(target.dropna()))
    assert frames._isin(s, allowed).tolist() == want.tolist()
