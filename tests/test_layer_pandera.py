"""Layer: types, constraints and keys from the Table Schemas (pandera), and cross-column rules."""

from __future__ import annotations

from pathlib import Path

import pytest

from cartel_directive.checks.frames import build_schema
from cartel_directive.descriptor import Package
from cartel_directive.validate import validate
from mutations import Workspace, run_cli


def spots(root: Path, archive: Path) -> set[tuple[str, int | None, str | None]]:
    return {(p.file, p.row, p.column) for p in validate(root, sources=archive).problems}


def cell(ws: Workspace, table: str, i: int, col: str) -> str:
    header, rows = ws.read(table)
    return rows[i][header.index(col)]


def test_schemas_come_from_the_table_schema_files(root: Path) -> None:
    """Dtypes, nullability, uniqueness and checks are read from schemas/*.schema.json, not written twice."""
    pkg = Package.open(root)
    for name, schema in pkg.schemas.items():
        dfs, _ = build_schema(schema, schema.field_names, {}, pkg.schemas)
        assert list(dfs.columns) == schema.field_names
        for f in schema.fields:
            col = dfs.columns[f.name]
            assert col.nullable == (not f.required), (name, f.name)
            want = {"integer": "Int64", "number": "Float64", "boolean": "boolean", "date": "datetime64[ns]"}
            assert str(col.dtype).startswith(want.get(f.type, "string")), (name, f.name, col.dtype)
            assert len(col.checks) == sum(k in f.constraints for k in ("enum", "pattern", "minimum", "maximum")) + (
                "minLength" in f.constraints or "maxLength" in f.constraints
            )


@pytest.mark.parametrize(
    ("table", "col", "value"),
    [
        ("sources", "bytes", "12.5"),
        ("sources", "content_start", "ten"),
        ("statistics", "value", "1,234"),
        ("statistics", "is_derived", "yes"),
        ("events", "date_start", "08/08/2025"),
        ("events", "date_end", "2025-02-30"),
    ],
)
def test_wrong_type(gen, table: str, col: str, value: str) -> None:
    ws = Workspace(*gen)
    i = next(i for i, r in enumerate(ws.read(table)[1]) if r[ws.read(table)[0].index(col)])
    row = ws.set_cell(table, i, col, value)
    report = validate(*gen)
    assert any(
        (p.file, p.row, p.column, p.code) == (f"data/{table}.csv", row, col, "type-error") for p in report.problems
    )


@pytest.mark.parametrize(
    ("table", "col", "value", "code"),
    [
        ("actors", "actor_kind", "politician", "constraint-enum"),
        ("events", "event_type", "Directive", "constraint-enum"),
        ("actors", "country", "Mexico", "constraint-pattern"),
        ("sources", "language", "EN", "constraint-pattern"),
        ("actors", "name", "", "constraint-required"),
        ("statistics", "unit", "", "constraint-required"),
        ("actors", "evidence_start", "-1", "constraint-minimum"),
    ],
)
def test_constraints(gen, table: str, col: str, value: str, code: str) -> None:
    ws = Workspace(*gen)
    row = ws.set_cell(table, 0, col, value)
    report = validate(*gen)
    hits = [p for p in report.problems if (p.file, p.row, p.column) == (f"data/{table}.csv", row, col)]
    assert hits and any(p.code == code for p in hits), "\n".join(report.lines())


@pytest.mark.parametrize("table", ["actors", "events", "event_actors", "statistics"])
def test_duplicate_primary_key(gen, table: str) -> None:
    ws = Workspace(*gen)
    header, rows = ws.read(table)
    rows.insert(1, list(rows[0]))
    ws.write(table, header, rows)
    assert (f"data/{table}.csv", 3, ws.pk(table)[0]) in spots(*gen)


def test_every_foreign_key_is_enforced(gen) -> None:
    ws = Workspace(*gen)
    relations = ws.relations()
    assert len(relations) == 11
    ghosts = {"source_file": "999_0123456789abcdef.txt", "actor_id": "ghost", "event_id": "ev-9999"}
    ghosts["stat_id"] = "stat-9999"
    for table, col, _, target_col in relations:
        root = gen[0].parent / f"fk-{table}-{col}"
        import shutil

        shutil.copytree(gen[0], root)
        w = Workspace(root, gen[1])
        header, rows = w.read(table)
        i = next((i for i, r in enumerate(rows) if r[header.index(col)]), 0)
        row = w.set_cell(table, i, col, ghosts[target_col], resort=col in w.pk(table))
        report = validate(root, sources=gen[1])
        hits = [p for p in report.problems if (p.file, p.row, p.column) == (f"data/{table}.csv", row, col)]
        assert hits and hits[0].code == "foreign-key", (table, col, report.lines())


