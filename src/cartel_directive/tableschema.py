"""Read the Frictionless Table Schemas, the single source of truth for every table.

:class:`Field` is also the one place where a Table Schema field type maps to every
target (PUDL's ``Field`` is the model): its pandas dtype (:meth:`Field.to_pandas_dtype`),
Arrow type, SQL type, Stata handling and codebook wording. The loader, the
validator, the exports and the codebook ask the field; nothing else keeps a table of
types.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

#: Per Table Schema type: (pandas dtype, SQLite type, Stata handling, codebook wording, Croissant dataType).
#: Types outside this table are refused by the descriptor checks; here they read as strings.
_TYPES: dict[str, tuple[str, str, str, str, str]] = {
    "string": ("string", "TEXT", "str", "text", "sc:Text"),
    "integer": ("Int64", "INTEGER", "int", "integer", "sc:Integer"),
    "number": ("Float64", "REAL", "float", "number (decimal point, optional exponent; finite)", "sc:Float"),
    "boolean": ("boolean", "INTEGER", "byte", "boolean", "sc:Boolean"),
    "date": ("datetime64[ns]", "TEXT", "date", "date (YYYY-MM-DD)", "sc:Date"),
}
#: The Table Schema types this package supports (the descriptor checks refuse others).
TYPES = frozenset(_TYPES)


@dataclass(frozen=True)
class Category:
    """One value of a categorical field and what it means (Data Package v2 ``categories``)."""

    value: str
    label: str = ""


@dataclass(frozen=True)
class Field:
    """One column as its Table Schema describes it, and what it becomes in every target."""

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

    #: Data Package v2 ``categories`` as written (values or ``{value, label}`` objects)
    categories_descriptor: tuple[Any, ...] | None = None
    categories_ordered: bool = False

    @property
    def enum(self) -> list[str] | None:
        return self.constraints.get("enum")

    @property
    def categories(self) -> list[Category] | None:
        """The allowed values with their meanings, in their declared order.

        From ``categories`` where the schema has them, else from ``constraints.enum``
        (values without labels); None for a field with neither.
        """
        if self.categories_descriptor is not None:
            return [
                Category(str(c["value"]), str(c.get("label", ""))) if isinstance(c, dict) else Category(str(c))
                for c in self.categories_descriptor
            ]
        if self.enum is not None:
            return [Category(str(v)) for v in self.enum]
        return None

    def to_pandas_dtype(self) -> str:
        """The loader's dtype: ``category`` for categorical fields, else by type (``string`` for unknown types)."""
        if self.categories is not None:
            return "category"
        return _TYPES.get(self.type, _TYPES["string"])[0]

    def value_dtype(self) -> str:
        """The dtype of the values themselves (a categorical's categories are of this dtype)."""
        return _TYPES.get(self.type, _TYPES["string"])[0]

    def to_arrow(self) -> Any:
        """The Arrow type a Parquet export writes (pyarrow, from the ``[export]`` extra, imported here)."""
        import pyarrow as pa

        if self.categories is not None:
            return pa.dictionary(pa.int32(), self.to_arrow_value(), ordered=self.categories_ordered)
        return self.to_arrow_value()

    def to_arrow_value(self) -> Any:
        import pyarrow as pa

        return {
            "integer": pa.int64(),
            "number": pa.float64(),
            "boolean": pa.bool_(),
            "date": pa.date32(),  # a day, not a nanosecond timestamp (issue 12)
        }.get(self.type, pa.large_string())

    def to_sql(self) -> str:
        """The SQLite column type (dates as ISO 8601 text, booleans as 0/1)."""
        return _TYPES.get(self.type, _TYPES["string"])[1]

    def to_stata(self) -> str:
        """How Stata holds the column: ``label`` (codes with value labels), ``str``, ``int``, ``float``, ``byte``, ``date``."""
        if self.categories is not None:
            return "label"
        return _TYPES.get(self.type, _TYPES["string"])[2]

    def to_croissant(self) -> str:
        """The Croissant ``dataType`` of the field's values (``croissant.json``)."""
        return _TYPES.get(self.type, _TYPES["string"])[4]

    def type_wording(self) -> str:
        """The codebook's words for the type (``docs/codebook.md``, the xlsx export's ``fields`` sheet).

        >>> s = TableSchema("t", {"fields": [{"name": "a"}, {"name": "b", "type": "integer", "categories": [3, 1]},
        ...                                  {"name": "c", "categories": ["x"], "categoriesOrdered": True}]})
        >>> [f.type_wording() for f in s.fields]
        ['text', 'integer, categories (2 values)', 'text, ordered categories (1 value)']
        """
        words = _TYPES.get(self.type, _TYPES["string"])[3]
        cats = self.categories
        if cats is not None:
            kind = "ordered categories" if self.categories_ordered else "categories"
            words += f", {kind} ({len(cats)} value{'s' if len(cats) != 1 else ''})"
        return words


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
            extra: dict[str, Any] = {}
            if "trueValues" in f:
                extra["true_values"] = tuple(f["trueValues"])
            if "falseValues" in f:
                extra["false_values"] = tuple(f["falseValues"])
            if "categories" in f:
                extra["categories_descriptor"] = tuple(f["categories"])
                extra["categories_ordered"] = bool(f.get("categoriesOrdered", False))
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
