"""The package boundary: which files a command may open, how JSON is read, how output is written.

Every command reads a package that someone else may have edited or broken on purpose.
Three rules, enforced here once and used by the descriptor, the loader, the validator,
``build`` and the exports:

- **Paths stay inside.** A path from a descriptor (a resource's ``path`` or ``schema``) or
  from a table (a ``source_file``) is relative, has no ``..``, is not a URL, and resolves,
  symlinks included, to a regular file inside its folder (the package root or the source
  archive). Folders, named pipes, devices and sockets are refused *before* anything is
  opened, and :func:`read_bytes` opens without blocking and checks again after opening, so
  a file swapped for a pipe in between cannot hang a command. Nothing outside is read,
  hashed or echoed.
- **JSON is data, not code paths.** :func:`load_json` refuses duplicate keys, nesting deeper
  than :data:`MAX_JSON_DEPTH`, ``NaN``/``Infinity`` and files over :data:`MAX_JSON_BYTES`,
  each with a located one-line message, never an exception class name.
- **Writes are all or nothing.** :func:`publish` stages every file next to its target,
  replaces them one by one, and restores the old versions if any replacement fails: the
  output folder holds either the whole old set or the whole new one, never a mix, never a
  temporary file, and it never writes through a symlink.

Problems carry a stable ``code`` (``path-outside``, ``json-duplicate-key``...), the file
and the field or row they concern.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import re
import stat
import tempfile
import unicodedata
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path, PurePosixPath
from typing import Any

from .errors import BoundaryError
from .problems import Problem

#: Nesting deeper than this in a JSON file is refused (the descriptor needs 5 levels).
MAX_JSON_DEPTH = 64
#: A descriptor, schema or metadata file larger than this is refused unread.
MAX_JSON_BYTES = 16 << 20

_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")  # http:, file:, data:, and Windows drives (C:)
#: Unicode categories refused in a path: controls, format characters (bidi, zero-width), surrogates, separators.
_INVISIBLE = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})
#: Leading bytes of the compressed formats a decoder would open (gzip, zip, bzip2, xz, zstd).
COMPRESSED_MAGIC = (b"\x1f\x8b", b"PK\x03\x04", b"BZh", b"\xfd7zXZ\x00", b"(\xb5/\xfd")
COMPRESSED_SUFFIXES = (".gz", ".gzip", ".zip", ".bz2", ".xz", ".zst", ".tgz", ".7z", ".lz4", ".br")


def show(value: object, limit: int = 80) -> str:
    """``value`` as it may appear in a message: quoted, control and invisible characters escaped, cut."""
    text = value if isinstance(value, str) else str(value)
    if len(text) > limit:
        text = text[:limit] + "..."
    return repr(text)  # repr escapes every non-printable character (C0, C1, bidi, zero-width)


def label(value: str) -> str:
    """``value`` as a location (a column or key name in a message): escaped like :func:`show`, unquoted."""
    return show(value)[1:-1] if not value.isprintable() or len(value) > 80 else value


class Refused(Exception):
    """A path refused by :func:`check_relative` or :func:`inside`: a stable ``code`` and a message."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a named pipe"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def check_relative(value: object) -> None:
    """Raise :class:`Refused` for a path that is not a plain relative POSIX path without ``..``."""
    if not isinstance(value, str) or not value:
        raise Refused("path-type", f"must be a relative path (a non-empty string), not {show(value)}")
    if any(unicodedata.category(c) in _INVISIBLE for c in value):
        raise Refused("path-invalid", f"{show(value)} holds a control or invisible character")
    if _SCHEME.match(value) or value.startswith("//"):
        raise Refused("path-url", f"{show(value)} is a URL or a drive; only files inside the package are read")
    if "\\" in value:
        raise Refused("path-invalid", f"{show(value)} holds a backslash; use / between folders")
    if value.startswith("/") or value.startswith("~"):
        raise Refused("path-absolute", f"{show(value)} is absolute; paths are relative to their folder")
    parts = PurePosixPath(value).parts
    if ".." in parts:
        raise Refused("path-parent", f"{show(value)} climbs out with '..'; paths stay inside their folder")


