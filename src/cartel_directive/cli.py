"""The ``cartel-directive`` command line."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from .boundary import show
from .errors import BoundaryError, CartelDirectiveError, MissingExtraError
from .resources import PackageNotFoundError


def _version() -> str:
    """The installed distribution's version (read only when asked: importlib.metadata costs ~30 ms to import)."""
    from . import __version__

    return str(__version__)


class _VersionAction(argparse.Action):
    """``--version``, reading the version only when it is asked for (every other command skips it)."""

    def __call__(self, parser: argparse.ArgumentParser, *args: object, **kwargs: object) -> None:
        print(f"{parser.prog} {_version()}")  # to standard output, as argparse's own "version" action
        parser.exit()


class UsageError(Exception):
    """The command was called wrongly (no package there, an argument that does not fit): exit 2."""


def _package(args: argparse.Namespace) -> Path:
    """The package a command was given, resolved the same way for every command.

    ``--package PATH`` (a ``datapackage.json`` or its folder); ``validate`` and ``build`` still
    accept the older positional PATH, with a warning. Without either: the current folder's
    package, else the installed one. No package there is a usage error (exit 2).
    """
    from .resources import resolve_root

    given = args.package
    old = getattr(args, "path", None)
    if old is not None:
        print(f"warning: the positional PATH is deprecated; use --package {old}", file=sys.stderr)
        if given is not None and Path(given) != Path(old):
            raise UsageError(f"two packages given ({old} and --package {given}); give one, with --package")
        given = old
    try:
        return resolve_root(given)
    except PackageNotFoundError as exc:
        raise UsageError(f"no package there: {exc}") from exc


def _validate(args: argparse.Namespace) -> int:
    """Exit 0: valid; 1: invalid data; 2: usage or I/O error (no package, unreadable file, an
    archive folder that does not exist, ``--require-provenance`` without an archive): those are
    said in one line, with no report, since they are no verdict on the data."""
    import json

    from .extras import require
    from .problems import escape
    from .resources import sources_dir

    root = _package(args)
    folder, how = sources_dir(args.sources)
    if folder is not None and not folder.is_dir():
        raise UsageError(
            f"the source archive folder {folder} (from {how}) "
            + ("is not a folder" if folder.exists() else "does not exist")
            + "; give the archive's folder, or leave it out to validate without the provenance layer"
        )
    if folder is None and args.require_provenance:
        raise UsageError("--require-provenance: no source archive (give --sources DIR or set CARTEL_DIRECTIVE_SOURCES)")
    require("validate", "validate")
    from .validate import validate

    try:
        report = validate(root, sources=args.sources, with_frictionless=args.with_frictionless)
    except OSError as exc:
        print(f"error: {escape(str(exc))}", file=sys.stderr)
        return 2
    if args.format == "json":
        print(json.dumps(report.to_json(), indent=2))
    else:
        for line in report.lines():
            print(line)
    return 0 if report.ok else 1


def _installed(root: Path) -> bool:
    """Is ``root`` the copy pip installed (a wheel's ``cartel_directive/package`` in site-packages)?"""
    parts = root.resolve().parts
    return "site-packages" in parts or "dist-packages" in parts or parts[-2:] == ("cartel_directive", "package")


def _build(args: argparse.Namespace) -> int:
    from .extras import require
    from .resources import sources_dir

    root = _package(args)
    if _installed(root):
        raise UsageError(
            f"{root} is the installed copy, which build never rewrites; work on a checkout or a copy "
            "(git clone the repository, pip install -e '.[validate]' in it, and run build there, "
            "or pass --package DIR)"
        )
    require("validate", "build")
    from .build import BuildError, build

    folder, how = sources_dir(args.sources)
    if folder is None or not folder.is_dir():
        print(
            f"error: build needs the source archive: {how if folder is None else f'{folder} is not a folder'}",
            file=sys.stderr,
        )
        return 2
    try:
        result = build(root, folder, check_only=args.check, accept=args.accept_source)
    except BuildError as exc:
        for p in exc.problems:
            print(p)
        print(f"build refused: {len(exc.problems)} problem(s); nothing was written", file=sys.stderr)
        return 1
    for line in result.accepted:
        print(line)
    if args.check:
        for rel in result.changed:
            print(f"{rel}: stale (run `cartel-directive build`)")
        print("up to date" if not result.changed else f"{len(result.changed)} file(s) stale")
        return 1 if result.changed else 0
    for rel in result.changed:
        print(f"rewrote {rel}")
    print(f"build done: {len(result.changed)} file(s) changed")
    return 0


