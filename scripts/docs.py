"""Generate the codebook, the README's table of tables and the datasheet's numbers.

Everything comes from the Table Schemas, ``datapackage.json`` and the data, so the
documentation cannot drift from the package:

- ``docs/codebook.md`` (whole file);
- ``README.md``: only the block between ``<!-- tables:start ... -->`` and ``<!-- tables:end -->``;
- ``README.md``: also the table of source articles (``<!-- sources:start ... -->``, from
  ``sources.csv``) and the R example (``<!-- r-example:start ... -->``, the text of
  ``examples/read.R``, which CI runs, so the README shows exactly the code that is tested);
- ``docs/datasheet.md``: only the block between ``<!-- composition:start ... -->`` and
  ``<!-- composition:end -->``, and the version its first paragraph names.

Usage: ``python scripts/docs.py`` writes the files that changed; ``--check`` writes
nothing and exits 1 when any of them is stale. The output is deterministic.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

import generated
from cartel_directive.tableschema import Field, TableSchema
from tabledata import ROOT, TABLES, Package, load_raw, open_package

COMMAND = "python scripts/docs.py"
CODEBOOK = Path("docs/codebook.md")
README = Path("README.md")
DATASHEET = Path("docs/datasheet.md")
R_EXAMPLE = Path("examples/read.R")
EXAMPLE_MAX = 48
SOURCE_TAG = re.compile(r"^([0-9]{3})_")


class DocsError(Exception):
    """The schemas or a target file are not in the shape the generator needs."""


# ---------------------------------------------------------------- Markdown helpers


def code(text: str) -> str:
    """``text`` as a Markdown code span, safe for any backticks inside it."""
    ticks = max((len(m) for m in re.findall(r"`+", text)), default=0)
    fence = "`" * (ticks + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def cell(text: str) -> str:
    """Text made safe for one cell of a Markdown table."""
    return " ".join(text.split()).replace("|", "\\|")


def table(header: Sequence[str], rows: Iterable[Sequence[str]], align: str = "") -> list[str]:
    """A Markdown table; ``align`` holds one letter per column (``l`` or ``r``)."""
    align = align or "l" * len(header)
    rule = ["---:" if a == "r" else "---" for a in align]
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join(rule) + " |"]
    lines += ["| " + " | ".join(cell(c) for c in row) + " |" for row in rows]
    return lines


def truncate(text: str, limit: int = EXAMPLE_MAX) -> str:
    """``text`` on one line, cut to ``limit`` characters with an ellipsis."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def source_tag(source_file: str) -> str:
    """The three-digit prefix that names an archived file (``001``)."""
    m = SOURCE_TAG.match(source_file)
    return m.group(1) if m else source_file


# ---------------------------------------------------------------- schema reading


@dataclass(frozen=True)
class Documented:
    """A field's description split into its prose and the meaning of each enum value."""

    prose: str
    meanings: dict[str, str]


def split_enum(field: Field) -> Documented:
    """A field's prose and the meaning of each of its values (Data Package v2 ``categories`` labels).

    Every allowed value must have a label; a missing one is an error.
    """
    cats = field.categories
    if not cats:
        return Documented(field.description, {})
    missing = [c.value for c in cats if not c.label]
    if missing:
        raise DocsError(f"field {field.name!r}: categories give no label for {', '.join(missing)}")
    return Documented(field.description.strip(), {c.value: c.label for c in cats})


def constraint_text(field: Field) -> str:
    """Pattern, bounds and lengths of a field, in words (its categories are in its type's wording)."""
    c = field.constraints
    parts = []
    if "pattern" in c:
        parts.append(f"pattern {code(c['pattern'])}")
    for key, label in (
        ("minimum", "min"),
        ("maximum", "max"),
        ("minLength", "min length"),
        ("maxLength", "max length"),
    ):
        if key in c:
            parts.append(f"{label} {c[key]}")
    return "; ".join(parts)


def is_unique(schema: TableSchema, field: Field) -> bool:
    return bool(field.constraints.get("unique")) or schema.primary_key == [field.name]


