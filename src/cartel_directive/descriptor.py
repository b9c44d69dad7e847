"""The package descriptor (``datapackage.json``) and its resources."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from .resources import DESCRIPTOR, resolve_root
from .tableschema import TableSchema, load_schema

#: The tables in dependency order (a table only refers to tables before it, or to itself).
TABLES = (
    "sources",
    "actors",
    "events",
    "event_actors",
    "statements",
    "statistics",
    "discrepancies",
    "changes",
)


class DescriptorError(ValueError):
    """``datapackage.json`` is missing, unreadable or malformed."""


@dataclass(frozen=True)
class Resource:
    name: str
    path: str
    schema_path: str
    descriptor: dict[str, Any]


@dataclass(frozen=True)
class Package:
    """A data package on disk: its folder and parsed descriptor."""

    root: Path
    descriptor: dict[str, Any]

    @classmethod
    def open(cls, path: str | Path | None = None) -> Package:
        root = resolve_root(path)
        file = root / DESCRIPTOR
        try:
            descriptor = json.loads(file.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise DescriptorError(f"{DESCRIPTOR}: cannot be read as JSON: {exc}") from exc
        if not isinstance(descriptor, dict) or not isinstance(descriptor.get("resources"), list):
            raise DescriptorError(f"{DESCRIPTOR}: has no list of resources")
        return cls(root=root, descriptor=descriptor)

    @cached_property
    def resources(self) -> dict[str, Resource]:
        out: dict[str, Resource] = {}
        for i, r in enumerate(self.descriptor["resources"]):
            if not isinstance(r, dict) or not isinstance(r.get("name"), str):
                raise DescriptorError(f"{DESCRIPTOR}: resources[{i}] has no name")
            path, schema = r.get("path"), r.get("schema")
            if not isinstance(path, str) or not isinstance(schema, str):
                raise DescriptorError(f"{DESCRIPTOR}: resource {r['name']!r} needs a string path and a schema path")
            out[r["name"]] = Resource(r["name"], path, schema, r)
        return out

    def file(self, table: str) -> Path:
        return self.root / self.resources[table].path

    @cached_property
    def schemas(self) -> dict[str, TableSchema]:
        out = {}
        for name, r in self.resources.items():
            try:
                out[name] = load_schema(self.root / r.schema_path, name)
            except (OSError, UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError) as exc:
                raise DescriptorError(f"{r.schema_path}: cannot be read as a Table Schema: {exc}") from exc
        return out

    @property
    def version(self) -> str:
        return str(self.descriptor.get("version", ""))


def file_digest(path: Path) -> tuple[int, str]:
    """Size in bytes and ``sha256:<hex>`` of a file, as the descriptor records them."""
    h = hashlib.sha256()
    size = 0
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
            size += len(chunk)
    return size, f"sha256:{h.hexdigest()}"
