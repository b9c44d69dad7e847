"""The package boundary: paths that stay inside, strict JSON, all-or-nothing publication."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from cartel_directive import boundary
from cartel_directive.errors import BoundaryError


def tree(root: Path) -> dict[str, bytes | str]:
    """Every entry under ``root``: file bytes, or where a symlink points."""
    out: dict[str, bytes | str] = {}
    for p in sorted(root.rglob("*")):
        rel = p.relative_to(root).as_posix()
        if p.is_symlink():
            out[rel] = f"-> {os.readlink(p)}"
        elif p.is_file():
            out[rel] = p.read_bytes()
    return out


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    pkg = tmp_path / "pkg"
    (pkg / "data").mkdir(parents=True)
    (pkg / "data" / "a.csv").write_text("x\n1\n")
    (tmp_path / "outside.csv").write_text("secret\n")
    return pkg


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("../outside.csv", "path-parent"),
        ("data/../../outside.csv", "path-parent"),
        ("/etc/passwd", "path-absolute"),
        ("~/x.csv", "path-absolute"),
        ("https://example.org/x.csv", "path-url"),
        ("file:///etc/passwd", "path-url"),
        ("C:\\x.csv", "path-url"),
        ("data\\a.csv", "path-invalid"),
        ("data/a\x1b[2J.csv", "path-invalid"),
        ("data/a\x00.csv", "path-invalid"),
        ("", "path-type"),
        (["data/a.csv"], "path-type"),
        (None, "path-type"),
        ("data", "path-not-file"),
        (".", "path-not-file"),
        ("data/missing.csv", "path-missing"),
    ],
)
def test_paths_that_leave_or_are_not_files_are_refused(folder: Path, value: object, code: str) -> None:
    with pytest.raises(BoundaryError) as exc:
        boundary.inside(folder, value, file="datapackage.json", column="resources[a].path")
    (p,) = exc.value.problems
    assert (p.code, p.file, p.column) == (code, "datapackage.json", "resources[a].path")
    assert "secret" not in str(exc.value) and "\x1b" not in str(exc.value)


def test_symlinks_are_followed_and_must_stay_inside(folder: Path) -> None:
    (folder / "data" / "in.csv").symlink_to("a.csv")
    (folder / "data" / "out.csv").symlink_to(folder.parent / "outside.csv")
    (folder / "data" / "loop.csv").symlink_to("loop.csv")
    assert boundary.inside(folder, "data/in.csv", file="f", column=None) == (folder / "data" / "a.csv").resolve()
    for value, code in (("data/out.csv", "path-outside"), ("data/loop.csv", "path-unreadable")):
        with pytest.raises(BoundaryError) as exc:
            boundary.inside(folder, value, file="f", column="c")
        assert exc.value.problems[0].code == code


def test_special_files_are_refused_before_opening(folder: Path) -> None:
    os.mkfifo(folder / "data" / "pipe.csv")
    (folder / "data" / "dev.csv").symlink_to("/dev/zero")
    for value in ("data/pipe.csv", "data/dev.csv"):
        with pytest.raises(BoundaryError) as exc:
            boundary.read_file(folder, value, file="f", column="c")
        assert exc.value.problems[0].code in ("path-not-file", "path-outside")


def test_read_bytes_never_blocks_on_a_pipe(folder: Path) -> None:
    """Even handed a pipe directly (as if swapped in after the check), reading fails at once."""
    os.mkfifo(folder / "pipe")
    with pytest.raises(OSError):
        boundary.read_bytes(folder / "pipe")


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b'{"name": "a", "name": "b"}', "json-duplicate-key"),
        (b'{"a": {"b": 1, "b": 1}}', "json-duplicate-key"),
        (b"[" * 200_000 + b"]" * 200_000, "json-too-deep"),
        (b'{"a": NaN}', "json-invalid"),
        (b'{"a": Infinity}', "json-invalid"),
        (b'{"a": 1', "json-invalid"),
        (b"", "json-invalid"),
        (b"\xef\xbb\xbf{}", "json-invalid"),
        (b'{"a": "\xff"}', "json-not-utf8"),
    ],
)
def test_json_is_read_strictly(data: bytes, code: str) -> None:
    with pytest.raises(BoundaryError) as exc:
        boundary.load_json(data, "datapackage.json")
    assert exc.value.problems[0].code == code
    assert exc.value.problems[0].file == "datapackage.json"
    assert "Error" not in str(exc.value)


def test_brackets_inside_strings_do_not_count_as_nesting() -> None:
    assert boundary.load_json(b'{"a": "' + b"[" * 1000 + b'\\"{"}', "f") == {"a": "[" * 1000 + '"{'}


def test_publish_writes_only_changes_and_leaves_no_temp_file(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert boundary.publish(out, {"a/b.txt": "1", "c.txt": b"2"}) == ["a/b.txt", "c.txt"]
    assert boundary.publish(out, {"a/b.txt": "1", "c.txt": b"3"}, check_only=True) == ["c.txt"]
    assert tree(out) == {"a/b.txt": b"1", "c.txt": b"2"}
    assert boundary.publish(out, {"a/b.txt": "1", "c.txt": b"3"}) == ["c.txt"]
    assert tree(out) == {"a/b.txt": b"1", "c.txt": b"3"}


@pytest.mark.parametrize("fail_at", [1, 2, 3])
def test_publish_rolls_back_when_a_replacement_fails(tmp_path: Path, monkeypatch, fail_at: int) -> None:
    out = tmp_path / "out"
    boundary.publish(out, {"a/b.txt": "old b", "c.txt": "old c"})
    before = tree(out)
    calls = {"n": 0}
    real = os.replace

    def flaky(src, dst):
        calls["n"] += 1
        if calls["n"] == fail_at:
            raise OSError(28, "No space left on device")
        return real(src, dst)

    monkeypatch.setattr(boundary.os, "replace", flaky)
    with pytest.raises(OSError):
        boundary.publish(out, {"a/b.txt": "new b", "c.txt": "new c", "d/e.txt": "new e"})
    assert tree(out) == before  # old set whole: replaced files restored, created ones removed, no temp file


def test_publish_never_writes_through_a_symlink_or_out_of_root(tmp_path: Path) -> None:
    out, victim = tmp_path / "out", tmp_path / "victim.txt"
    out.mkdir()
    victim.write_text("keep")
    (out / "t.parquet").symlink_to(victim)
    (out / "sub").symlink_to(tmp_path)
    for rel, code in (
        ("t.parquet", "output-symlink"),
        ("sub/x.txt", "output-symlink"),
        ("../x.txt", "path-parent"),
        ("/tmp/x.txt", "path-absolute"),
    ):
        with pytest.raises(BoundaryError) as exc:
            boundary.publish(out, {"ok.txt": "1", rel: "x"})
        assert exc.value.problems[0].code == code
    assert victim.read_text() == "keep"
    assert not (out / "ok.txt").exists()  # refused before anything was written


KILLED = """
import os, signal, sys
from cartel_directive import boundary
real, calls = os.replace, []
def replace(src, dst):
    real(src, dst)
    calls.append(dst)
    if len(calls) == int(sys.argv[2]):
        os.kill(os.getpid(), signal.SIGKILL)
boundary.os.replace = replace
boundary.publish(sys.argv[1], {"a/b.txt": "new b", "c.txt": "new c", "d/e.txt": "new e"})
"""


@pytest.mark.parametrize("killed_after", [2, 3, 4])  # call 1 writes the journal itself
def test_publish_killed_midway_is_rolled_back_by_the_next_run(tmp_path: Path, killed_after: int) -> None:
    import signal
    import subprocess
    import sys

    out = tmp_path / "out"
    boundary.publish(out, {"a/b.txt": "old b", "c.txt": "old c"})
    before = tree(out)
    proc = subprocess.run([sys.executable, "-c", KILLED, str(out), str(killed_after)], capture_output=True, check=False)
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    assert (out / boundary.JOURNAL).exists()
    with pytest.raises(BoundaryError) as exc:
        boundary.publish(out, {"c.txt": "x"}, check_only=True)
    assert exc.value.problems[0].code == "output-interrupted"
    assert boundary.recover(out) is True
    assert tree(out) == before
    assert boundary.publish(out, {"a/b.txt": "new b", "c.txt": "new c"}) == ["a/b.txt", "c.txt"]
    assert tree(out) == {"a/b.txt": b"new b", "c.txt": b"new c"}
