"""How to cite the dataset: BibTeX, APA and CFF, all generated from ``CITATION.cff``.

``CITATION.cff`` sits next to ``datapackage.json`` (the repository root, or
``cartel_directive/package/`` in a wheel). Only what the file says is printed: no
DOI, URL or year is made up when the file has none.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import Any

from .errors import CartelDirectiveError
from .resources import bundled_root

CFF_FILE = "CITATION.cff"
FORMATS = ("bibtex", "apa", "cff")


def cff_path(root: Path | None = None) -> Path:
    """Where ``CITATION.cff`` is (default: next to the installed package's ``datapackage.json``)."""
    file = (root or bundled_root()) / CFF_FILE
    if not file.is_file():
        raise CartelDirectiveError(f"{file}: missing; reinstall cartel-directive")
    return file


def read_cff(root: Path | None = None) -> dict[str, Any]:
    """``CITATION.cff`` parsed with PyYAML (dates stay strings, as the CFF schema wants)."""
    import yaml

    file = cff_path(root)
    try:
        data = yaml.load(file.read_text(encoding="utf-8"), Loader=_loader())
    except yaml.YAMLError as exc:
        raise CartelDirectiveError(f"{file}: not valid YAML: {' '.join(str(exc).split())}") from exc
    if not isinstance(data, dict) or "title" not in data:
        raise CartelDirectiveError(f"{file}: not a CITATION.cff (no title)")
    return data


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


def bibtex(cff: dict[str, Any]) -> str:
    """A BibTeX ``@misc`` entry; entity authors are braced so BibTeX keeps them whole.

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
    fields.append(("note", f"{kind}, version {_bib_escape(version)}" if version else kind))
    stem = str(cff["title"]).split(":")[0]
    key = re.sub(r"[^a-z0-9]+", "_", f"{stem} {version}".lower()).strip("_")
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


def cite(fmt: str, root: Path | None = None) -> str:
    """The citation in ``fmt`` (``bibtex``, ``apa`` or ``cff``, the file itself)."""
    if fmt not in FORMATS:
        raise CartelDirectiveError(f"unknown citation format {fmt!r}; choose one of: {', '.join(FORMATS)}")
    if fmt == "cff":
        return cff_path(root).read_text(encoding="utf-8").rstrip("\n")
    cff = read_cff(root)
    return bibtex(cff) if fmt == "bibtex" else apa(cff)
