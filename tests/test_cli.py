"""The command line: help everywhere, info, cite, and one-line errors (exports: test_exports.py)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import cartel_directive as cd
from cartel_directive.cli import main
from cartel_directive.descriptor import TABLES

COMMANDS = ["validate", "build", "info", "cite", "export", "browse"]


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


@pytest.mark.parametrize(("fmt", "module"), [("parquet", "pyarrow"), ("xlsx", "openpyxl")])
def test_export_without_the_extra_says_how_to_install_it(fmt, module, tmp_path, capsys, monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, module, None)  # as if not installed
    code, _, err = run(capsys, "export", "--format", fmt, "--out", str(tmp_path))
    assert code == 2
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


def test_output_into_a_closed_pipe_ends_quietly():
    """`cartel-directive info | head -1`: no "error:" line, no traceback, the SIGPIPE exit status."""
    import os
    import subprocess
    import sys

    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader is gone before the command writes a byte
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "cartel_directive", "info"],
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            timeout=120,
            check=False,
        )
    finally:
        os.close(write_end)
    assert proc.stderr == "", proc.stderr
    assert proc.returncode == 141