def _resolve(folder: Path, value: object, *, missing_ok: bool, what: str) -> Path:
    check_relative(value)
    assert isinstance(value, str)
    base = Path(os.path.realpath(folder))
    real = Path(os.path.realpath(base / value))
    if real != base and not real.is_relative_to(base):
        raise Refused("path-outside", f"{show(value)} resolves (through a symlink) to a file outside the {what}")
    try:
        mode = os.stat(real).st_mode
    except FileNotFoundError:
        if missing_ok:
            return real
        raise Refused("path-missing", f"{show(value)} does not exist in the {what}") from None
    except OSError as exc:  # a symlink loop, a permission
        raise Refused("path-unreadable", f"{show(value)} cannot be opened: {exc.strerror}") from None
    if not stat.S_ISREG(mode):
        raise Refused("path-not-file", f"{show(value)} is {_kind(mode)}, not a regular file")
    return real


def inside(
    folder: Path,
    value: object,
    *,
    file: str,
    column: str | None,
    row: int | None = None,
    what: str = "package",
    missing_ok: bool = False,
    layer: str = "standard",
) -> Path:
    """The real path of ``value`` under ``folder``, a regular file; else :class:`BoundaryError`.

    ``file``, ``row`` and ``column`` say where ``value`` was written (``datapackage.json``
    and ``resources[events].path``; ``data/sources.csv``, row 3, ``source_file``), so the
    problem names the place a person must fix. ``missing_ok``: a path that does not exist
    (but would be inside) is returned, for checks that report missing files themselves.
    """
    try:
        return _resolve(folder, value, missing_ok=missing_ok, what=what)
    except Refused as exc:
        raise BoundaryError([Problem(file, row, column, exc.message, layer, exc.code)]) from None


def _open_regular(path: Path) -> int:
    """An open descriptor on ``path``, known to be a regular file (no blocking on a pipe, no final symlink)."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    fd = os.open(path, flags)
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise OSError(errno.EINVAL, f"{_kind(mode)}, not a regular file")
    except BaseException:
        os.close(fd)
        raise
    return fd


def read_bytes(path: Path, *, limit: int | None = None) -> bytes:
    """The bytes of the regular file ``path`` (already checked by :func:`inside`).

    Raises :class:`OSError` if it is no longer a regular file, and ``ValueError`` past ``limit`` bytes.
    """
    fd = _open_regular(path)
    with os.fdopen(fd, "rb") as fh:
        data = fh.read() if limit is None else fh.read(limit + 1)
    if limit is not None and len(data) > limit:
        raise ValueError(f"larger than {limit} bytes")
    return data


def digest(path: Path) -> tuple[int, str]:
    """Size in bytes and ``sha256:<hex>`` of the regular file ``path``, read in chunks."""
    h = hashlib.sha256()
    size = 0
    with os.fdopen(_open_regular(path), "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
            size += len(chunk)
    return size, f"sha256:{h.hexdigest()}"


def read_file(
    folder: Path,
    value: object,
    *,
    file: str,
    column: str | None,
    row: int | None = None,
    what: str = "package",
    limit: int | None = None,
    layer: str = "standard",
) -> bytes:
    """:func:`inside`, then :func:`read_bytes`; every failure a located :class:`BoundaryError`."""
    path = inside(folder, value, file=file, column=column, row=row, what=what, layer=layer)
    try:
        return read_bytes(path, limit=limit)
    except ValueError as exc:
        raise BoundaryError([Problem(file, row, column, f"{show(value)} is {exc}", layer, "file-too-large")]) from None
    except OSError as exc:
        msg = f"{show(value)} cannot be read: {exc.strerror or exc}"
        raise BoundaryError([Problem(file, row, column, msg, layer, "path-unreadable")]) from None


# --------------------------------------------------------------------------- JSON


def _too_deep(value: Any, limit: int) -> bool:
    """Whether ``value`` nests objects and lists more than ``limit`` levels (iteratively: no recursion)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else None
        if children is None:
            continue
        if depth > limit:
            return True
        stack.extend((c, depth + 1) for c in children if isinstance(c, (dict, list)))
    return False


