"""One command-line convention, the missing-extra error, the loader's argument checks, citing a row.

Every command takes the package as ``--package PATH``; no package there is a usage error
(exit 2, one line), an invalid package exit 1; ``build`` never rewrites the installed copy;
``info`` and ``cite`` describe the package they are given.
"""

from __future__ import annotations

import importlib.util
import json
import shutil
import subprocess
import sys
from pathlib import Path

import bibtexparser
import pytest

import cartel_directive as cd
from cartel_directive import extras
from cartel_directive.cli import main, parser

ROOT = Path(__file__).resolve().parent.parent
COMMANDS = ["validate", "build", "info", "cite", "export"]


def cli(*argv: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cartel_directive", *argv], capture_output=True, text=True, cwd=cwd, check=False
    )


def one_error_line(res: subprocess.CompletedProcess[str]) -> str:
    assert "Traceback" not in res.stderr, res.stderr
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), res.stderr
    return lines[0]


def subcommands() -> dict[str, object]:
    action = next(a for a in parser()._actions if a.dest == "command")
    return dict(action.choices)  # type: ignore[attr-defined]


def test_every_command_that_reads_a_package_takes_package() -> None:
    for name, sub in subcommands().items():
        options = {s for a in sub._actions for s in a.option_strings}  # type: ignore[attr-defined]
        assert "--package" in options, f"{name} has no --package"


@pytest.mark.parametrize(
    "argv",
    [
        ["validate"],
        ["build", "--check"],
        ["info"],
        ["cite"],
        ["export", "--format", "sqlite", "--out", "OUT"],
    ],
)
def test_no_package_there_is_a_usage_error(argv: list[str], tmp_path: Path) -> None:
    argv = [a.replace("OUT", str(tmp_path / "out")) for a in argv]
    res = cli(*argv, "--package", str(tmp_path / "typo"))
    assert res.returncode == 2, res
    assert "no package there" in one_error_line(res)
    assert not (tmp_path / "out").exists()


def test_an_invalid_package_is_exit_1_not_2(pkg_copy: Path) -> None:
    file = pkg_copy / "data" / "actors.csv"
    file.write_bytes(file.read_bytes().replace(b"\n", b"\r\n", 1))
    if importlib.util.find_spec("pandera") is None:
        pytest.skip("needs the [validate] extra")
    res = cli("validate", "--package", str(pkg_copy))
    assert res.returncode == 1, res
    assert "INVALID" in res.stdout


@pytest.mark.parametrize(
    "argv",
    [["validate"], ["info"], ["cite"], ["cite", "--row", "statements/stm-0001"], ["export", "--format", "sqlite"]],
)
def test_a_broken_descriptor_is_exit_1_not_2(argv: list[str], tmp_path: Path) -> None:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "datapackage.json").write_text('{"resources": 3', encoding="utf-8")
    if argv[0] == "export":
        argv = [*argv, "--out", str(tmp_path / "out")]
    res = cli(*argv, "--package", str(tmp_path / "pkg"))
    assert res.returncode == 1, res
    assert "datapackage.json: is not valid JSON" in res.stdout + res.stderr
    assert "Traceback" not in res.stderr and not (tmp_path / "out").exists()


