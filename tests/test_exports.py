"""Exports: each file opened with a reader other than the one that wrote it.

Parquet with DuckDB (and pyarrow for its schema), SQLite with the ``sqlite3`` command-line
client and Python's sqlite3, Stata with pyreadstat (ReadStat, not pandas), xlsx with
openpyxl and the raw sheet XML. Plus the refusals of issue 11: an invalid package, a
formula or error literal, an over-long cell, a name Stata would change, a non-finite
number (refused by the typing step), a failure midway, a pre-planted symlink.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import zipfile
from pathlib import Path

import pandas as pd
import pytest

import cartel_directive as cd
from cartel_directive import csvformat, exports
from cartel_directive.cli import main
from cartel_directive.descriptor import TABLES, Package, file_digest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def pkg(pkg_copy: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A valid copy of the real package, with its CITATION.cff (exports cite the package they export)."""
    shutil.copy2(ROOT / "CITATION.cff", pkg_copy)
    monkeypatch.delenv("CARTEL_DIRECTIVE_SOURCES", raising=False)
    return pkg_copy


def read_csv(file: Path) -> tuple[list[str], list[list[str]]]:
    """Header and rows with Python's csv module (independent of the package's reader)."""
    with file.open(encoding="utf-8", newline="") as fh:
        header, *rows = list(csv.reader(fh))
    return header, rows


