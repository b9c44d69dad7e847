"""One helper for the scripts that generate committed files: write what changed, or check.

``write_or_check(root, files, command, check=...)``: ``files`` maps a path relative to
``root`` to its new text. Without ``check`` the files whose content differs are written
(UTF-8, LF) and named; with ``check`` nothing is written and each stale file is named
with the command that regenerates it. Returns the exit status (1 when ``check`` finds a
stale file, else 0).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path


def stale(root: Path, files: Mapping[Path, str]) -> list[Path]:
    """The files whose committed content differs from ``files`` (or that do not exist)."""
    return [p for p, text in files.items() if not (root / p).is_file() or (root / p).read_bytes() != text.encode()]


def write_or_check(root: Path, files: Mapping[Path, str], command: str, *, check: bool) -> int:
    changed = stale(root, files)
    if check:
        for p in changed:
            print(f"{p.as_posix()}: stale (run `{command}`)")
        print("up to date" if not changed else f"{len(changed)} file(s) stale")
        return 1 if changed else 0
    for p in changed:
        (root / p).parent.mkdir(parents=True, exist_ok=True)
        with (root / p).open("w", encoding="utf-8", newline="\n") as fh:
            fh.write(files[p])
        print(f"wrote {p.as_posix()}")
    print(f"{len(changed)} file(s) changed")
    return 0