class _Duplicate(Exception):
    pass


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _Duplicate(key)
        out[key] = value
    return out


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def load_json(data: bytes, file: str, *, layer: str = "standard") -> Any:
    """Parse one JSON document strictly; :class:`BoundaryError` naming ``file`` on any failure."""

    def fail(code: str, message: str, column: str | None = None) -> BoundaryError:
        return BoundaryError([Problem(file, None, column, message, layer, code)])

    if len(data) > MAX_JSON_BYTES:
        raise fail("json-too-large", f"is {len(data)} bytes; larger than {MAX_JSON_BYTES} is refused")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise fail("json-not-utf8", f"is not UTF-8 (byte {exc.start})") from None
    if text.startswith("\ufeff"):
        raise fail("json-invalid", "starts with a byte-order mark; JSON is UTF-8 without one")
    too_deep = fail("json-too-deep", f"nests deeper than {MAX_JSON_DEPTH} levels")
    try:
        value = json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_no_constant)
    except RecursionError:  # the parser's own guard, far deeper than ours: same verdict
        raise too_deep from None
    except _Duplicate as exc:
        raise fail(
            "json-duplicate-key", f"has the key {show(exc.args[0])} twice in one object", label(exc.args[0])
        ) from None
    except json.JSONDecodeError as exc:
        raise fail("json-invalid", f"is not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})") from None
    except ValueError as exc:
        raise fail("json-invalid", f"is not valid JSON: {exc}") from None
    if _too_deep(value, MAX_JSON_DEPTH):
        raise too_deep
    return value


def read_json(folder: Path, value: object, *, file: str, column: str | None, what: str = "package") -> Any:
    """Read the JSON file ``value`` under ``folder`` (named at ``file``/``column``), inside the boundary."""
    data = read_file(folder, value, file=file, column=column, what=what, limit=MAX_JSON_BYTES)
    return load_json(data, value if isinstance(value, str) else file)


# --------------------------------------------------------------------------- all-or-nothing output


def _target(root: Path, rel: str) -> Path:
    """Where ``rel`` goes under ``root``: refuse names that leave it or a symlink on the way."""
    try:
        check_relative(rel)
    except Refused as exc:
        name = show(rel)[1:-1] if isinstance(rel, str) else "?"
        raise BoundaryError([Problem(name, None, None, exc.message, "", exc.code)]) from None
    path = root
    parts = PurePosixPath(rel).parts
    for i, part in enumerate(parts):
        path = path / part
        try:
            mode = os.lstat(path).st_mode
        except FileNotFoundError:
            continue
        last = i == len(parts) - 1
        if stat.S_ISLNK(mode):
            msg = "is a symlink; output is never written through one (remove it first)"
            raise BoundaryError([Problem(str(PurePosixPath(*parts[: i + 1])), None, None, msg, "", "output-symlink")])
        if (last and not stat.S_ISREG(mode)) or (not last and not stat.S_ISDIR(mode)):
            msg = f"is {_kind(mode)}; cannot write {rel} there"
            raise BoundaryError([Problem(str(PurePosixPath(*parts[: i + 1])), None, None, msg, "", "output-not-file")])
    return path


#: Written beside the outputs while they are being replaced; its presence means a run was killed midway.
JOURNAL = ".cartel-directive-publish.json"


