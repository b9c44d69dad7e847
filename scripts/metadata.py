"""Generate the archive and search metadata: ``.zenodo.json`` and ``croissant.json``.

Both come from ``datapackage.json`` (files, sizes, SHA-256, licences, keywords), the
Table Schemas (fields, types, descriptions, keys) and ``CITATION.cff`` (authors, version,
release date, DOI or URL when there is one), so nothing is typed twice:

- ``.zenodo.json``: what Zenodo reads first when a GitHub release is archived, so the
  release becomes a *dataset* record (``upload_type: dataset``), with creators, licence,
  version, publication date, keywords and description; related identifiers only where
  ``CITATION.cff`` has them (never invented).
- ``croissant.json``: Croissant 1.1 JSON-LD (MLCommons), read by dataset search engines
  and ML platforms: every CSV as a ``cr:FileObject`` with its SHA-256, every table as a
  ``cr:RecordSet`` whose fields carry the schema's description and data type, the
  primary key as ``key`` and each foreign key as ``references``.

``CITATION.cff`` is hand-written; this script refuses to run when its title or version
disagrees with ``datapackage.json``.

Usage: ``python scripts/metadata.py`` writes the files that changed; ``--check`` writes
nothing and exits 1 when one is stale. The output is deterministic.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import generated
from cartel_directive import citation
from cartel_directive.descriptor import Package

ROOT = Path(__file__).resolve().parent.parent
COMMAND = "python scripts/metadata.py"
ZENODO = Path(".zenodo.json")
CROISSANT = Path("croissant.json")

#: SPDX licence id -> the URL Croissant and schema.org expect.
LICENSE_URLS = {
    "CC-BY-4.0": "https://creativecommons.org/licenses/by/4.0/",
    "MIT": "https://opensource.org/license/mit",
}

#: The Croissant 1.1 JSON-LD context, as the specification's 1.1 examples and mlcroissant write it.
CROISSANT_CONTEXT: dict[str, Any] = {
    "@language": "en",
    "@vocab": "https://schema.org/",
    "arrayShape": "cr:arrayShape",
    "citeAs": "cr:citeAs",
    "column": "cr:column",
    "conformsTo": "dct:conformsTo",
    "containedIn": "cr:containedIn",
    "cr": "http://mlcommons.org/croissant/",
    "rai": "http://mlcommons.org/croissant/RAI/",
    "data": {"@id": "cr:data", "@type": "@json"},
    "dataType": {"@id": "cr:dataType", "@type": "@vocab"},
    "dct": "http://purl.org/dc/terms/",
    "description": {"@container": "@language"},
    "equivalentProperty": "cr:equivalentProperty",
    "examples": {"@id": "cr:examples", "@type": "@json"},
    "extract": "cr:extract",
    "field": "cr:field",
    "fileProperty": "cr:fileProperty",
    "fileObject": "cr:fileObject",
    "fileSet": "cr:fileSet",
    "format": "cr:format",
    "includes": "cr:includes",
    "isArray": "cr:isArray",
    "isLiveDataset": "cr:isLiveDataset",
    "jsonPath": "cr:jsonPath",
    "key": "cr:key",
    "md5": "cr:md5",
    "name": {"@container": "@language"},
    "parentField": "cr:parentField",
    "path": "cr:path",
    "recordSet": "cr:recordSet",
    "references": "cr:references",
    "regex": "cr:regex",
    "repeated": "cr:repeated",
    "replace": "cr:replace",
    "samplingRate": "cr:samplingRate",
    "sc": "https://schema.org/",
    "separator": "cr:separator",
    "source": "cr:source",
    "subField": "cr:subField",
    "transform": "cr:transform",
}


class MetadataError(Exception):
    """The inputs disagree or lack what the outputs need."""


def _text(value: Any) -> str:
    return " ".join(str(value or "").split())


def _dump(data: dict[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def _persons(cff: dict[str, Any]) -> list[dict[str, str]]:
    """CFF authors as Zenodo creators (``Family, Given`` for a person, the name for an entity)."""
    out = []
    for a in cff.get("authors", []):
        if "name" in a:
            entry = {"name": str(a["name"])}
        else:
            family = " ".join(str(a[k]) for k in ("name-particle", "family-names", "name-suffix") if a.get(k))
            entry = {"name": f"{family}, {a['given-names']}" if a.get("given-names") else family}
        if a.get("affiliation"):
            entry["affiliation"] = str(a["affiliation"])
        if a.get("orcid"):
            entry["orcid"] = str(a["orcid"]).removeprefix("https://orcid.org/")
        out.append(entry)
    return out


def _identifiers(cff: dict[str, Any]) -> list[tuple[str, str]]:
    """(scheme, value) of every identifier CITATION.cff really has: DOI, URL, repository."""
    found: list[tuple[str, str]] = []
    if cff.get("doi"):
        found.append(("doi", str(cff["doi"])))
    for key in ("url", "repository-code", "repository"):
        if cff.get(key):
            found.append(("url", str(cff[key])))
    for ident in cff.get("identifiers", []):
        kind = {"doi": "doi", "url": "url", "swh": "swh"}.get(str(ident.get("type")))
        if kind:
            found.append((kind, str(ident["value"])))
    return list(dict.fromkeys(found))


def check_agreement(descriptor: dict[str, Any], cff: dict[str, Any]) -> None:
    for key in ("title", "version"):
        if str(descriptor.get(key)) != str(cff.get(key)):
            raise MetadataError(
                f"CITATION.cff's {key} ({cff.get(key)!r}) differs from datapackage.json's ({descriptor.get(key)!r})"
            )
    if not cff.get("date-released"):
        raise MetadataError("CITATION.cff has no date-released: a release needs its date")


def zenodo(descriptor: dict[str, Any], cff: dict[str, Any]) -> dict[str, Any]:
    """Zenodo's deposit metadata (``.zenodo.json``) for a dataset."""
    data_licence = str(cff.get("license") or "")
    out: dict[str, Any] = {
        "upload_type": "dataset",
        "title": str(cff["title"]),
        "creators": _persons(cff),
        "description": _text(cff.get("abstract") or descriptor.get("description")),
        "version": str(cff["version"]),
        "publication_date": str(cff["date-released"]),
        "access_right": "open",
        "license": data_licence.lower(),
        "keywords": list(dict.fromkeys([*descriptor.get("keywords", []), *cff.get("keywords", [])])),
        "notes": "Data: "
        + data_licence
        + "; code (the cartel_directive Python package and scripts): MIT. "
        + "The four source articles are not redistributed; sources.csv cites each by title, outlet and SHA-256.",
    }
    related = [
        {"identifier": value, "relation": "isSupplementTo" if scheme == "url" else "isIdenticalTo", "scheme": scheme}
        for scheme, value in _identifiers(cff)
    ]
    if related:
        out["related_identifiers"] = related
    return out