def keys_text(fields: Sequence[str]) -> str:
    return " + ".join(code(f) for f in fields)


def foreign_keys(schema: TableSchema) -> list[str]:
    out = []
    for fk in schema.foreign_keys:
        target = ", ".join(f"{fk.resource}.{f}" for f in fk.reference_fields)
        same = " (same table)" if fk.resource == schema.name else ""
        out.append(f"{keys_text(fk.fields)} → {code(target)}{same}")
    return out


def referenced_by(pkg: Package, name: str) -> list[str]:
    out = []
    for other in TABLES:
        for fk in pkg.schemas[other].foreign_keys:
            if fk.resource == name and other != name:
                out.append(code(f"{other}." + ", ".join(fk.fields)))
    return out


# ---------------------------------------------------------------- data facts


def sorted_by_key(df: pd.DataFrame, schema: TableSchema) -> pd.DataFrame:
    return df.sort_values(schema.primary_key, kind="stable") if schema.primary_key else df


def example(df: pd.DataFrame, column: str) -> str:
    """First non-empty value of ``column`` (``df`` in primary-key order), shortened."""
    filled = df.loc[df[column] != "", column]
    return code(truncate(filled.iloc[0])) if len(filled) else ""


@dataclass(frozen=True)
class Facts:
    """What the generator needs from one table: its schema and its rows as strings."""

    name: str
    schema: TableSchema
    rows: pd.DataFrame
    path: str
    title: str


def facts(pkg: Package) -> list[Facts]:
    out = []
    for name in TABLES:
        schema = pkg.schemas[name]
        rows = sorted_by_key(load_raw(name, pkg), schema)
        res = pkg.resources[name]
        out.append(Facts(name, schema, rows, res.path, str(res.descriptor.get("title", name))))
    return out


# ---------------------------------------------------------------- codebook


def column_overview(t: Facts) -> list[str]:
    rows = []
    for f in t.schema.fields:
        filled = int((t.rows[f.name] != "").sum())
        rows.append(
            [
                code(f.name),
                f.title,
                f.type_wording(),
                "yes" if f.required else "",
                "yes" if is_unique(t.schema, f) else "",
                constraint_text(f),
                f.unit or "",
                f"{filled}/{len(t.rows)}",
                example(t.rows, f.name),
            ]
        )
    header = ["Column", "Title", "Type", "Required", "Unique", "Constraints", "Unit", "Filled", "Example"]
    return table(header, rows, "lllllllrl")


def column_detail(t: Facts, f: Field) -> list[str]:
    doc = split_enum(f)
    lines = [f"#### `{t.name}.{f.name}`", "", f"**{f.title}**: {f.type_wording()}. {doc.prose}", ""]
    if doc.meanings:
        counts = t.rows[f.name].value_counts()
        rows = [[code(v), m, str(int(counts.get(v, 0)))] for v, m in doc.meanings.items()]
        lines += [*table(["Value", "Meaning", "Rows"], rows, "llr"), ""]
    return lines


def table_section(pkg: Package, t: Facts) -> list[str]:
    fks = foreign_keys(t.schema) or ["none"]
    refs = referenced_by(pkg, t.name) or ["none"]
    schema_path = pkg.resources[t.name].schema_path
    lines = [
        f"## {t.name}",
        "",
        f"**{t.title}.** {t.schema.description}",
        "",
        f"- **File**: [`{t.path}`](../{t.path}), {len(t.rows)} rows; schema [`{schema_path}`](../{schema_path})",
        f"- **Primary key**: {keys_text(t.schema.primary_key) or 'none'}",
        f"- **Foreign keys**: {'; '.join(fks)}",
        f"- **Referenced by**: {', '.join(refs)}",
        "",
    ]
    lines += [*column_overview(t), ""]
    for f in t.schema.fields:
        lines += column_detail(t, f)
    return lines


