"""Layer: provenance against the source archive (identity of files, excerpts at their offsets)."""

from __future__ import annotations

import contextlib
import io
import os
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from cartel_directive.textfold import MOJIBAKE, FoldedText, repair
from cartel_directive.validate import validate
from mutations import Workspace, run_cli


def spots(root: Path, archive: Path) -> set[tuple[str, int | None, str | None]]:
    return {(p.file, p.row, p.column) for p in validate(root, sources=archive).problems if p.layer == "provenance"}


def test_generated_excerpts_are_all_checked(gen) -> None:
    report = validate(*gen)
    assert report.ok, "\n".join(report.lines())
    n = sum(len(Workspace(*gen).read(t)[1]) for t in ("actors", "events", "statements", "statistics"))
    assert f"{n + 3 + 1}" in report.ran["provenance"] or "excerpts" in report.ran["provenance"]


def test_tampered_archive_file(gen) -> None:
    root, archive = gen
    name = sorted(archive.iterdir())[1]
    name.write_bytes(name.read_bytes() + b"\n")
    assert {("data/sources.csv", 3, "sha256"), ("data/sources.csv", 3, "bytes")} <= spots(root, archive)


def test_missing_archived_file(gen) -> None:
    root, archive = gen
    sorted(archive.iterdir())[0].unlink()
    assert ("data/sources.csv", 2, "source_file") in spots(root, archive)


def test_evidence_not_at_its_offsets_says_where_it_is(gen) -> None:
    ws = Workspace(*gen)
    header, rows = ws.read("events")
    s, e = int(rows[0][header.index("evidence_start")]), int(rows[0][header.index("evidence_end")])
    ws.set_cell("events", 0, "evidence_start", str(s + 1))
    ws.set_cell("events", 0, "evidence_end", str(e + 1))
    problems = [p for p in validate(*gen).problems if p.layer == "provenance"]
    assert [(p.file, p.row, p.column) for p in problems] == [("data/events.csv", 2, "evidence")]
    assert f"occurs at {s}-{e}" in problems[0].message


def test_evidence_nowhere_in_the_file(gen) -> None:
    ws = Workspace(*gen)
    ws.set_cell("statistics", 0, "evidence", "A sentence no source contains.")
    problems = [p for p in validate(*gen).problems if p.layer == "provenance"]
    assert [(p.row, p.column) for p in problems] == [(2, "evidence")]
    assert "occurs nowhere" in problems[0].message


def test_damaged_source_is_repaired_before_comparing(gen) -> None:
    """The generated damaged source's excerpts hold the clean reading and pass; without the profile they fail."""
    ws = Workspace(*gen)
    sources = ws.sources()
    damaged = [n for n, s in sources.items() if s["encoding_damage"]]
    assert len(damaged) == 1
    assert validate(*gen).ok
    row = 2 + list(sources).index(damaged[0])
    ws.set_cell("sources", row - 2, "encoding_damage", "")
    found = spots(*gen)
    uses = sum(
        r.count(damaged[0])
        for t in ("actors", "events", "statements", "statistics", "discrepancies")
        for r in map(",".join, ws.read(t)[1])
    )
    assert uses == 0 or any(col and col.endswith("evidence") for _, _, col in found)


def test_real_archive_identity(root: Path, archive: Path) -> None:
    report = validate(root, sources=archive)
    assert report.count("provenance") == 0
    assert "provenance" in report.ran


def test_real_damaged_file_repairs_to_clean_text(archive: Path) -> None:
    """The documented repair of the real damaged file leaves no mojibake and restores the names."""
    raw = (archive / "000_b715ec96f83f7d48.txt").read_text(encoding="utf-8")
    assert "â" in raw and "Ă" in raw
    fixed = repair(raw, "utf8-as-latin10-c1-lost")
    assert not MOJIBAKE.search(fixed)
    assert "absolutely off the table" in FoldedText.build(raw, "utf8-as-latin10-c1-lost").text
    assert FoldedText.build(raw, "utf8-as-latin10-c1-lost").find_all("“absolutely off the table,”")


def test_an_excerpt_is_located_where_the_archive_decomposes_its_accents(gen) -> None:
    """The review's case end to end: the archive writes every accent as a letter and a combining
    mark (NFC joins them; the excerpts are written composed). An excerpt whose offsets no longer
    fit is said to occur where its raw text matches it, and build places every excerpt again."""
    import re
    import unicodedata

    from cartel_directive.build import build
    from cartel_directive.textfold import matches

    root, archive = gen
    ws = Workspace(root, archive)
    sources = ws.sources()
    header, rows = ws.read("events")
    cells = [dict(zip(header, r, strict=True)) for r in rows]
    i = next(
        k
        for k, c in enumerate(cells)
        if unicodedata.normalize("NFD", c["evidence"]) != c["evidence"]
        and not sources[c["source_file"]]["encoding_damage"]
    )
    name, excerpt = cells[i]["source_file"], cells[i]["evidence"]
    path = archive / name
    path.write_text(unicodedata.normalize("NFD", path.read_text(encoding="utf-8")), encoding="utf-8")
    raw = path.read_text(encoding="utf-8")
    [problem] = [
        p
        for p in validate(root, sources=archive).problems
        if p.code == "evidence-mismatch" and (p.file, p.row) == ("data/events.csv", i + 2)
    ]
    where = re.search(r"it occurs at (\d+)-(\d+)", problem.message)
    assert where, problem.message
    assert matches(raw, int(where[1]), int(where[2]), excerpt, None)
    build(root, archive, accept=[name])
    assert validate(root, sources=archive).ok