def _field_id(table: str, field: str) -> str:
    return f"{table}/{field}"


def _key(table: str, fields: Sequence[str]) -> dict[str, str] | list[dict[str, str]]:
    ids = [{"@id": _field_id(table, f)} for f in fields]
    return ids[0] if len(ids) == 1 else ids


def croissant(pkg: Package, cff: dict[str, Any]) -> dict[str, Any]:
    """The Croissant 1.1 description of the package (JSON-LD)."""
    d = pkg.descriptor
    data_licence = str(cff.get("license") or d["licenses"][0]["name"])
    if data_licence not in LICENSE_URLS:
        raise MetadataError(f"no URL known for the licence {data_licence!r}; add it to LICENSE_URLS")
    out: dict[str, Any] = {
        "@context": CROISSANT_CONTEXT,
        "@type": "sc:Dataset",
        "name": str(d["name"]),
        "alternateName": str(d["title"]),
        "description": _text(d.get("description")),
        "conformsTo": "http://mlcommons.org/croissant/1.1",
        "citeAs": citation.bibtex(cff),
        "creator": [
            {"@type": "sc:Organization" if "name" in a else "sc:Person", "name": n}
            for a, n in zip(cff.get("authors", []), citation._author_names(cff), strict=True)
        ],
        "datePublished": str(cff["date-released"]),
        "version": str(d["version"]),
        "license": LICENSE_URLS[data_licence],
        "keywords": list(d.get("keywords", [])),
        "inLanguage": "en",
        "isAccessibleForFree": True,
    }
    for scheme, value in _identifiers(cff):
        if scheme == "doi":
            out["identifier"] = f"https://doi.org/{value}"
        elif scheme == "url" and "url" not in out:
            out["url"] = value
    names = [n for n in pkg.resources]
    out["distribution"] = [
        {
            "@type": "cr:FileObject",
            "@id": pkg.resources[n].path,
            "name": pkg.resources[n].path,
            "description": _text(pkg.resources[n].descriptor.get("title")),
            "contentUrl": pkg.resources[n].path,
            "contentSize": f"{pkg.resources[n].descriptor['bytes']} B",
            "encodingFormat": "text/csv",
            "sha256": str(pkg.resources[n].descriptor["hash"]).removeprefix("sha256:"),
        }
        for n in names
    ]
    record_sets = []
    for n in names:
        schema = pkg.schemas[n].descriptor
        res = pkg.resources[n].descriptor
        refs: dict[str, str] = {}
        for fk in schema.get("foreignKeys", []):
            fields = fk["fields"] if isinstance(fk["fields"], list) else [fk["fields"]]
            ref = fk["reference"]
            target = ref.get("resource") or n
            ref_fields = ref["fields"] if isinstance(ref["fields"], list) else [ref["fields"]]
            for f, rf in zip(fields, ref_fields, strict=True):
                refs[f] = _field_id(target, rf)
        fields_out = []
        typed = {f.name: f for f in pkg.schemas[n].fields}
        for f in schema["fields"]:
            entry: dict[str, Any] = {
                "@type": "cr:Field",
                "@id": _field_id(n, f["name"]),
                "name": f["name"],
                "description": _text(f.get("description") or f.get("title")),
                "dataType": typed[f["name"]].to_croissant(),
            }
            if f["name"] in refs:
                entry["references"] = {"field": {"@id": refs[f["name"]]}}
            entry["source"] = {"fileObject": {"@id": pkg.resources[n].path}, "extract": {"column": f["name"]}}
            fields_out.append(entry)
        pk = schema.get("primaryKey") or []
        rs: dict[str, Any] = {
            "@type": "cr:RecordSet",
            "@id": n,
            "name": n,
            "description": _text(res.get("description") or res.get("title")),
        }
        if pk:
            rs["key"] = _key(n, pk if isinstance(pk, list) else [pk])
        rs["field"] = fields_out
        record_sets.append(rs)
    out["recordSet"] = record_sets
    return out


def outputs(root: Path) -> dict[Path, str]:
    pkg = Package.open(root)
    cff = citation.read_cff(root)
    check_agreement(pkg.descriptor, cff)
    return {ZENODO: _dump(zenodo(pkg.descriptor, cff)), CROISSANT: _dump(croissant(pkg, cff))}


def main(argv: Sequence[str] | None = None) -> int:
    return generated.main(__doc__.splitlines()[0], outputs, COMMAND, ROOT, argv, expected=MetadataError)


if __name__ == "__main__":
    sys.exit(main())