def test_dates_must_agree(gen) -> None:
    ws = Workspace(*gen)
    header, rows = ws.read("events")
    i = next(i for i, r in enumerate(rows) if r[header.index("date")])
    ws.set_cell("events", i, "date_start", "2030-01-01")
    found = validate(*gen).problems
    assert any(p.row == i + 2 and p.column == "date_start" and p.code == "date-start-after-end" for p in found)
    ws.set_cell("events", i, "date", "2025-13")
    assert ("data/events.csv", i + 2, "date") in spots(*gen)


def test_date_columns_need_a_date(gen) -> None:
    ws = Workspace(*gen)
    header, rows = ws.read("events")
    i = next(i for i, r in enumerate(rows) if r[header.index("date")])
    ws.set_cell("events", i, "date", "")
    assert {("data/events.csv", i + 2, c) for c in ("date_start", "date_end", "date_basis")} <= spots(*gen)


def test_derived_statistic_must_recompute(gen) -> None:
    ws = Workspace(*gen)
    header, rows = ws.read("statistics")
    i = next(i for i, r in enumerate(rows) if r[header.index("is_derived")] == "true")
    ws.set_cell("statistics", i, "derivation", "stat-0001 + stat-0002 + 1000")
    assert ("data/statistics.csv", i + 2, "value") in spots(*gen)
    ws.set_cell("statistics", i, "derivation", "import os")
    assert ("data/statistics.csv", i + 2, "derivation") in spots(*gen)
    ws.set_cell("statistics", i, "derivation", "stat-0001 / (stat-0002 - stat-0002)")
    assert ("data/statistics.csv", i + 2, "derivation") in spots(*gen)


def test_quote_inside_evidence(gen) -> None:
    Workspace(*gen).set_cell("statements", 0, "quote", "Words nobody spoke")
    assert ("data/statements.csv", 2, "quote") in spots(*gen)


def test_evidence_inside_the_body(gen) -> None:
    ws = Workspace(*gen)
    sources = ws.sources()
    name = cell(ws, "actors", 0, "source_file")
    end = int(sources[name]["content_end"])
    ws.set_cell("actors", 0, "evidence_end", str(end + 1))
    assert ("data/actors.csv", 2, "evidence_start") in spots(*gen)


def test_other_side_complete_or_empty(gen) -> None:
    ws = Workspace(*gen)
    ws.set_cell("discrepancies", 0, "other_evidence", "")
    assert ("data/discrepancies.csv", 2, "other_evidence") in spots(*gen)


def test_outlet_basis_and_occurrences_and_related_ids(gen) -> None:
    ws = Workspace(*gen)
    ws.set_cell("sources", 0, "outlet", "The Example Sun")
    ws.set_cell("sources", 0, "outlet_basis", "")
    ws.set_cell("discrepancies", 0, "related_ids", "ev-0999")
    found = spots(*gen)
    assert ("data/sources.csv", 2, "outlet_basis") in found
    assert ("data/discrepancies.csv", 2, "related_ids") in found


@pytest.mark.parametrize("value", ["12-", "1-2;x", "5-3;;", "a-b"])
def test_malformed_non_article_spans_are_reported_not_raised(gen, value: str) -> None:
    """Regression: a malformed span made the cross-field checks raise (exit 2, no located line)."""
    Workspace(*gen).set_cell("sources", 0, "non_article_spans", value)
    out = run_cli(*gen)
    assert out.code == 1 and not out.traceback, out.stderr
    assert any((ln.file, ln.row, ln.column) == ("data/sources.csv", 2, "non_article_spans") for ln in out.lines)


@pytest.mark.parametrize(
    ("table", "col", "value"),
    [
        ("sources", "bytes", "99999999999999999999"),
        ("sources", "content_start", "-99999999999999999999"),
        ("events", "date_start", "0001-01-01"),
        ("events", "date_end", "9999-12-31"),
    ],
)
def test_values_beyond_the_typed_range_are_reported_not_raised(gen, table: str, col: str, value: str) -> None:
    """Regression: a huge integer or a date outside pandas' range made validation raise."""
    ws = Workspace(*gen)
    i = next(i for i, r in enumerate(ws.read(table)[1]) if r[ws.read(table)[0].index(col)])
    row = ws.set_cell(table, i, col, value)
    out = run_cli(*gen)
    assert out.code == 1 and not out.traceback, out.stderr
    assert any((ln.file, ln.row, ln.column) == (f"data/{table}.csv", row, col) for ln in out.lines), out.stdout