def test_the_positional_path_is_a_deprecated_alias(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["validate", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "warning: the positional PATH is deprecated; use --package" in err
    assert "error: no package there" in err
    assert main(["validate", str(ROOT), "--package", str(tmp_path)]) == 2
    assert "two packages given" in capsys.readouterr().err


def test_build_refuses_the_installed_copy(pkg_copy: Path, tmp_path: Path) -> None:
    installed = tmp_path / "venv" / "lib" / "python3.11" / "site-packages" / "cartel_directive" / "package"
    shutil.copytree(pkg_copy, installed)
    before = {p: p.read_bytes() for p in installed.rglob("*") if p.is_file()}
    for argv in (["build", "--package", str(installed)], ["build"]):
        res = cli(*argv, "--sources", str(tmp_path), cwd=installed if argv == ["build"] else None)
        assert res.returncode == 2, res
        line = one_error_line(res)
        assert "is the installed copy, which build never rewrites" in line and "checkout" in line
    assert before == {p: p.read_bytes() for p in installed.rglob("*") if p.is_file()}


def test_info_and_cite_report_the_package_they_are_given(pkg_copy: Path, capsys) -> None:
    d = json.loads((pkg_copy / "datapackage.json").read_text(encoding="utf-8"))
    d["title"], d["version"] = "A derived copy", "9.9.9"
    (pkg_copy / "datapackage.json").write_text(json.dumps(d), encoding="utf-8")
    assert main(["info", "--package", str(pkg_copy)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("A derived copy\nversion 9.9.9 ")
    assert "(Version 9.9.9) [Data set]" in out and f"(Version {cd.version()})" not in out
    assert main(["cite", "--package", str(pkg_copy)]) == 0
    assert "A derived copy (Version 9.9.9) [Data set]." in capsys.readouterr().out
    assert main(["cite", "--package", str(pkg_copy), "--format", "cff"]) == 1
    assert "this package has no CITATION.cff (--format apa or bibtex" in capsys.readouterr().err
    # a copy with its own CITATION.cff is cited from it
    cff = (ROOT / "CITATION.cff").read_text(encoding="utf-8").replace('\nversion: "', '\nversion: "9.9.9" # "', 1)
    (pkg_copy / "CITATION.cff").write_text(cff, encoding="utf-8")
    assert main(["cite", "--package", str(pkg_copy), "--format", "bibtex"]) == 0
    assert "version = {9.9.9}" in capsys.readouterr().out


# ---------------------------------------------------------------- one row


def test_cite_a_row_names_table_id_and_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["cite", "--row", "statements/stm-0001"]) == 0
    out = capsys.readouterr().out.strip()
    version = cd.version()
    assert f"(Version {version}) [Data set]" in out
    assert out.endswith("Cited: table statements, row statement_id = stm-0001.")
    assert main(["cite", "--row", "event_actors/ev-0001+donald-trump+agent", "--format", "bibtex"]) == 0
    lib = bibtexparser.parse_string(capsys.readouterr().out)
    assert not lib.failed_blocks
    (entry,) = lib.entries
    assert entry.key.endswith("_event_actors_ev_0001_donald_trump_agent")
    assert entry.fields_dict["version"].value == version
    assert entry.fields_dict["note"].value.endswith(
        r"table event\_actors, row event\_id = ev-0001, actor\_id = donald-trump, role = agent"
    )


@pytest.mark.parametrize(
    ("argv", "code", "message"),
    [
        (["--row", "statements/stm-9999"], 1, "statements: no row with statement_id = 'stm-9999'"),
        (["--row", "nosuchtable/x-1"], 1, "unknown table 'nosuchtable'"),
        (["--row", "event_actors/ev-0001"], 1, "the primary key is event_id + actor_id + role"),
        (["--row", "stm-0001"], 2, "expected TABLE/ID"),
        (["--row", "statements/stm-0001", "--format", "cff"], 2, "--row works with --format apa or bibtex"),
    ],
)
def test_cite_a_row_refuses_what_is_not_a_row(argv: list[str], code: int, message: str) -> None:
    res = cli("cite", *argv)
    assert res.returncode == code, res
    assert message in one_error_line(res)


# ---------------------------------------------------------------- extras


def test_a_missing_extra_is_one_line_and_exit_2(monkeypatch, capsys, tmp_path: Path) -> None:
    real = importlib.util.find_spec
    monkeypatch.setattr(extras.importlib.util, "find_spec", lambda n, *a: None if n == "pandera" else real(n, *a))
    assert extras.missing("validate") == ["pandera"]
    for argv in (["validate", "--package", str(ROOT)], ["build", "--check", "--package", str(ROOT)]):
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1, err
        assert err.endswith("needs pandera, which is not installed: pip install 'cartel-directive[validate]'\n")
    with pytest.raises(cd.MissingExtraError, match=r"pip install 'cartel-directive\[validate\]'"):
        cd.load("events", validate=True)
    assert len(cd.load("events")) > 0  # the core loader needs no extra


def test_the_extras_match_pyproject() -> None:
    import re
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    declared = project["optional-dependencies"]

    def dists(extra: str) -> set[str]:
        out: set[str] = set()
        for req in declared[extra]:
            name = re.split(r"[<>=\[ ;]", req, maxsplit=1)[0].lower()
            if name == "cartel-directive":
                for inner in re.search(r"\[(.*)\]", req).group(1).split(","):  # type: ignore[union-attr]
                    out |= dists(inner.strip())
            else:
                out.add(name)
        return out

    for extra, modules in extras.EXTRAS.items():
        assert dists(extra) == set(modules), extra
    core = {re.split(r"[<>= ;]", r, maxsplit=1)[0].lower() for r in project["dependencies"]}
    assert core == {"pandas", "pyyaml"}


# ---------------------------------------------------------------- loader arguments


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: cd.load("events", validate="yes"), "validate must be True or False, not str: 'yes'"),
        (lambda: cd.load("events", verify=0), "verify must be True or False, not int: 0"),
        (lambda: cd.load(["events"]), "table must be a str (a table name), not list"),
        (lambda: cd.load("events", root=3), "root must be a path (str or os.PathLike) or None, not int: 3"),
        (lambda: cd.load_all(validate=1), "validate must be True or False, not int: 1"),
        (lambda: cd.path("events", verify="no"), "verify must be True or False, not str: 'no'"),
        (lambda: cd.schema(None), "table must be a str"),
    ],
)
def test_the_loader_checks_its_arguments(call, message: str) -> None:
    with pytest.raises(TypeError) as exc:
        call()
    assert message in str(exc.value)


def test_an_edited_copy_loads_with_verify_false(pkg_copy: Path) -> None:
    file = pkg_copy / "data" / "statements.csv"
    text = file.read_text(encoding="utf-8")
    file.write_text(text.replace("Told reporters.", "Told the reporters.", 1), encoding="utf-8")
    with pytest.raises(cd.IntegrityError, match="verify=False"):
        cd.load("statements", root=pkg_copy)
    df = cd.load("statements", root=pkg_copy, verify=False)
    assert df.loc[df["statement_id"] == "stm-0001", "setting"].item() == "Told the reporters."
    assert cd.path("statements", root=pkg_copy, verify=False) == file
    # verify=False skips the hash only: a cell of the wrong type is still refused
    file.write_text(text.replace(",partial,", ",not-a-kind,", 1), encoding="utf-8")
    with pytest.raises(cd.DataError, match="quote_kind"):
        cd.load("statements", root=pkg_copy, verify=False)
