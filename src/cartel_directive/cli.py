"""The ``cartel-directive`` command line."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from . import __version__


def _validate(args: argparse.Namespace) -> int:
    from .validate import validate

    report = validate(args.path, sources=args.sources, with_frictionless=args.with_frictionless)
    for line in report.lines():
        print(line)
    if args.require_provenance and "provenance" not in report.ran:
        print("error: the provenance layer did not run (--require-provenance)", file=sys.stderr)
        return 1
    return 0 if report.ok else 1


def _build(args: argparse.Namespace) -> int:
    from .build import BuildError, build
    from .resources import sources_dir

    folder, how = sources_dir(args.sources)
    if folder is None or not folder.is_dir():
        print(
            f"error: build needs the source archive: {how if folder is None else f'{folder} is not a folder'}",
            file=sys.stderr,
        )
        return 2
    try:
        result = build(args.path, folder, check_only=args.check)
    except BuildError as exc:
        for p in exc.problems:
            print(p)
        print(f"build refused: {len(exc.problems)} problem(s); nothing was written", file=sys.stderr)
        return 1
    if args.check:
        for rel in result.changed:
            print(f"{rel}: stale (run `cartel-directive build`)")
        print("up to date" if not result.changed else f"{len(result.changed)} file(s) stale")
        return 1 if result.changed else 0
    for rel in result.changed:
        print(f"rewrote {rel}")
    print(f"build done: {len(result.changed)} file(s) changed")
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="cartel-directive",
        description="A hand-curated dataset of four news reports on the August 2025 US directive against Latin American drug cartels.",
    )
    p.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    v = sub.add_parser(
        "validate",
        help="run every check on a package and print a report",
        description="Check a data package: the standard (descriptor, bytes, hashes), CSV hygiene, "
        "types/constraints/keys (pandera, from the Table Schemas), and provenance "
        "against the source archive. Prints one line per problem "
        "(file:row:column: what is wrong) and a summary; exits 1 on any problem.",
    )
    v.add_argument(
        "path",
        nargs="?",
        help="datapackage.json or its folder (default: the current folder's package, else the installed one)",
    )
    v.add_argument(
        "--sources",
        metavar="DIR",
        help="the source archive (default: $CARTEL_DIRECTIVE_SOURCES); without it provenance is not checked",
    )
    v.add_argument("--with-frictionless", action="store_true", help="also run the Frictionless validator")
    v.add_argument("--require-provenance", action="store_true", help="fail if the provenance layer could not run")
    v.set_defaults(func=_validate)

    b = sub.add_parser(
        "build",
        help="recompute offsets, sizes and hashes (atomic; refuses invalid output)",
        description="Recompute sources.csv identities and body ranges, every evidence offset, the canonical "
        "CSV form and datapackage.json's bytes/hash/version, from the source archive. "
        "Writes nothing unless the result validates.",
    )
    b.add_argument("path", nargs="?", help="datapackage.json or its folder (default: the current folder's package)")
    b.add_argument("--sources", metavar="DIR", help="the source archive (default: $CARTEL_DIRECTIVE_SOURCES)")
    b.add_argument("--check", action="store_true", help="write nothing; exit 1 if any file is stale")
    b.set_defaults(func=_build)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return int(args.func(args))
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # last resort: one clear line, never a traceback
        print(f"error: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