def codebook(pkg: Package, tables: list[Facts]) -> str:
    total = sum(len(t.rows) for t in tables)
    name = pkg.descriptor.get("name", "")
    lines = [
        f"<!-- generated by scripts/docs.py from the Table Schemas, datapackage.json and data/: do not edit; regenerate with `{COMMAND}` -->",
        "",
        "# Codebook",
        "",
        f"{name} {pkg.version}: {len(tables)} tables, {total} rows. Generated from `schemas/*.schema.json`"
        " (the single source of truth), `datapackage.json` and `data/*.csv`.",
        "",
        "How to read it: a missing value is an empty cell. *Type* says what a cell holds; a column"
        " with categories has a table of its values and their meanings below the overview."
        " *Required* columns are never empty;"
        " *Unique* columns never repeat a value. *Filled* counts the non-empty cells."
        " *Example* is the first non-empty value in primary-key order, shortened to"
        f" {EXAMPLE_MAX} characters. Patterns must match the whole value. Dates are ISO 8601"
        " (`YYYY-MM-DD`); `date`/`period` columns hold EDTF strings. Offsets count Unicode code"
        " points of the archived file decoded as UTF-8, 0-based, end exclusive.",
        "",
        "What one row of each table is, and how rows were chosen, worded and checked: the"
        " [curation rules](curation-rules.md); what the second reading and the audit changed:"
        " [curation.md](curation.md).",
        "",
        *table(
            ["Table", "Title", "Rows", "Primary key"],
            [[f"[{t.name}](#{t.name})", t.title, str(len(t.rows)), keys_text(t.schema.primary_key)] for t in tables],
            "llrl",
        ),
        "",
    ]
    for t in tables:
        lines += table_section(pkg, t)
    return "\n".join(lines).rstrip() + "\n"


# ---------------------------------------------------------------- README and datasheet blocks


def readme_tables(tables: list[Facts]) -> str:
    rows = [
        [f"[`{t.name}`]({t.path})", t.schema.description, str(len(t.rows)), keys_text(t.schema.primary_key)]
        for t in tables
    ]
    lines = [
        *table(["Table", "Description", "Rows", "Primary key"], rows, "llrl"),
        "",
        "Every column, its type, constraints, allowed values and an example: [docs/codebook.md](docs/codebook.md)."
        f" This table is generated by `{COMMAND}`.",
    ]
    return "\n".join(lines)


def crosstab(t: Facts, column: str, values: Sequence[str]) -> pd.DataFrame:
    """Counts of ``column`` values (rows) by source tag (columns), with totals."""
    tags = t.rows["source_file"].map(source_tag)
    ct = pd.crosstab(t.rows[column], tags).reindex(index=list(values), fill_value=0)
    ct["total"] = ct.sum(axis=1)
    return ct


def tally(t: Facts, column: str) -> str:
    """``"3 a, 2 b"``: counts of a column's values, in the order of its categories."""
    counts = t.rows[column].value_counts()
    cats = t.schema.field(column).categories
    order = [c.value for c in cats] if cats else sorted(counts.index)
    return ", ".join(f"{int(counts[v])} `{v}`" for v in order if v in counts)


def composition(tables: list[Facts], sources: Sequence[str]) -> str:
    by = {t.name: t for t in tables}
    tags = [source_tag(s) for s in sources]
    rows = []
    for t in tables:
        counts = t.rows["source_file"].map(source_tag).value_counts() if "source_file" in t.rows else None
        per = [str(int(counts.get(tag, 0))) if counts is not None else "" for tag in tags]
        rows.append([f"`{t.name}`", *per, str(len(t.rows))])
    ev, st, stats = by["events"].rows, by["statements"].rows, by["statistics"].rows
    lines = [
        "Rows per table and per cited source file (for `actors`, the file of the excerpt that introduces"
        " the actor; `event_actors` cites no file):",
        "",
        *table(["Table", *tags, "Total"], rows, "l" + "r" * (len(tags) + 1)),
        "",
        f"- `events`: {len(ev)} reports of {ev['occurrence_id'].nunique()} occurrences;"
        f" {int((ev['date_basis'] == 'stated').sum())} with a date the source states,"
        f" {int((ev['date_basis'] == 'inferred').sum())} with an inferred date,"
        f" {int((ev['date'] == '').sum())} undated.",
        f"- `statements`: {len(st)} passages of {st['utterance_id'].nunique()} utterances by"
        f" {st['speaker_id'].nunique()} speakers; {tally(by['statements'], 'quote_kind')}.",
        f"- `statistics`: {len(stats)} figures, {int((stats['is_derived'] == 'true').sum())} of them derived"
        f" by the curators; {int((stats['value'] == '').sum())} without a number (vague or superlative).",
        f"- `discrepancies`: {tally(by['discrepancies'], 'kind')}.",
        f"- `actors`: {tally(by['actors'], 'actor_kind')}.",
    ]
    return "\n".join(lines)


