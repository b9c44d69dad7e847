"""The command line: help everywhere, info, cite, export round trips, and one-line errors."""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import cartel_directive as cd
from cartel_directive.cli import main
from cartel_directive.descriptor import TABLES, file_digest

COMMANDS = ["validate", "build", "info", "cite", "export"]


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("command", [None, *COMMANDS])
def test_help_everywhere(command: str | None, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main([command, "--help"] if command else ["--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: cartel-directive")
    if command is None:
        assert all(c in out for c in COMMANDS)


def test_info_lists_tables_rows_version_licences_and_citation(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "info")
    assert code == 0
    for table in TABLES:
        assert f"  {table} " in out
    assert f"version {cd.version()}" in out
    assert "CC-BY-4.0" in out and "MIT" in out
    assert "cartel-directive cite --format bibtex" in out
    rows = {t: len(df) for t, df in cd.load_all().items()}
    assert f"tables ({sum(rows.values())} rows)" in out


@pytest.mark.parametrize("fmt", ["bibtex", "apa", "cff"])
def test_cite(fmt: str, capsys: pytest.CaptureFixture[str]) -> None:
    from cartel_directive.citation import cite

    code, out, _ = run(capsys, "cite", "--format", fmt)
    assert code == 0
    assert out == cite(fmt) + "\n"


def test_export_sqlite_declares_keys_and_round_trips(synthetic_pkg: Path, tmp_path: Path, capsys) -> None:
    code, out, _ = run(capsys, "export", "--format", "sqlite", "--out", str(tmp_path), "--package", str(synthetic_pkg))
    assert code == 0
    db = tmp_path / "cartel-directive.sqlite"
    assert out.strip() == f"wrote {db}"
    con = sqlite3.connect(db)
    assert con.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    assert con.execute("PRAGMA foreign_key_check").fetchall() == []
    for table in TABLES:
        schema = cd.schema(table)
        info = con.execute(f'PRAGMA table_info("{table}")').fetchall()
        assert [c[1] for c in info] == [f["name"] for f in schema["fields"]]
        pk = [c[1] for c in sorted(info, key=lambda c: c[5]) if c[5]]
        assert pk == schema["primaryKey"]
        fks = {(r[3], r[2], r[4]) for r in con.execute(f'PRAGMA foreign_key_list("{table}")')}
        want = {
            (fk["fields"][0], fk["reference"].get("resource") or table, fk["reference"]["fields"][0])
            for fk in schema.get("foreignKeys", [])
        }
        assert fks == want
        assert con.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0] == 3
    # dates as ISO text, booleans 0/1, missing as NULL
    row = con.execute("SELECT period_start, is_derived, value FROM statistics ORDER BY stat_id").fetchall()
    assert row == [("2025-08-01", 1, 0.5), ("2025-08-02", 0, 1.5), (None, 1, None)]  # is_derived is required
    con.execute("PRAGMA foreign_keys = ON")
    with pytest.raises(sqlite3.IntegrityError):
        con.execute(
            "INSERT INTO events (event_id, occurrence_id, event_type, summary, source_file, evidence, "
            "evidence_start, evidence_end) VALUES ('x', 'y', 'offer', 's', 'no-such-file', 'e', 0, 1)"
        )
    with pytest.raises(sqlite3.IntegrityError):  # enum CHECK
        con.execute("UPDATE event_actors SET role = 'narrator'")
    con.close()
    if shutil.which("sqlite3"):  # an independent client
        res = subprocess.run(
            ["sqlite3", str(db), "PRAGMA foreign_key_check; SELECT count(*) FROM sources;"],
            capture_output=True,
            text=True,
            check=True,
        )
        assert res.stdout.strip() == "3"


def test_export_sqlite_refuses_dangling_foreign_keys(synthetic_pkg: Path, tmp_path: Path, capsys) -> None:
    file = synthetic_pkg / "data" / "event_actors.csv"
    file.write_text(
        file.read_text(encoding="utf-8").replace("actors-actor_id-0001", "actors-actor_id-9999"), encoding="utf-8"
    )
    d = json.loads((synthetic_pkg / "datapackage.json").read_text(encoding="utf-8"))
    res = next(r for r in d["resources"] if r["name"] == "event_actors")
    res["bytes"], res["hash"] = file_digest(file)
    (synthetic_pkg / "datapackage.json").write_text(json.dumps(d), encoding="utf-8")
    code, _, err = run(capsys, "export", "--format", "sqlite", "--out", str(tmp_path), "--package", str(synthetic_pkg))
    assert code == 1
    assert err.startswith("error: export --format sqlite: 1 dangling foreign key(s), first in event_actors")
    assert not (tmp_path / "cartel-directive.sqlite").exists()


def test_export_parquet_keeps_the_loader_dtypes(synthetic_pkg: Path, tmp_path: Path, capsys) -> None:
    import pyarrow.parquet as pq

    code, _, _ = run(capsys, "export", "--format", "parquet", "--out", str(tmp_path), "--package", str(synthetic_pkg))
    assert code == 0
    for table in TABLES:
        file = tmp_path / f"{table}.parquet"
        expected = cd.load(table, root=synthetic_pkg)
        pd.testing.assert_frame_equal(pd.read_parquet(file), expected)
        arrow = pq.read_table(file)  # and as Arrow sees it, without pandas' metadata
        assert arrow.num_rows == 3
        for f in cd.schema(table)["fields"]:
            field = arrow.schema.field(f["name"])
            assert field.metadata[b"title"].decode() == f["title"]
            if f.get("constraints", {}).get("enum"):
                assert field.type.ordered
            if f["type"] == "date":
                assert str(field.type).startswith("timestamp")


def test_export_stata_has_value_and_variable_labels(synthetic_pkg: Path, tmp_path: Path, capsys) -> None:
    code, _, _ = run(capsys, "export", "--format", "stata", "--out", str(tmp_path), "--package", str(synthetic_pkg))
    assert code == 0
    for table in TABLES:
        schema = cd.schema(table)
        with pd.io.stata.StataReader(tmp_path / f"{table}.dta") as reader:
            df = reader.read()
            labels = reader.variable_labels()
            value_labels = reader.value_labels()
            assert len(reader.data_label) <= 80
        assert list(df.columns) == [f["name"] for f in schema["fields"]]
        assert len(df) == 3
        for f in schema["fields"]:
            assert labels[f["name"]] == f["title"][:80]
            enum = f.get("constraints", {}).get("enum")
            if enum:
                assert list(value_labels[f["name"]].values()) == enum
            if f["type"] == "date":
                assert df[f["name"]].iloc[0] == pd.Timestamp("2025-08-01")
    notes = pd.read_stata(tmp_path / "sources.dta")["notes"]
    assert notes.str.len().max() > 2045  # a strL survived whole
    assert notes.iloc[0].startswith("“long” é")


def test_export_xlsx_has_every_table_and_a_codebook(synthetic_pkg: Path, tmp_path: Path, capsys) -> None:
    import openpyxl

    code, _, _ = run(capsys, "export", "--format", "xlsx", "--out", str(tmp_path), "--package", str(synthetic_pkg))
    assert code == 0
    wb = openpyxl.load_workbook(tmp_path / "cartel-directive.xlsx", read_only=True)
    assert wb.sheetnames == [*TABLES, "fields"]
    header = next(wb["events"].iter_rows(values_only=True))
    assert list(header) == [f["name"] for f in cd.schema("events")["fields"]]
    assert wb["events"].max_row == 4


@pytest.mark.parametrize(("fmt", "module"), [("parquet", "pyarrow"), ("xlsx", "openpyxl")])
def test_export_without_the_extra_says_how_to_install_it(fmt, module, tmp_path, capsys, monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, module, None)  # as if not installed
    code, _, err = run(capsys, "export", "--format", fmt, "--out", str(tmp_path))
    assert code == 1
    assert (
        err
        == f"error: export --format {fmt} needs {module}, which is not installed: pip install 'cartel-directive[export]'\n"
    )


def test_errors_are_one_line_without_traceback(synthetic_pkg: Path, tmp_path: Path) -> None:
    (synthetic_pkg / "data" / "sources.csv").write_text("tampered\n", encoding="utf-8")
    (tmp_path / "a-file").write_text("x", encoding="utf-8")
    cases = [
        (["info", "--package", str(synthetic_pkg)], "sources.csv: does not match datapackage.json"),
        (
            ["export", "--format", "sqlite", "--out", str(tmp_path / "x"), "--package", str(synthetic_pkg)],
            "sources.csv",
        ),
        (["export", "--format", "sqlite", "--out", str(tmp_path / "a-file")], "a-file: exists and is not a folder"),
        (["info", "--package", str(tmp_path / "nowhere")], "nowhere: not a datapackage.json"),
    ]
    for argv, message in cases:
        res = subprocess.run([sys.executable, "-m", "cartel_directive", *argv], capture_output=True, text=True)
        assert res.returncode == (2 if "nowhere" in message else 1), res  # no package there: usage, 2
        assert "Traceback" not in res.stderr
        assert len(res.stderr.strip().splitlines()) == 1, res.stderr
        assert res.stderr.startswith("error: ") and message in res.stderr


def test_bad_arguments_exit_2_with_usage(capsys: pytest.CaptureFixture[str]) -> None:
    for argv in (["cite", "--format", "mla"], ["export", "--format", "csv", "--out", "x"], ["export"], []):
        with pytest.raises(SystemExit) as exc:
            main(argv)
        assert exc.value.code == 2
        assert "usage: cartel-directive" in capsys.readouterr().err