def set_cell(root: Path, table: str, key: str, column: str, value: str) -> int:
    """Set one cell (the row whose first column is ``key``), rewrite the CSV canonically, rehash; return its row."""
    file = root / "data" / f"{table}.csv"
    header, rows = read_csv(file)
    i = next(i for i, r in enumerate(rows) if r[0] == key)
    rows[i][header.index(column)] = value
    file.write_text(csvformat.dumps(header, rows), encoding="utf-8")
    d = json.loads((root / "datapackage.json").read_text(encoding="utf-8"))
    res = next(r for r in d["resources"] if r["name"] == table)
    res["bytes"], res["hash"] = file_digest(file)
    (root / "datapackage.json").write_text(json.dumps(d, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return i + 2


def first_key(root: Path, table: str) -> str:
    return read_csv(root / "data" / f"{table}.csv")[1][0][0]


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def export(capsys, fmt: str, out: Path, root: Path) -> tuple[int, str, str]:
    return run(capsys, "export", "--format", fmt, "--out", str(out), "--package", str(root))


def listing(folder: Path) -> dict[str, bytes]:
    """Every entry under ``folder`` (hidden ones too), with its bytes: to prove nothing changed."""
    out = {}
    for p in sorted(folder.rglob("*")):
        rel = str(p.relative_to(folder))
        out[rel] = (
            b"<link>" + os.readlink(p).encode() if p.is_symlink() else p.read_bytes() if p.is_file() else b"<dir>"
        )
    return out


def about_bits() -> tuple[str, str]:
    from cartel_directive.citation import cite

    return cd.version(), cite("apa")


def test_a_copy_without_citation_cff_is_cited_as_cite_cites_it(pkg_copy: Path, tmp_path: Path, capsys) -> None:
    """One fallback citation (citation.metadata): the exports cite a copy as ``cite --package`` does."""
    from cartel_directive.citation import cite

    d = json.loads((pkg_copy / "datapackage.json").read_text(encoding="utf-8"))
    d["title"], d["contributors"] = "A derived copy", [{"title": "Someone Else", "roles": ["creator"]}]
    (pkg_copy / "datapackage.json").write_text(json.dumps(d), encoding="utf-8")
    meta = exports.about(Package.open(pkg_copy))
    assert (
        meta.citation
        == cite("apa", pkg_copy)
        == f"Someone Else. (n.d.). A derived copy (Version {d['version']}) [Data set]."
    )
    assert meta.bibtex == cite("bibtex", pkg_copy) and "title = {{A derived copy}}" in meta.bibtex
    code, _, err = export(capsys, "sqlite", tmp_path / "out", pkg_copy)
    assert code == 0, err
    con = sqlite3.connect(tmp_path / "out" / "cartel-directive.sqlite")
    stored = dict(con.execute("SELECT key, value FROM package_metadata WHERE key IN ('citation', 'bibtex')"))
    con.close()
    assert stored == {"citation": meta.citation, "bibtex": meta.bibtex}


# A field of integers with categories --------------------------------------------------

#: ``grade``: integer categories declared out of sorted order (3, 1, 2), ordered; ``level``: a v1 integer enum.
GRADES = [{"value": 3, "label": "high"}, {"value": 1, "label": "low"}, {"value": 2, "label": "middle"}]
SCORES = [["sc-1", "3", "20"], ["sc-2", "1", "10"], ["sc-3", "", ""], ["sc-4", "2", "20"]]


@pytest.fixture
def scores_pkg(pkg: Path) -> Path:
    """The package plus a resource ``scores`` whose categorical fields are integers (valid, as export demands)."""
    schema = {
        "fields": [
            {"name": "score_id", "type": "string", "title": "Score", "description": "Id.", "constraints": {"required": True}},
            {"name": "grade", "type": "integer", "title": "Grade", "description": "Coded grade.",
             "categories": GRADES, "categoriesOrdered": True},
            {"name": "level", "type": "integer", "title": "Level", "description": "A v1 enum.",
             "constraints": {"enum": [20, 10]}},
        ],
        "primaryKey": ["score_id"],
        "description": "Made-up scores.",
    }  # fmt: skip
    (pkg / "schemas" / "scores.schema.json").write_text(json.dumps(schema, indent=2) + "\n", encoding="utf-8")
    file = pkg / "data" / "scores.csv"
    file.write_text(csvformat.dumps([f["name"] for f in schema["fields"]], SCORES), encoding="utf-8")
    d = json.loads((pkg / "datapackage.json").read_text(encoding="utf-8"))
    size, digest = file_digest(file)
    d["resources"].append(
        {"name": "scores", "path": "data/scores.csv", "schema": "schemas/scores.schema.json", "title": "Scores",
         "description": "Made-up scores.", "format": "csv", "mediatype": "text/csv", "encoding": "utf-8",
         "bytes": size, "hash": digest}
    )  # fmt: skip
    (pkg / "datapackage.json").write_text(json.dumps(d, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return pkg


def test_integer_categories_survive_every_export(scores_pkg: Path, tmp_path: Path, capsys) -> None:
    """The exports code categoricals as the loader typed them: integers, not strings matched against integers."""
    import duckdb
    import openpyxl
    import pyarrow.parquet as pq
    import pyreadstat

    loaded = cd.load("scores", root=scores_pkg)
    assert list(loaded["grade"].cat.categories) == [3, 1, 2] and loaded["grade"].cat.ordered
    grade, level = [3, 1, None, 2], [20, 10, None, 20]
    for fmt in exports.FORMATS:
        code, _, err = export(capsys, fmt, tmp_path / fmt, scores_pkg)
        assert code == 0, (fmt, err)

    table = pq.read_table(tmp_path / "parquet" / "scores.parquet")
    assert table.column("grade").to_pylist() == grade and table.column("level").to_pylist() == level
    # Parquet keeps a dictionary's type only for text: integer categories come back as int64 values,
    # their categories and order described by the schema in the file's ``resource`` metadata
    assert str(table.schema.field("grade").type) == "int64"
    resource = json.loads(table.schema.metadata[b"resource"])
    assert resource["schema"]["fields"][1]["categories"] == GRADES
    file = tmp_path / "parquet" / "scores.parquet"
    assert duckdb.sql(f"SELECT grade FROM '{file}' ORDER BY score_id").fetchall() == [(v,) for v in grade]

    con = sqlite3.connect(tmp_path / "sqlite" / "cartel-directive.sqlite")
    rows = con.execute("SELECT grade, typeof(grade), level FROM scores ORDER BY score_id").fetchall()
    assert rows == [(3, "integer", 20), (1, "integer", 10), (None, "null", None), (2, "integer", 20)]
    con.execute("UPDATE scores SET grade = 2 WHERE score_id = 'sc-1'")  # a category: allowed
    with pytest.raises(sqlite3.IntegrityError):  # not a category: refused by the CHECK
        con.execute("UPDATE scores SET grade = 4 WHERE score_id = 'sc-1'")
    con.close()

    df, meta = pyreadstat.read_dta(str(tmp_path / "stata" / "scores.dta"))
    labels = meta.variable_value_labels["grade"]
    assert labels == {1: "3", 2: "1", 3: "2"}  # codes 1..n in the schema's order, labelled with the values
    assert [None if pd.isna(c) else labels[int(c)] for c in df["grade"]] == ["3", "1", None, "2"]
    assert meta.variable_value_labels["level"] == {1: "20", 2: "10"}
    assert "`3`: high; `1`: low; `2`: middle" in "\n".join(meta.notes)

    ws = openpyxl.load_workbook(tmp_path / "xlsx" / "cartel-directive.xlsx")["scores"]
    header = [c.value for c in ws[1]]
    cells = [[r[header.index(n)] for n in ("grade", "level")] for r in ws.iter_rows(min_row=2, values_only=True)]
    assert cells == [list(p) for p in zip(grade, level, strict=True)]


def test_a_field_with_categories_must_come_coded(pkg: Path) -> None:
    """A column of text where the loader gives a categorical is refused, never silently re-coded into nulls."""
    from cartel_directive.tableschema import TableSchema

    schema = TableSchema("t", {"fields": [{"name": "grade", "type": "integer", "categories": GRADES}]})
    text = pd.DataFrame({"grade": pd.array(["3", "1"], dtype="string")})
    meta = exports.about(Package.open(pkg))
    for make in (
        lambda: exports.arrow_table(text, schema),
        lambda: exports.create_table_sql(schema, text),
        lambda: exports.stata_frame(text, schema, meta, path="data/t.csv"),
    ):
        with pytest.raises(exports.ExportError, match="grade: a field with categories, but not a categorical column"):
            make()


# Parquet ------------------------------------------------------------------------------


def test_parquet_read_by_duckdb_has_dates_categories_and_the_licence(pkg: Path, tmp_path: Path, capsys) -> None:
    import duckdb
    import pyarrow.parquet as pq

    out = tmp_path / "out"
    code, stdout, _ = export(capsys, "parquet", out, pkg)
    assert code == 0, stdout
    version, citation = about_bits()
    con = duckdb.connect()
    for table in TABLES:
        file = str(out / f"{table}.parquet")
        schema = cd.schema(table, root=pkg)
        loaded = cd.load(table, root=pkg)
        types = dict(con.sql(f"SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM '{file}')").fetchall())
        assert list(types) == [f["name"] for f in schema["fields"]]
        assert con.sql(f"SELECT count(*) FROM '{file}'").fetchall()[0][0] == len(loaded)
        kv = {
            k.decode(): v.decode()
            for k, v in con.sql(f"SELECT key, value FROM parquet_kv_metadata('{file}')").fetchall()
        }
        assert kv["version"] == version
        assert kv["license"].startswith("CC-BY-4.0 (https://creativecommons.org/licenses/by/4.0/)")
        assert kv["citation"] == citation
        assert json.loads(kv["datapackage"]) == json.loads((pkg / "datapackage.json").read_text(encoding="utf-8"))
        assert json.loads(kv["resource"])["schema"] == schema
        arrow = pq.read_schema(file)
        for f in schema["fields"]:
            field = arrow.field(f["name"])
            assert field.metadata[b"description"].decode() == f.get("description", "")
            if f.get("type") == "date":
                assert types[f["name"]] == "DATE"  # not a nanosecond timestamp
                got = [r[0] for r in con.sql(f"SELECT \"{f['name']}\" FROM '{file}'").fetchall()]
                want = [None if pd.isna(v) else v.date() for v in loaded[f["name"]]]
                assert got == want
            if f.get("constraints", {}).get("enum") or f.get("categories"):
                assert str(field.type).startswith("dictionary")
                assert field.type.ordered is bool(f.get("categoriesOrdered", False))


def test_parquet_orders_categories_only_where_the_schema_says_so(pkg: Path, tmp_path: Path, capsys) -> None:
    import pyarrow.parquet as pq

    schema = pkg / "schemas" / "statements.schema.json"
    s = json.loads(schema.read_text(encoding="utf-8"))
    kind = next(f for f in s["fields"] if f["name"] == "quote_kind")
    values = kind.get("categories") or kind["constraints"]["enum"]
    kind["categories"], kind["categoriesOrdered"] = values, True
    schema.write_text(json.dumps(s, indent=2) + "\n", encoding="utf-8")
    code, _, err = export(capsys, "parquet", tmp_path / "out", pkg)
    assert code == 0, err
    table = pq.read_table(tmp_path / "out" / "statements.parquet")
    assert table.schema.field("quote_kind").type.ordered
    assert not table.schema.field("date_basis").type.ordered
    assert table.column("quote_kind").chunk(0).dictionary.to_pylist() == [
        v["value"] if isinstance(v, dict) else v for v in values
    ]


# SQLite -------------------------------------------------------------------------------


def test_sqlite_has_metadata_descriptions_and_foreign_key_indexes(pkg: Path, tmp_path: Path, capsys) -> None:
    out = tmp_path / "out"
    code, stdout, _ = export(capsys, "sqlite", out, pkg)
    assert code == 0
    db = out / "cartel-directive.sqlite"
    assert stdout.splitlines() == [f"wrote {db}", f"wrote {out / 'cartel-directive.metadata.json'}"]
    version, citation = about_bits()
    con = sqlite3.connect(db)
    assert con.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    assert con.execute("PRAGMA foreign_key_check").fetchall() == []
    meta = dict(con.execute("SELECT key, value FROM package_metadata"))
    assert meta["version"] == version and meta["citation"] == citation
    assert meta["license"].startswith("CC-BY-4.0") and "MIT" in meta["license"]
    files = {r[0]: r[1:] for r in con.execute("SELECT resource, path, bytes, sha256 FROM package_files")}
    for table in TABLES:
        size, digest = file_digest(pkg / "data" / f"{table}.csv")
        assert files[table] == (f"data/{table}.csv", size, digest.removeprefix("sha256:"))
        schema = cd.schema(table, root=pkg)
        info = con.execute(f'PRAGMA table_info("{table}")').fetchall()
        assert [c[1] for c in info] == [f["name"] for f in schema["fields"]]
        assert [c[1] for c in sorted(info, key=lambda c: c[5]) if c[5]] == schema["primaryKey"]
        fields = {
            r[0]: r[1]
            for r in con.execute("SELECT column_name, description FROM package_fields WHERE table_name = ?", (table,))
        }
        assert fields == {f["name"]: f.get("description", "") for f in schema["fields"]}
        indexed = set()
        for idx in con.execute(f'PRAGMA index_list("{table}")').fetchall():
            cols = [r[2] for r in con.execute(f'PRAGMA index_info("{idx[1]}")')]
            indexed.add(cols[0])  # an index serves lookups on its leading column
        for fk in schema.get("foreignKeys", []):
            assert fk["fields"][0] in indexed, (table, fk)
        assert con.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0] == len(cd.load(table, root=pkg))
    con.execute("PRAGMA foreign_keys = ON")
    with pytest.raises(sqlite3.IntegrityError):  # foreign key enforced
        con.execute("UPDATE statements SET speaker_id = 'nobody-at-all'")
    with pytest.raises(sqlite3.IntegrityError):  # category CHECK
        con.execute("UPDATE event_actors SET role = 'narrator'")
    con.close()
    # the command-line client, an independent reader: the plan uses the index, the dates are ISO text
    res = subprocess.run(
        [
            "sqlite3",
            str(db),
            "EXPLAIN QUERY PLAN SELECT * FROM statements WHERE speaker_id = 'x';",
            "SELECT typeof(date_start), date_start FROM events WHERE date_start IS NOT NULL LIMIT 1;",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "USING INDEX idx_statements_speaker_id" in res.stdout
    assert "text|2025-" in res.stdout


def test_sqlite_datasette_metadata_has_title_licence_source_and_descriptions(pkg: Path, tmp_path: Path, capsys) -> None:
    code, _, _ = export(capsys, "sqlite", tmp_path, pkg)
    assert code == 0
    meta = json.loads((tmp_path / "cartel-directive.metadata.json").read_text(encoding="utf-8"))
    d = json.loads((pkg / "datapackage.json").read_text(encoding="utf-8"))
    assert meta["title"] == d["title"]
    assert meta["license"] == "CC-BY-4.0" and meta["license_url"] == "https://creativecommons.org/licenses/by/4.0/"
    assert about_bits()[1] in meta["source"]
    tables = meta["databases"]["cartel-directive"]["tables"]
    for table in TABLES:
        schema = cd.schema(table, root=pkg)
        assert tables[table]["description"] == " ".join(schema["description"].split())
        assert tables[table]["license"] == "CC-BY-4.0"  # row pages read only their table's entry
        for f in schema["fields"]:
            column = tables[table]["columns"][f["name"]]
            assert " ".join(f["description"].split()) in column
            for c in f.get("categories", []):  # each value's meaning, where the schema gives one
                if isinstance(c, dict) and c.get("label"):
                    assert f"`{c['value']}`: {c['label']}" in column
    assert tables["actors"]["label_column"] == "name" and tables["sources"]["label_column"] == "title"


def test_sqlite_refuses_dangling_foreign_keys(pkg: Path, tmp_path: Path, capsys, monkeypatch) -> None:
    monkeypatch.setattr(exports, "_refuse_invalid", lambda pkg, fmt: None)  # as if validation had missed it
    set_cell(pkg, "statements", first_key(pkg, "statements"), "speaker_id", "nobody-at-all")
    code, _, err = export(capsys, "sqlite", tmp_path / "out", pkg)
    assert code == 1
    assert err.startswith("error: export --format sqlite: 1 dangling foreign key(s), first in statements")
    assert not (tmp_path / "out").exists()


# Stata --------------------------------------------------------------------------------


def test_stata_read_by_pyreadstat_has_labels_notes_strl_and_documented_missing(
    pkg: Path, tmp_path: Path, capsys
) -> None:
    import pyreadstat

    long = "“long” é " + "x" * 3000  # wider than Stata's 2045-byte str#, non-ASCII
    key = first_key(pkg, "statements")
    set_cell(pkg, "statements", key, "setting", long)
    out = tmp_path / "out"
    code, _, err = export(capsys, "stata", out, pkg)
    assert code == 0, err
    version, citation = about_bits()
    d = json.loads((pkg / "datapackage.json").read_text(encoding="utf-8"))
    for table in TABLES:
        schema = cd.schema(table, root=pkg)
        df, meta = pyreadstat.read_dta(str(out / f"{table}.dta"))
        title = next(r["title"] for r in d["resources"] if r["name"] == table)
        assert meta.file_label == title and "…" not in meta.file_label
        assert list(df.columns) == [f["name"] for f in schema["fields"]]
        assert len(df) == len(cd.load(table, root=pkg))
        notes = "\n".join(meta.notes)
        assert f"version {version}" in notes and citation in notes
        assert "CC-BY-4.0 (https://creativecommons.org/licenses/by/4.0/)" in notes
        assert "Stata has no missing value for strings" in notes
        for f in schema["fields"]:
            assert meta.column_names_to_labels[f["name"]] == f["title"]
            assert f"Variable {f['name']}: {f['title']}: {' '.join(f['description'].split())}" in notes
            enum = f.get("constraints", {}).get("enum") or f.get("categories")
            if enum:
                values = [c["value"] if isinstance(c, dict) else c for c in enum]
                assert list(meta.variable_value_labels[f["name"]].values()) == values
                for c in f.get("categories", []):
                    if isinstance(c, dict) and c.get("label"):
                        assert f"`{c['value']}`: {c['label']}" in notes  # what each code means
            if f.get("type") == "date":
                assert meta.original_variable_types[f["name"]] == "%td"
    df, meta = pyreadstat.read_dta(str(out / "statements.dta"))
    assert df.loc[df["statement_id"] == key, "setting"].item() == long  # a strL, whole
    loaded = cd.load("statements", root=pkg)
    missing = loaded["setting"].isna().to_numpy()
    assert missing.any() and (df.loc[missing, "setting"] == "").all()  # missing string: "" and said so


def test_stata_refuses_a_name_it_would_change(pkg: Path) -> None:
    from cartel_directive.tableschema import TableSchema

    meta = exports.about(Package.open(pkg))
    for name, why in (("in", "a word Stata reserves"), ("1st_value", "not a Stata variable name"), ("x" * 33, "not a")):
        schema = TableSchema("t", {"fields": [{"name": name, "type": "string"}]})
        with pytest.raises(exports.ExportError) as exc:
            exports.stata_frame(pd.DataFrame({name: pd.array(["a"], dtype="string")}), schema, meta, path="data/t.csv")
        assert str(exc.value).startswith(f"data/t.csv::{name}: {why}")
        assert "refused" in str(exc.value)


def test_an_infinite_number_in_the_data_is_refused(pkg: Path, tmp_path: Path, capsys, monkeypatch) -> None:
    """The typing step refuses a non-finite number (``1e400``, ``nan``, ``inf``), so no export can meet one:
    validation names the cell, and with validation bypassed the loader still refuses the table."""
    row = set_cell(pkg, "statistics", first_key(pkg, "statistics"), "value", "1e400")
    for fmt in exports.FORMATS:
        code, _, err = export(capsys, fmt, tmp_path / fmt, pkg)
        assert code == 1
        assert f"statistics.csv:{row}:value" in err and len(err.splitlines()) == 1
        assert not (tmp_path / fmt).exists()
    monkeypatch.setattr(exports, "_refuse_invalid", lambda pkg, fmt: None)  # as if validation had missed it
    for fmt in exports.FORMATS:
        code, _, err = export(capsys, fmt, tmp_path / fmt, pkg)
        assert code == 1
        assert f"statistics.csv:{row}:value: '1e400' is not a finite number" in err, err
        assert not (tmp_path / fmt).exists()


# xlsx ---------------------------------------------------------------------------------

HOSTILE = {
    "formula": '=HYPERLINK("https://example.org/?x","click")',
    "plus": "+1+2",
    "at": "@SUM(A1:A2)",
    "error": "#N/A",
    "div": "#DIV/0!",
    "tab": "\t=1+1",
    "space": "  =cmd|' /C calc'!A0",
    "minus": "-2+3",
}


def test_a_formula_in_the_data_is_refused_by_validation_first(pkg: Path, tmp_path: Path, capsys) -> None:
    row = set_cell(pkg, "statements", first_key(pkg, "statements"), "setting", HOSTILE["formula"])
    code, _, err = export(capsys, "xlsx", tmp_path / "out", pkg)
    assert code == 1 and err.startswith("error: export --format xlsx refused: the package is invalid")
    assert f"data/statements.csv:{row}:setting" in err
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("validated", [True, False], ids=["valid-package", "validation-bypassed"])
def test_xlsx_about_sheet_frozen_headers_filters_and_text_as_text(
    validated: bool, pkg: Path, tmp_path: Path, capsys, monkeypatch
) -> None:
    """Error literals pass validation; formulas do not, so they are also written with validation bypassed,
    as if a validator had missed one: the writer alone must still store them as text."""
    import openpyxl

    hostile = {k: v for k, v in HOSTILE.items() if k in ("error", "div")} if validated else HOSTILE
    if not validated:
        monkeypatch.setattr(exports, "_refuse_invalid", lambda pkg, fmt: None)

    keys = read_csv(pkg / "data" / "statements.csv")[1]
    rows = {}
    for (label, text), row in zip(hostile.items(), keys, strict=False):
        rows[label] = set_cell(pkg, "statements", row[0], "setting", text)
    code, _, err = export(capsys, "xlsx", tmp_path, pkg)
    assert code == 0, err
    file = tmp_path / "cartel-directive.xlsx"
    wb = openpyxl.load_workbook(file)
    assert wb.sheetnames == ["about", *TABLES, "fields"]
    about = {r[0]: r[1] for r in wb["about"].iter_rows(values_only=True)}
    version, citation = about_bits()
    assert about["Version"] == version and about["Cite as"] == citation
    assert about["Licence (CC-BY-4.0)"].startswith("Data: Creative Commons Attribution 4.0")
    assert "What this is" in about
    for table in TABLES:
        ws = wb[table]
        assert ws.freeze_panes == "A2"
        assert ws.auto_filter.ref == f"A1:{ws.cell(1, ws.max_column).column_letter}{ws.max_row}"
        assert [c.value for c in ws[1]] == [f["name"] for f in cd.schema(table, root=pkg)["fields"]]
        assert ws.max_row == len(cd.load(table, root=pkg)) + 1
    header, *codebook = wb["fields"].iter_rows(values_only=True)
    assert header[:3] == ("table", "field", "type")
    schemas = Package.open(pkg).schemas
    assert [r[2] for r in codebook] == [schemas[r[0]].field(r[1]).type_wording() for r in codebook]  # the one wording
    assert len(codebook) == sum(len(schemas[t].fields) for t in TABLES)
    ws = wb["statements"]
    col = [c.value for c in ws[1]].index("setting") + 1
    for label, text in hostile.items():
        cell = ws.cell(rows[label], col)
        assert (cell.value, cell.data_type, cell.quotePrefix) == (text, "s", True), label
    date_col = [c.value for c in wb["events"][1]].index("date_start") + 1
    dates = [r[0] for r in wb["events"].iter_rows(min_row=2, min_col=date_col, max_col=date_col) if r[0].value]
    assert dates and all(c.is_date and c.number_format == "yyyy-mm-dd" for c in dates)
    with zipfile.ZipFile(file) as z:  # no formula and no error cell anywhere in the raw sheets
        for name in z.namelist():
            if name.startswith("xl/worksheets/"):
                xml = z.read(name).decode()
                assert "<f>" not in xml and "<f " not in xml and 't="e"' not in xml, name


def test_xlsx_refuses_a_cell_over_excels_limit_and_writes_nothing(pkg: Path, tmp_path: Path, capsys) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "cartel-directive.xlsx").write_bytes(b"an older workbook")
    before = listing(out)
    row = set_cell(pkg, "statements", first_key(pkg, "statements"), "setting", "y" * 40_000)  # valid in the package
    code, _, err = export(capsys, "xlsx", out, pkg)
    assert code == 1
    assert err == (
        f"error: data/statements.csv:{row}:setting: 40000 characters, over Excel's 32,767-character cell limit; "
        "refusing to truncate (export as sqlite or parquet instead)\n"
    )
    assert listing(out) == before  # the old workbook untouched, no staging folder left


# All or nothing -----------------------------------------------------------------------


def test_export_refuses_an_invalid_package_and_writes_nothing(pkg: Path, tmp_path: Path, capsys) -> None:
    row = set_cell(pkg, "events", first_key(pkg, "events"), "date_start", "2025-13-01")
    for fmt in exports.FORMATS:
        code, _, err = export(capsys, fmt, tmp_path / fmt, pkg)
        assert code == 1
        assert err.startswith(f"error: export --format {fmt} refused: the package is invalid")
        assert f"data/events.csv:{row}:date_start" in err and len(err.splitlines()) == 1
        assert not (tmp_path / fmt).exists()


def test_a_failure_midway_rolls_back_every_file(pkg: Path, tmp_path: Path, capsys, monkeypatch) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "events.dta").write_bytes(b"an older export")
    (out / "unrelated.txt").write_text("mine", encoding="utf-8")
    before = listing(out)
    real = os.replace
    calls = []

    def failing(src, dst):
        calls.append(dst)
        if str(dst).endswith("statements.dta") and Path(dst).parent == out:  # the fifth of seven files
            raise OSError(28, "No space left on device")
        return real(src, dst)

    monkeypatch.setattr(exports.os, "replace", failing)
    code, _, err = export(capsys, "stata", out, pkg)
    assert code == 2 and "No space left on device" in err and len(err.splitlines()) == 1  # I/O: exit 2
    assert any(str(c).endswith("events.dta") for c in calls)  # it did get midway
    assert listing(out) == before


def test_a_planted_symlink_in_out_is_never_written_through(pkg: Path, tmp_path: Path, capsys) -> None:
    outside = tmp_path / "outside.txt"
    outside.write_text("precious", encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()
    (out / "events.parquet").symlink_to(outside)
    before = listing(out)
    code, _, err = export(capsys, "parquet", out, pkg)
    assert code == 1 and err.startswith("error: events.parquet: is a symlink")
    assert outside.read_text(encoding="utf-8") == "precious"
    assert listing(out) == before  # refused before anything was written: no partial set, no temp file


def test_a_second_export_replaces_the_first_and_leaves_no_temp_file(pkg: Path, tmp_path: Path, capsys) -> None:
    out = tmp_path / "out"
    mask = os.umask(0o022)
    try:
        for _ in range(2):
            code, _, _ = export(capsys, "stata", out, pkg)
            assert code == 0
    finally:
        os.umask(mask)
    assert sorted(p.name for p in out.iterdir()) == sorted(f"{t}.dta" for t in TABLES)
    assert {oct(p.stat().st_mode & 0o777) for p in out.iterdir()} == {"0o644"}  # readable, as a shared file must be


def test_output_names_cannot_leave_out(pkg: Path, tmp_path: Path, capsys) -> None:
    d = json.loads((pkg / "datapackage.json").read_text(encoding="utf-8"))
    extra = dict(next(r for r in d["resources"] if r["name"] == "sources"))
    extra["name"] = "../escaped"
    d["resources"].append(extra)
    (pkg / "datapackage.json").write_text(json.dumps(d), encoding="utf-8")
    out = tmp_path / "deep" / "out"
    code, _, err = export(capsys, "parquet", out, pkg)
    assert code != 0 and err.startswith("error: ") and len(err.splitlines()) == 1
    assert not list(tmp_path.joinpath("deep").rglob("*escaped*"))
    assert not (tmp_path / "deep" / "out").exists()


def test_a_missing_extra_is_one_line_exit_2(pkg: Path, tmp_path: Path, capsys, monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "openpyxl", None)  # as if not installed
    code, _, err = export(capsys, "xlsx", tmp_path, pkg)
    assert code == 2
    assert (
        err
        == "error: export --format xlsx needs openpyxl, which is not installed: pip install 'cartel-directive[export]'\n"
    )


def test_xlsx_cell_writer_refuses_what_it_cannot_store_faithfully() -> None:
    """The reader already refuses CR and control characters in the data; the writer refuses them too."""
    import openpyxl

    ws = openpyxl.Workbook().active
    for text, why in (("one\rtwo", "a carriage return"), ("bell\x07", "a control character")):
        with pytest.raises(exports.ExportError) as exc:
            exports._put(ws, 1, 1, text, lambda: "data/t.csv:2:c")
        assert str(exc.value).startswith(f"data/t.csv:2:c: {why}")
    exports._put(ws, 1, 1, "=1+1", lambda: "data/t.csv:2:c")
    assert (ws["A1"].value, ws["A1"].data_type, ws["A1"].quotePrefix) == ("=1+1", "s", True)