def test_without_archive_the_layer_says_it_did_not_run(gen, monkeypatch) -> None:
    monkeypatch.delenv("CARTEL_DIRECTIVE_SOURCES", raising=False)
    report = validate(gen[0])
    assert "provenance" in report.skipped and "provenance" not in report.ran
    # the API names a missing archive folder as a problem of its own
    missing = validate(gen[0], sources=gen[1] / "nowhere")
    assert "archive-folder-missing" in missing.codes()
    # the command line calls it a usage error (exit 2) in one line, with no report: no verdict on the data
    out = run_cli(gen[0], gen[1] / "nowhere")
    assert out.code == 2 and out.stdout == "" and "does not exist" in out.stderr and "Traceback" not in out.stderr
    from cartel_directive.cli import main

    os.environ.pop("CARTEL_DIRECTIVE_SOURCES", None)
    err = io.StringIO()
    with contextlib.redirect_stdout(io.StringIO()) as printed, contextlib.redirect_stderr(err):
        code = main(["validate", str(gen[0]), "--require-provenance", "--format", "json"])
    assert code == 2 and printed.getvalue() == "" and "--require-provenance" in err.getvalue()  # no "valid" report


@given(st.data())
def test_bulk_comparison_is_the_definition(data) -> None:
    """Excerpts at random offsets (negative, past the end, splitting damaged runs) are judged
    exactly as :func:`textfold.matches` judges them one by one, however the files are batched
    and the rows chunked; the excerpts of a file that cannot be compared are not checked."""
    import pandas as pd
    import pyarrow as pa

    from cartel_directive.checks.provenance import _Block, _matches
    from cartel_directive.textfold import LATIN10_PROFILE, matches
    from strategies import damage

    clean = data.draw(st.text(alphabet=st.sampled_from([*"ab .\n", "é", "’", "“", "”", "ñ", "—"]), max_size=40))
    texts = {"a.txt": (damage(clean), LATIN10_PROFILE), "b.txt": (clean, None), "c.txt": (clean, None)}
    readable = {"a.txt", "b.txt"} | ({"c.txt"} if data.draw(st.booleans()) else set())
    rows = []
    for _ in range(data.draw(st.integers(1, 12))):
        name = data.draw(st.sampled_from(sorted(texts)))
        n = len(texts[name][0])
        s, e = data.draw(st.integers(-3, n + 2)), data.draw(st.integers(-3, n + 3))
        if data.draw(st.booleans()):
            excerpt = repair(texts[name][0][s:e], texts[name][1])
        else:
            excerpt = data.draw(st.sampled_from([clean[max(s, 0) : max(e, 0)], "ab", "a b", " é ", "x"]))
        rows.append((name, excerpt or None, s, e))
    frame = pd.DataFrame(rows, columns=["source_file", "evidence", "evidence_start", "evidence_end"])
    frame = frame.astype(
        {"source_file": "string", "evidence": "string", "evidence_start": "Int64", "evidence_end": "Int64"}
    )
    cut = data.draw(st.integers(0, len(rows)))  # the excerpts in two Arrow chunks, as the reader may give them
    chunks = [
        pa.array([r[1] for r in rows[:cut]], pa.large_string()),
        pa.array([r[1] for r in rows[cut:]], pa.large_string()),
    ]
    frame["evidence"] = pd.Series(pd.arrays.ArrowStringArray(pa.chunked_array(chunks)), index=frame.index)
    names = data.draw(st.permutations(sorted(texts)))
    given = [(t.encode("utf-8"), p, len(t)) if n in readable else None for n, (t, p) in ((n, texts[n]) for n in names)]
    batch, chunk = data.draw(st.integers(1, 200)), data.draw(st.integers(1, 13))
    [(usable, ok, where)] = _matches(names, given, [_Block("t", frame, tuple(frame.columns))], batch, chunk)
    for i, (name, excerpt, s, e) in enumerate(rows):
        text, profile = texts[name]
        assert usable[i] == (excerpt is not None and name in readable)
        if usable[i]:
            assert ok[i] == (e <= len(text) and matches(text, s, e, excerpt, profile)), (text, s, e, excerpt)
            assert (i in where) == (not ok[i])
