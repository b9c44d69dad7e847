"""How to cite the dataset: BibTeX, APA and CFF, all generated from ``CITATION.cff``.

``CITATION.cff`` sits next to ``datapackage.json`` (the repository root, or
``cartel_directive/package/`` in a wheel). Only what the file says is printed: no
DOI, URL or year is made up when the file has none. A copy of the package without
a ``CITATION.cff`` is cited from its own ``datapackage.json`` (title, version,
contributors), never from the installed package's file.
"""

from __future__ import annotations

import functools
import os
import re
from pathlib import Path
from typing import Any

from . import boundary
from .errors import CartelDirectiveError
from .resources import bundled_root

CFF_FILE = "CITATION.cff"
FORMATS = ("bibtex", "apa", "cff")


def cff_path(root: Path | None = None) -> Path:
    """Where ``CITATION.cff`` is (default: next to the installed package's ``datapackage.json``)."""
    base = root or bundled_root()
    file = base / CFF_FILE
    if os.path.lexists(file):  # a symlink out of the package, a pipe or a folder: refused, never read
        return boundary.inside(base, CFF_FILE, file=CFF_FILE, column=None)
    if not file.is_file():
        if root is None or root.resolve() == bundled_root().resolve():
            raise CartelDirectiveError(f"{file}: missing; reinstall cartel-directive")
        raise CartelDirectiveError(
            f"{file}: missing; this package has no {CFF_FILE} (--format apa or bibtex cite it from its datapackage.json)"
        )
    return file


def read_cff(root: Path | None = None) -> dict[str, Any]:
    """``CITATION.cff`` parsed with PyYAML (dates stay strings, as the CFF schema wants)."""
    import yaml

    file = cff_path(root)
    try:
        data = yaml.load(_read(file), Loader=_loader())
    except yaml.YAMLError as exc:
        raise CartelDirectiveError(f"{file}: not valid YAML: {' '.join(str(exc).split())}") from exc
    if not isinstance(data, dict) or "title" not in data:
        raise CartelDirectiveError(f"{file}: not a CITATION.cff (no title)")
    return data


def _read(file: Path) -> str:
    """The text of ``CITATION.cff`` (a regular file, already inside the package; at most 1 MiB of UTF-8)."""
    try:
        return boundary.read_bytes(file, limit=1 << 20).decode("utf-8")
    except (UnicodeDecodeError, ValueError) as exc:
        raise CartelDirectiveError(f"{file}: not a UTF-8 text file of at most 1 MiB") from exc


@functools.cache
def _loader() -> type:
    """PyYAML's SafeLoader, except that ``2025-08-08`` stays a string instead of a ``datetime.date``."""
    import yaml

    class Loader(yaml.SafeLoader):
        pass

    Loader.yaml_implicit_resolvers = {
        k: [(tag, rx) for tag, rx in v if tag != "tag:yaml.org,2002:timestamp"]
        for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }
    return Loader


def _author_names(cff: dict[str, Any]) -> list[str]:
    """Each author as written: an entity's ``name``, or a person's ``given-names family-names``."""
    out = []
    for a in cff.get("authors", []):
        if "name" in a:
            out.append(str(a["name"]))
        else:
            parts = [a.get("name-particle"), a.get("family-names"), a.get("name-suffix")]
            family = " ".join(str(p) for p in parts if p)
            out.append(f"{family}, {a['given-names']}" if a.get("given-names") else family)
    return out


def _year(cff: dict[str, Any]) -> str | None:
    date = cff.get("date-released")
    return str(date)[:4] if date else None


_BIBTEX_SPECIAL = re.compile(r"([&%$#_{}])")


def _bib_escape(text: str) -> str:
    text = text.replace("\\", r"\textbackslash{}")
    text = _BIBTEX_SPECIAL.sub(r"\\\1", text)
    return text.replace("~", r"\textasciitilde{}").replace("^", r"\textasciicircum{}")


def bibtex(cff: dict[str, Any], *, where: str = "", key_suffix: str = "") -> str:
    """A BibTeX ``@misc`` entry; entity authors are braced so BibTeX keeps them whole.

    ``where`` (one row, see :func:`cite_row`) goes into the note, ``key_suffix`` into the key.

    >>> print(bibtex({"title": "T", "version": "1.0.0", "type": "dataset", "authors": [{"name": "The A & B team"}]}))
    @misc{t_1_0_0,
      author = {{The A \\& B team}},
      title = {{T}},
      version = {1.0.0},
      note = {Dataset, version 1.0.0},
    }
    """
    authors = []
    for a, name in zip(cff.get("authors", []), _author_names(cff), strict=True):
        authors.append(f"{{{_bib_escape(name)}}}" if "name" in a else _bib_escape(name))
    version = str(cff.get("version", ""))
    fields: list[tuple[str, str]] = [
        ("author", " and ".join(authors)),
        ("title", "{" + _bib_escape(str(cff["title"])) + "}"),
    ]
    if year := _year(cff):
        fields.append(("year", year))
    if version:
        fields.append(("version", _bib_escape(version)))
    if cff.get("doi"):
        fields.append(("doi", _bib_escape(str(cff["doi"]))))
    if cff.get("url"):
        fields.append(("url", str(cff["url"])))
    kind = "Dataset" if cff.get("type") == "dataset" else "Software"
    note = f"{kind}, version {_bib_escape(version)}" if version else kind
    fields.append(("note", f"{note}; {_bib_escape(where)}" if where else note))
    stem = str(cff["title"]).split(":")[0]
    key = re.sub(r"[^a-z0-9]+", "_", f"{stem} {version} {key_suffix}".lower()).strip("_")
    body = "".join(f"  {k} = {{{v}}},\n" for k, v in fields if v)
    return f"@misc{{{key},\n{body}}}"


