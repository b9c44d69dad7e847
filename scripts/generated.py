"""One helper for the scripts that generate committed files: write what changed, or check.

``write_or_check(root, files, command, check=...)``: ``files`` maps a path relative to
``root`` to its new text. Without ``check`` the files whose content differs are written
(UTF-8, LF) and named; with ``check`` nothing is written and each stale file is named
with the command that regenerates it. Returns the exit status (1 when ``check`` finds a
stale file, else 0).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from cartel_directive.boundary import write_durably
from cartel_directive.errors import CartelDirectiveError
from cartel_directive.resources import PackageNotFoundError


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
        write_durably(root / p, files[p].encode("utf-8"))  # whole or not at all, never half a file
        print(f"wrote {p.as_posix()}")
    print(f"{len(changed)} file(s) changed")
    return 0


def main(
    description: str,
    outputs: Callable[[Path], Mapping[Path, str]],
    command: str,
    default_root: Path,
    argv: Sequence[str] | None = None,
    *,
    expected: type[Exception] = ValueError,
) -> int:
    """The command line of a generator: ``--check`` and ``--root``.

    ``expected`` errors, a missing package and the package's own errors are one line
    on stderr and exit 2 (never a traceback).
    """
    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("--check", action="store_true", help="write nothing; exit 1 if a generated file is stale")
    ap.add_argument("--root", type=Path, default=default_root, help="repository root (default: this checkout)")
    args = ap.parse_args(argv)
    try:
        files = outputs(args.root)
    except (expected, CartelDirectiveError, PackageNotFoundError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return write_or_check(args.root, files, command, check=args.check)