def readme_sources(sources: pd.DataFrame) -> str:
    """The README's table of the four articles: what a reader needs to find and recognise each."""
    rows = [
        [
            code(r.source_file),
            r.title if isinstance(r.title, str) and r.title else "(untitled in the text)",
            r.outlet if isinstance(r.outlet, str) and r.outlet else "(not stated in the text)",
            r.byline if isinstance(r.byline, str) and r.byline else "",
            str(r.bytes),
            code(r.sha256),
        ]
        for r in sources.itertuples()
    ]
    return "\n".join(table(["File", "Title", "Outlet", "Byline", "Bytes", "SHA-256"], rows, "llllrl"))


def r_example(root: Path) -> str:
    """``examples/read.R`` as a fenced block (fence longer than any backtick run inside), folded under <details>."""
    text = (root / R_EXAMPLE).read_text(encoding="utf-8").rstrip("\n")
    fence = "`" * max(3, max((len(m) for m in re.findall(r"`+", text)), default=0) + 1)
    summary = "<summary><code>examples/read.R</code>: the whole file, as CI runs it</summary>"
    return f"<details>{summary}\n\n{fence}r\n{text}\n{fence}\n\n</details>"


def replace_block(text: str, start: str, end: str, body: str, where: Path) -> str:
    """Replace what lies between the line starting with ``start`` and the line ``end``."""
    pattern = re.compile(rf"(^{re.escape(start)}[^\n]*-->\n)(.*?)(^{re.escape(end)}$)", re.S | re.M)
    found = pattern.findall(text)
    if len(found) != 1:
        raise DocsError(f"{where}: needs exactly one block from '{start} ...-->' to '{end}' (found {len(found)})")
    return pattern.sub(lambda m: m.group(1) + body + "\n" + m.group(3), text)


# ---------------------------------------------------------------- main


def outputs(root: Path) -> dict[Path, str]:
    """The new content of every file this script maintains."""
    pkg = open_package(root)
    tables = facts(pkg)
    sources = list(next(t for t in tables if t.name == "sources").rows["source_file"])
    out = {CODEBOOK: codebook(pkg, tables)}
    readme = (root / README).read_text(encoding="utf-8")
    readme = replace_block(readme, "<!-- tables:start", "<!-- tables:end -->", readme_tables(tables), README)
    src = next(t for t in tables if t.name == "sources").rows
    readme = replace_block(readme, "<!-- sources:start", "<!-- sources:end -->", readme_sources(src), README)
    out[README] = replace_block(readme, "<!-- r-example:start", "<!-- r-example:end -->", r_example(root), README)
    sheet = (root / DATASHEET).read_text(encoding="utf-8")
    sheet, n = re.subn(r"(\(Gebru et al\.\), for version )[0-9A-Za-z.+-]+?(\.\n)", rf"\g<1>{pkg.version}\g<2>", sheet)
    if n != 1:
        raise DocsError(f"{DATASHEET}: the sentence 'for version X.' that names the version is not there once")
    out[DATASHEET] = replace_block(
        sheet, "<!-- composition:start", "<!-- composition:end -->", composition(tables, sources), DATASHEET
    )
    return out


def main(argv: Sequence[str] | None = None) -> int:
    return generated.main(__doc__.splitlines()[0], outputs, COMMAND, ROOT, argv, expected=DocsError)


if __name__ == "__main__":
    sys.exit(main())