def apa(cff: dict[str, Any]) -> str:
    """An APA 7 reference (plain text; italics are not marked).

    >>> print(apa({"title": "T", "version": "1.0.0", "type": "dataset", "authors": [{"name": "The team"}]}))
    The team. (n.d.). T (Version 1.0.0) [Data set].
    """
    names = _author_names(cff) or ["Anonymous"]
    who = names[0] if len(names) == 1 else ", ".join(names[:-1]) + ", & " + names[-1]
    year = _year(cff) or "n.d."
    version = f" (Version {cff['version']})" if cff.get("version") else ""
    kind = " [Data set]" if cff.get("type") == "dataset" else " [Computer software]"
    out = f"{who.rstrip('.')}. ({year}). {cff['title']}{version}{kind}."
    if cff.get("doi"):
        out += f" https://doi.org/{cff['doi']}"
    elif cff.get("url"):
        out += f" {cff['url']}"
    return out


def from_descriptor(descriptor: dict[str, Any]) -> dict[str, Any]:
    """CFF-shaped metadata from a ``datapackage.json`` (for a copy that has no ``CITATION.cff``).

    >>> from_descriptor({"title": "T", "version": "1.0.0", "contributors": [{"title": "A", "roles": ["creator"]}]})
    {'title': 'T', 'type': 'dataset', 'authors': [{'name': 'A'}], 'version': '1.0.0'}
    """
    people = descriptor.get("contributors") or []
    creators = [c for c in people if "creator" in (c.get("roles") or [])] or people
    out: dict[str, Any] = {
        "title": str(descriptor.get("title") or descriptor.get("name") or "Untitled data package"),
        "type": "dataset",
        "authors": [{"name": str(c.get("title") or "Anonymous")} for c in creators],
    }
    if descriptor.get("version"):
        out["version"] = str(descriptor["version"])
    return out


def metadata(root: Path | None = None) -> dict[str, Any]:
    """What to cite the package at ``root`` from: its ``CITATION.cff``, else what its ``datapackage.json`` says.

    The one fallback for a copy without ``CITATION.cff`` (:func:`from_descriptor`): ``cite``,
    ``cite_row`` and the exports all cite through here.
    """
    base = root or bundled_root()
    if os.path.lexists(base / CFF_FILE):
        return read_cff(base)
    descriptor = boundary.read_json(base, "datapackage.json", file="datapackage.json", column=None)
    if not isinstance(descriptor, dict):
        raise CartelDirectiveError(f"{base / 'datapackage.json'}: not a JSON object")
    return from_descriptor(descriptor)


def cite(fmt: str, root: Path | None = None) -> str:
    """The citation in ``fmt`` (``bibtex``, ``apa`` or ``cff``, the file itself) of the package at ``root``."""
    if fmt not in FORMATS:
        raise CartelDirectiveError(f"unknown citation format {fmt!r}; choose one of: {', '.join(FORMATS)}")
    if fmt == "cff":
        return _read(cff_path(root)).rstrip("\n")
    cff = metadata(root)
    return bibtex(cff) if fmt == "bibtex" else apa(cff)


def row_key(table: str, key: str, root: Path | None = None) -> list[tuple[str, str]]:
    """The primary-key fields and values of the row ``key`` of ``table``, after checking the row exists.

    A composite key is written with its values joined by ``+`` in key order
    (``ev-0001+us-government+agent``).
    """
    from .descriptor import Package
    from .loader import load

    pkg = Package.installed_or(root)
    if table not in pkg.resources:
        raise CartelDirectiveError(f"unknown table {table!r}; the tables are: {', '.join(pkg.resources)}")
    fields = list(pkg.schemas[table].primary_key)
    values = key.split("+") if len(fields) > 1 else [key]
    if len(values) != len(fields):
        raise CartelDirectiveError(
            f"{table}: the primary key is {' + '.join(fields)}; write the row as " + "+".join(f.upper() for f in fields)
        )
    df = load(table, root=pkg.root)
    match = df[fields].astype("string").eq(values).all(axis=1)
    if not bool(match.any()):
        raise CartelDirectiveError(f"{table}: no row with {' + '.join(fields)} = {key!r}")
    return list(zip(fields, values, strict=True))


def row_reference(table: str, pairs: list[tuple[str, str]]) -> str:
    """How to name one row in a paper (the version is in the citation it follows).

    >>> row_reference("statements", [("statement_id", "stm-0001")])
    'table statements, row statement_id = stm-0001'
    """
    key = ", ".join(f"{f} = {v}" for f, v in pairs)
    return f"table {table}, row {key}"


def cite_row(fmt: str, table: str, key: str, root: Path | None = None) -> str:
    """The dataset's citation in ``fmt`` (``apa`` or ``bibtex``), narrowed to one row of one table."""
    if fmt not in ("apa", "bibtex"):
        raise CartelDirectiveError(f"a row is cited in apa or bibtex, not {fmt!r}")
    cff = metadata(root)
    where = row_reference(table, row_key(table, key, root))
    if fmt == "apa":
        return f"{apa(cff)} Cited: {where}."
    return bibtex(cff, where=where, key_suffix=f"{table} {key}")