def _info(args: argparse.Namespace) -> int:
    from .citation import cite
    from .loader import _names, _open, load

    pkg = _open(_package(args))
    d = pkg.descriptor
    print(f"{d.get('title', d.get('name', 'cartel-directive'))}")
    print(f"version {pkg.version} (Python package {_version()}); files in {pkg.root}")
    print()
    names = _names(pkg)
    width = max(map(len, names), default=0)
    rows = {name: len(load(name, root=pkg.root)) for name in names}
    print(f"tables ({sum(rows.values())} rows):")
    for name in names:
        print(f"  {name:<{width}}  {rows[name]:>6}  {pkg.resources[name].descriptor.get('title', '')}")
    print()
    print("licences:")
    for lic in d.get("licenses", []):
        print(f"  {lic.get('name', '?')}: {lic.get('title', lic.get('path', ''))}")
    print()
    print("cite as:")
    print(f"  {cite('apa', pkg.root)}")
    print("  (BibTeX: `cartel-directive cite --format bibtex`; one row: `cartel-directive cite --row TABLE/ID`)")
    return 0


def _cite(args: argparse.Namespace) -> int:
    from .citation import cite, cite_row

    root = _package(args)
    if args.row is None:
        print(cite(args.format, root))
        return 0
    if args.format == "cff":
        raise UsageError("--row works with --format apa or bibtex, not cff")
    table, sep, key = args.row.partition("/")
    if not sep or not table or not key:
        raise UsageError(f"--row {args.row!r}: expected TABLE/ID, for example statements/stm-0001")
    print(cite_row(args.format, table, key, root))
    return 0


def _export(args: argparse.Namespace) -> int:
    from .extras import require

    root = _package(args)
    require("export", f"export --format {args.format}")
    from .exports import export

    for file in export(args.format, args.out, root=root):
        print(f"wrote {file}")
    return 0


def _browse(args: argparse.Namespace) -> int:
    from .extras import require

    root = _package(args)
    require("browse", "browse")
    from .browse import browse

    return browse(root=root, port=args.port)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="cartel-directive",
        description="A hand-curated dataset of four news reports on the August 2025 US directive against Latin American drug cartels.",
    )
    p.add_argument("--version", action=_VersionAction, nargs=0, help="show the version and exit")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")
    package_help = "datapackage.json or its folder (default: the current folder's package, else the installed one)"

    v = sub.add_parser(
        "validate",
        help="run every check on a package and print a report",
        description="Check a data package: the standard (descriptor, bytes, hashes), CSV hygiene, "
        "types/constraints/keys (pandera, from the Table Schemas), and provenance "
        "against the source archive. Prints one line per problem "
        "(file:row:column: what is wrong [code]) and a summary; exits 1 on invalid data, 2 on a usage or I/O error.",
    )
    v.add_argument("--package", metavar="PATH", help=package_help)
    v.add_argument("path", nargs="?", help=argparse.SUPPRESS)  # deprecated: use --package
    v.add_argument(
        "--sources",
        metavar="DIR",
        help="the source archive (default: $CARTEL_DIRECTIVE_SOURCES); without it provenance is not checked",
    )
    v.add_argument("--with-frictionless", action="store_true", help="also run the Frictionless validator")
    v.add_argument("--require-provenance", action="store_true", help="fail if the provenance layer could not run")
    v.add_argument(
        "--format",
        choices=("text", "json"),
        default="text",
        help="text: one line per problem (at most 20 per code) and a summary; "
        "json: every problem (code, layer, file, row, column, message) and the summary",
    )
    v.set_defaults(func=_validate)

    b = sub.add_parser(
        "build",
        help="recompute offsets, sizes and hashes (atomic; refuses invalid output)",
        description="Recompute sources.csv identities and body ranges, every evidence offset, the canonical "
        "CSV form and datapackage.json's bytes/hash/version, from the source archive. "
        "Writes nothing unless the result validates.",
    )
    b.add_argument("--package", metavar="PATH", help=package_help + "; never the installed copy")
    b.add_argument("path", nargs="?", help=argparse.SUPPRESS)  # deprecated: use --package
    b.add_argument("--sources", metavar="DIR", help="the source archive (default: $CARTEL_DIRECTIVE_SOURCES)")
    b.add_argument("--check", action="store_true", help="write nothing; exit 1 if any file is stale")
    b.add_argument(
        "--accept-source",
        metavar="FILE",
        action="append",
        default=[],
        help="accept that the archived FILE (as named in sources.csv) changed since its SHA-256 was recorded, "
        "and record the new one; without it a changed archived file is refused (repeatable)",
    )
    b.set_defaults(func=_build)

    i = sub.add_parser(
        "info",
        help="show the tables, their row counts, the version, licences and how to cite",
        description="Summarise the data package: each table with its row count and title, the version, "
        "the licences of data and code, and a citation. Every data file is checked against "
        "datapackage.json's SHA-256 first.",
    )
    i.add_argument("--package", metavar="PATH", help=package_help)
    i.set_defaults(func=_info)

    c = sub.add_parser(
        "cite",
        help="print a citation (BibTeX, APA or CFF) generated from CITATION.cff",
        description="Print how to cite the dataset, generated from the package's CITATION.cff "
        "(or, without one, from its datapackage.json). --row TABLE/ID cites one row: the dataset's "
        "citation with the table, the row's id and the version.",
    )
    c.add_argument("--package", metavar="PATH", help=package_help)
    c.add_argument(
        "--row",
        metavar="TABLE/ID",
        help="cite one row, e.g. statements/stm-0001 (a composite key joins its values with '+')",
    )
    c.add_argument(
        "--format",
        choices=("bibtex", "apa", "cff"),
        default="apa",
        help="bibtex: a @misc entry; apa: an APA 7 reference; cff: CITATION.cff itself (default: apa)",
    )
    c.set_defaults(func=_cite)

    e = sub.add_parser(
        "export",
        help="write the tables as Parquet, SQLite, Stata or Excel files",
        description="Validate the package (every check that needs no archive; an invalid package is refused), "
        "then write every table, typed as the loader types it, into DIR, all or nothing: "
        "parquet (one <table>.parquet each: date32 dates, categories as dictionaries, the descriptor, "
        "licence, version and citation in the file metadata), "
        "sqlite (cartel-directive.sqlite with keys, checks, foreign-key indexes and package_metadata, "
        "package_files and package_fields tables, plus cartel-directive.metadata.json for datasette), "
        "stata (one <table>.dta each, format 118: value and variable labels, strL, notes with licence, "
        "version, citation and column descriptions), xlsx (cartel-directive.xlsx: an 'about' sheet, one "
        "sheet per table with frozen headers and filters, a 'fields' codebook; text is always stored as "
        "text). Needs the export extra: pip install 'cartel-directive[export]'.",
    )
    e.add_argument("--format", required=True, choices=("parquet", "sqlite", "stata", "xlsx"), help="the file format")
    e.add_argument("--out", required=True, metavar="DIR", help="folder to write into (created if needed)")
    e.add_argument("--package", metavar="PATH", help=package_help)
    e.set_defaults(func=_export)

    w = sub.add_parser(
        "browse",
        help="browse the tables in datasette, on this machine only (needs the [browse] extra)",
        description="Export the package to SQLite (with its licence, citation and every table and column "
        "description) into a temporary folder and serve it with datasette on http://127.0.0.1:PORT/ "
        "(this machine only) until interrupted; statement rows link to their speakers and sources. "
        "Needs datasette: pip install 'cartel-directive[browse]'.",
    )
    w.add_argument("--package", metavar="PATH", help=package_help)
    w.add_argument("--port", type=int, default=8001, help="the local port to listen on (default: 8001)")
    w.set_defaults(func=_browse)
    return p