def test_a_foreign_key_over_two_fields_compares_codes() -> None:
    """A composite foreign key: each part may exist alone while the pair does not; a missing part is not checked."""
    import pandas as pd

    from cartel_directive.checks.frames import check
    from cartel_directive.tableschema import TableSchema

    fields = [{"name": "a", "type": "string"}, {"name": "b", "type": "integer"}]
    parent = TableSchema("parent", {"fields": fields, "primaryKey": ["a", "b"]})
    child = TableSchema(
        "child",
        {
            "fields": fields,
            "foreignKeys": [{"fields": ["a", "b"], "reference": {"resource": "parent", "fields": ["a", "b"]}}],
        },
    )
    frames = {
        "parent": pd.DataFrame({"a": pd.array(["x", "x", "y"], "string"), "b": pd.array([1, 2, 1], "Int64")}),
        "child": pd.DataFrame(
            {"a": pd.array(["x", "y", "y", None, "z"], "string"), "b": pd.array([2, 2, 1, 7, 1], "Int64")}
        ),
    }
    schemas = {"parent": parent, "child": child}
    problems = check("child.csv", child, frames["child"], frames, schemas)
    assert [(p.row, p.column, p.code) for p in problems] == [(3, "a", "foreign-key"), (6, "a", "foreign-key")]


def test_a_one_field_key_declared_unique_is_hashed_once_and_reported_under_both_codes() -> None:
    """The key's column finds its repeats once; each repeated row is both a unique and a primary-key problem."""
    import pandas as pd

    from cartel_directive.checks.frames import check
    from cartel_directive.tableschema import TableSchema

    one = TableSchema(
        "one",
        {"fields": [{"name": "id", "type": "string", "constraints": {"unique": True}}], "primaryKey": ["id"]},
    )
    pair = TableSchema(
        "pair",
        {"fields": [{"name": "id", "type": "string"}, {"name": "n", "type": "integer"}], "primaryKey": ["id", "n"]},
    )
    assert build_schema(one, ["id"], {}, {})[0].unique is None  # no second, frame-level pass
    assert build_schema(pair, ["id", "n"], {}, {})[0].unique == ["id", "n"]
    ids = pd.array(["a", "b", "a", "c", "b"], "string")
    got = sorted((p.row, p.column, p.code) for p in check("one.csv", one, pd.DataFrame({"id": ids}), {}, {}))
    assert got == [(r, "id", c) for r in (2, 3, 4, 6) for c in ("constraint-unique", "primary-key")]
    frame = pd.DataFrame({"id": ids, "n": pd.array([1, 1, 2, 1, 1], "Int64")})
    got = sorted((p.row, p.column, p.code) for p in check("pair.csv", pair, frame, {}, {}))
    assert got == [(3, "id", "primary-key"), (6, "id", "primary-key")]


def test_a_text_column_is_checked_by_its_dtype() -> None:
    """A text field's column passes as pandas' string dtype; another dtype fails at each cell pandera lists."""
    import pandas as pd

    from cartel_directive.checks.frames import check
    from cartel_directive.tableschema import TableSchema

    text = TableSchema("text", {"fields": [{"name": "t", "type": "string"}]})
    strings = pd.DataFrame({"t": pd.array(["x", None, "y"], "string")})
    assert check("text.csv", text, strings, {}, {}) == []
    numbers = pd.DataFrame({"t": pd.array([1, None, 2], "Int64")})
    assert [(p.row, p.column, p.code) for p in check("text.csv", text, numbers, {}, {})] == [
        (2, "t", "type-wrong"),
        (4, "t", "type-wrong"),
    ]


def test_allowed_values_come_from_categories_as_the_loader_reads_them() -> None:
    """A field with Data Package v2 `categories` and no `constraints.enum`: the validator refuses
    a value outside them, as the loader does (one definition of the allowed values: Field.categories)."""
    import pandas as pd

    from cartel_directive.checks.frames import check
    from cartel_directive.tableschema import TableSchema

    schema = TableSchema(
        "t", {"fields": [{"name": "kind", "type": "string", "categories": [{"value": "a", "label": "A"}, "b"]}]}
    )
    frame = pd.DataFrame({"kind": pd.array(["a", "b", "c", None], "string")})
    problems = check("t.csv", schema, frame, {"t": frame}, {"t": schema})
    assert [(p.row, p.column, p.code) for p in problems] == [(4, "kind", "constraint-enum")]
