"""Read the Frictionless Table Schemas, the single source of truth for every table."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Field:
    """One column as its Table Schema describes it."""

    name: str
    type: str
    title: str
    description: str
    constraints: dict[str, Any] = field(default_factory=dict)
    unit: str | None = None
    true_values: tuple[str, ...] = ("true", "True", "TRUE", "1")
    false_values: tuple[str, ...] = ("false", "False", "FALSE", "0")

    @property
    def required(self) -> bool:
        return bool(self.constraints.get("required"))

    @property
    def enum(self) -> list[str] | None:
        return self.constraints.get("enum")


@dataclass(frozen=True)
class ForeignKey:
    fields: tuple[str, ...]
    resource: str
    reference_fields: tuple[str, ...]


@dataclass(frozen=True)
class TableSchema:
    """A table's schema: fields in order, keys, and the raw descriptor."""

    name: str
    descriptor: dict[str, Any]

    @cached_property
    def fields(self) -> list[Field]:
        out = []
        for f in self.descriptor["fields"]:
            extra = {}
            if "trueValues" in f:
                extra["true_values"] = tuple(f["trueValues"])
            if "falseValues" in f:
                extra["false_values"] = tuple(f["falseValues"])
            out.append(
                Field(
                    name=f["name"],
                    type=f.get("type", "string"),
                    title=f.get("title", f["name"]),
                    description=f.get("description", ""),
                    constraints=dict(f.get("constraints", {})),
                    unit=f.get("unit"),
                    **extra,
                )
            )
        return out

    @property
    def field_names(self) -> list[str]:
        return [f.name for f in self.fields]

    def field(self, name: str) -> Field:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(f"{self.name} has no field {name!r}")

    @property
    def primary_key(self) -> list[str]:
        pk = self.descriptor.get("primaryKey", [])
        return [pk] if isinstance(pk, str) else list(pk)

    @property
    def foreign_keys(self) -> list[ForeignKey]:
        out = []
        for fk in self.descriptor.get("foreignKeys", []):
            fields = fk["fields"]
            ref = fk["reference"]
            rfields = ref["fields"]
            out.append(
                ForeignKey(
                    fields=tuple([fields] if isinstance(fields, str) else fields),
                    resource=ref.get("resource") or self.name,
                    reference_fields=tuple([rfields] if isinstance(rfields, str) else rfields),
                )
            )
        return out

    @property
    def description(self) -> str:
        return self.descriptor.get("description", "")


def load_schema(path: Path, name: str) -> TableSchema:
    """Read one ``schemas/<name>.schema.json``."""
    return TableSchema(name=name, descriptor=json.loads(path.read_text(encoding="utf-8")))