#: At most this many located problems of one refusal are printed on stderr.
_SHOWN = 20


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; return its exit code: 0 fine, 1 invalid data, 2 usage or I/O error.

    Every error is one line naming the file (and field or row) concerned, after ``error:``;
    nothing the input holds can make it print a traceback.
    """
    args = parser().parse_args(argv)
    try:
        code = int(args.func(args))
        sys.stdout.flush()  # a closed pipe shows here, inside the handlers, not at interpreter exit
        return code
    except BrokenPipeError:  # the reader went away (`| head`): stop quietly, as `cat` does
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 128 + 13  # what a shell reports for a process ended by SIGPIPE
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BoundaryError as exc:  # located, coded problems: one line each
        for p in exc.problems[:_SHOWN]:
            print(f"error: {p}", file=sys.stderr)
        if len(exc.problems) > _SHOWN:
            print(f"error: and {len(exc.problems) - _SHOWN} more", file=sys.stderr)
        return 1
    except (UsageError, MissingExtraError, PackageNotFoundError) as exc:  # called wrongly, an extra to install
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except CartelDirectiveError as exc:  # a problem the user can act on, already one clear line
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:  # I/O: a file that vanished, a full disk, a permission
        where = f"{show(str(exc.filename))[1:-1]}: " if exc.filename else ""
        print(f"error: {where}{exc.strerror or 'input/output error'}", file=sys.stderr)
        return 2
    except MemoryError:
        print(f"error: {args.command}: out of memory", file=sys.stderr)
        return 2
    except Exception as exc:  # last resort, never expected: one line, no traceback, no class name
        detail = show(str(exc)) if str(exc) else "no detail"
        print(
            f"error: {args.command} stopped on an unexpected internal error ({detail}); "
            "please report it with the command you ran",
            file=sys.stderr,
        )
        return 2


if __name__ == "__main__":
    sys.exit(main())