def publish(root: str | os.PathLike[str], files: Mapping[str, bytes | str], *, check_only: bool = False) -> list[str]:
    """Write ``files`` (relative POSIX path -> content) under ``root``, all or nothing.

    Returns the relative paths whose content changed (in the order given); unchanged files
    are not touched. ``check_only``: compute that list, write nothing. ``root`` is created
    if missing.

    1. Every target is checked (:class:`BoundaryError` for a name that leaves ``root``, a
       symlink on the way, a folder or pipe in the way) before anything is written.
    2. Every new content is staged in a temporary file beside its target and flushed to
       disk; every file about to be replaced gets a second name (a hard link).
    3. A journal listing both is written, then the targets are replaced one by one, each
       by an atomic rename; then the journal and the old names are removed.

    If a step fails, the files already replaced get their old content back, files created
    are removed, and the error is raised. If the process is killed in step 3, the journal
    stays, and the next :func:`publish` (or :func:`recover`) on ``root`` rolls back first.
    Either way ``root`` ends with the whole old set or the whole new one, and no temporary file.
    """
    base = Path(root)
    recover(base, check_only=check_only)
    payloads = {rel: data.encode("utf-8") if isinstance(data, str) else data for rel, data in files.items()}
    targets = {rel: _target(base, rel) for rel in payloads}
    changed = []
    for rel, data in payloads.items():
        try:
            old = read_bytes(targets[rel])
        except FileNotFoundError:
            old = None
        if old != data:
            changed.append(rel)
    if check_only or not changed:
        return changed

    base.mkdir(parents=True, exist_ok=True)
    staged: dict[str, str] = {}
    backups: dict[str, str | None] = {}  # rel -> second name of the old file, or None if there was none
    done: list[str] = []
    journal = base / JOURNAL
    try:
        for rel in changed:
            target = targets[rel]
            target.parent.mkdir(parents=True, exist_ok=True)
            _target(base, rel)  # a folder made by someone else on the way is checked again
            fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".new", dir=target.parent)
            staged[rel] = tmp
            os.fchmod(fd, _mode_for(target))  # mkstemp makes 0600; a published file gets the usual mode
            with os.fdopen(fd, "wb") as fh:
                fh.write(payloads[rel])
                fh.flush()
                os.fsync(fh.fileno())
            backups[rel] = _keep_old(target)
        entries = [[rel, os.path.relpath(staged[rel], base), _rel(backups[rel], base)] for rel in changed]
        write_durably(journal, json.dumps(entries).encode("utf-8"))
        for rel in changed:
            os.replace(staged[rel], targets[rel])
            del staged[rel]
            done.append(rel)
        journal.unlink()
    except BaseException:
        for rel in reversed(done):
            kept = backups.get(rel)
            if kept is None:
                targets[rel].unlink(missing_ok=True)
            else:
                os.replace(kept, targets[rel])
                backups[rel] = None
        journal.unlink(missing_ok=True)
        raise
    finally:
        for tmp in staged.values():
            Path(tmp).unlink(missing_ok=True)
        for kept in backups.values():
            if kept is not None:
                Path(kept).unlink(missing_ok=True)
    return changed


def _mode_for(target: Path) -> int:
    """The permissions of the file being replaced, or what ``open()`` gives a new file (0666 less the umask)."""
    try:
        return stat.S_IMODE(os.lstat(target).st_mode)
    except FileNotFoundError:
        mask = os.umask(0)
        os.umask(mask)
        return 0o666 & ~mask


def _rel(path: str | None, base: Path) -> str | None:
    return None if path is None else os.path.relpath(path, base)


def write_durably(path: Path, data: bytes) -> None:
    """Replace one file: a temporary file in the same folder, flushed to disk, then renamed.

    A run killed at any point leaves either the old or the new file whole, never a mix.
    Several files that must change together go through :func:`publish` instead.
    """
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".new", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def recover(root: str | os.PathLike[str], *, check_only: bool = False) -> bool:
    """Roll back a :func:`publish` that was killed midway under ``root``; return whether there was one.

    ``check_only``: do not roll back, but refuse (:class:`BoundaryError`) to compare
    against a half-published set.
    """
    base = Path(root)
    journal = base / JOURNAL
    if not os.path.lexists(journal):
        return False
    problem = Problem(JOURNAL, None, None, "", "", "output-interrupted")
    try:
        entries = load_json(read_bytes(journal, limit=MAX_JSON_BYTES), JOURNAL)
        paths = [(_target(base, rel), _target(base, new), old and _target(base, old)) for rel, new, old in entries]
    except (OSError, ValueError, TypeError, BoundaryError):
        msg = "an earlier run was killed while publishing and its journal is unreadable; restore this folder by hand"
        raise BoundaryError([replace(problem, message=msg)]) from None
    if check_only:
        msg = "an earlier run was killed while publishing; run the command again without --check to roll it back"
        raise BoundaryError([replace(problem, message=msg)])
    for target, new, old in paths:
        if old is not None and old.exists():
            os.replace(old, target)  # the old file back (if never replaced: two names of one file, rename does nothing)
            old.unlink(missing_ok=True)
        elif old is None and not new.exists():
            target.unlink(missing_ok=True)  # created by the killed run
        new.unlink(missing_ok=True)
    journal.unlink()
    return True


def _keep_old(target: Path) -> str | None:
    """A second name for ``target``'s current file (a hard link, or a copy), or None if it has none."""
    if not target.exists():
        return None
    fd, keep = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".old", dir=target.parent)
    os.close(fd)
    os.unlink(keep)
    try:
        os.link(target, keep)
    except OSError:  # a file system without hard links
        with open(keep, "wb") as fh:
            fh.write(read_bytes(target))
    return keep
