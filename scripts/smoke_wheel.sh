#!/usr/bin/env bash
# Smoke test of the built distribution, as a new user gets it: build the sdist and the
# wheel (the wheel from the sdist), install the wheel into a fresh virtual environment
# outside the repository, and from another folder load every table, check its dtypes,
# run each command, and time `import cartel_directive` (which must not import pandas).
# Everything goes to a temporary folder that is removed afterwards; nothing is written
# in the repository.
#
#   bash scripts/smoke_wheel.sh            # needs .venv (with `build`) and the source archive
#   KEEP=1 bash scripts/smoke_wheel.sh     # keep the temporary folder for inspection
set -euo pipefail
REPO="$(cd "$(dirname "$0")/.." && pwd)"
SOURCES="${CARTEL_DIRECTIVE_SOURCES:-$(cd "$REPO/.." && pwd)/shared/sources}"
BUILD_PY="${BUILD_PY:-$REPO/.venv/bin/python}"   # a Python with `build` installed
PY="${PYTHON:-python3}"                           # the Python of the fresh environment

if [ ! -d "$SOURCES" ]; then
  echo "error: the source archive is not at $SOURCES (set CARTEL_DIRECTIVE_SOURCES)" >&2
  exit 1
fi
WORK="$(mktemp -d)"
if [ -z "${KEEP:-}" ]; then trap 'rm -rf "$WORK"' EXIT; else echo "keeping $WORK"; fi
unset CARTEL_DIRECTIVE_SOURCES   # the smoke test passes --sources explicitly

echo "== build sdist and wheel (into $WORK/dist)"
"$BUILD_PY" -m build --outdir "$WORK/dist" "$REPO" > "$WORK/build.log" 2>&1 || { cat "$WORK/build.log"; exit 1; }
ls "$WORK/dist"
WHEEL="$(ls "$WORK"/dist/*.whl)"

echo "== install the wheel into a fresh virtual environment"
"$PY" -m venv "$WORK/venv"
"$WORK/venv/bin/python" -m pip install --quiet "$WHEEL"
CLI="$WORK/venv/bin/cartel-directive"
mkdir "$WORK/elsewhere"
cd "$WORK/elsewhere"   # no datapackage.json here, and not the repository

echo "== import time (must not import pandas)"
"$WORK/venv/bin/python" - <<'PY'
import statistics, subprocess, sys
code = (
    "import sys, time; t = time.perf_counter(); import cartel_directive; "
    "dt = time.perf_counter() - t; "
    "bad = [m for m in ('pandas', 'frictionless', 'pandera', 'numpy') if m in sys.modules]; "
    "assert not bad, f'import cartel_directive imported {bad}'; print(dt)"
)
times = [float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout)
         for _ in range(5)]
print(f"import cartel_directive: median {statistics.median(times) * 1000:.1f} ms over 5 fresh interpreters; pandas not imported")
PY

echo "== load every table from the installed wheel and check its dtypes"
"$WORK/venv/bin/python" - "$REPO" <<'PY'
import sys
from pathlib import Path

import pandas as pd

import cartel_directive as cd
from cartel_directive.resources import bundled_root
from cartel_directive.typing_ import DTYPES

repo = Path(sys.argv[1]).resolve()
root = bundled_root().resolve()
assert repo not in root.parents and root != repo, f"loaded from the repository ({root}), not the wheel"
assert (Path(cd.__file__).parent / "py.typed").is_file(), "py.typed is not shipped"
assert cd.version() == cd.__version__, (cd.version(), cd.__version__)
for name, df in cd.load_all(validate=True).items():
    schema = cd.schema(name)
    assert list(df.columns) == [f["name"] for f in schema["fields"]], name
    for f in schema["fields"]:
        col, enum = df[f["name"]], f.get("constraints", {}).get("enum")
        if enum:
            assert isinstance(col.dtype, pd.CategoricalDtype) and col.cat.ordered, (name, f["name"])
            assert [str(c) for c in col.cat.categories] == [str(v) for v in enum], (name, f["name"])
        else:
            assert col.dtype == pd.api.types.pandas_dtype(DTYPES[f["type"]]), (name, f["name"], col.dtype)
    assert cd.path(name).is_file()
    print(f"  {name:<14} {len(df):>5} rows  ok")
print(f"  data from {root}")
PY

echo "== cartel-directive --version / info / cite"
"$CLI" --version
"$CLI" info
"$CLI" cite --format bibtex | tee "$WORK/cite.bib"
"$CLI" cite --format apa
"$CLI" cite --format cff > /dev/null

echo "== cartel-directive export --format sqlite"
"$CLI" export --format sqlite --out "$WORK/export"
"$WORK/venv/bin/python" - "$WORK/export/cartel-directive.sqlite" <<'PY'
import sqlite3, sys
con = sqlite3.connect(sys.argv[1])
assert con.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
assert con.execute("PRAGMA foreign_key_check").fetchall() == []
tables = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY rowid")]
fks = sum(len(con.execute(f'PRAGMA foreign_key_list("{t}")').fetchall()) for t in tables)
print(f"  sqlite: {len(tables)} tables, {fks} foreign keys declared, foreign_key_check clean")
PY

echo "== parquet export works with the core install (pyarrow is a core dependency)"
"$CLI" export --format parquet --out "$WORK/parquet"
"$WORK/venv/bin/python" - "$WORK/parquet" <<'PY'
import sys
from pathlib import Path

import pyarrow.parquet as pq

import cartel_directive as cd

files = sorted(Path(sys.argv[1]).glob("*.parquet"))
assert len(files) == len(cd.tables()), files  # one file per table (the changes table made it 8)
rows = sum(pq.read_metadata(f).num_rows for f in files)
print(f"  parquet: {len(files)} files, {rows} rows")
PY

echo "== without the export extra, xlsx fails with one clear line"
if "$CLI" export --format xlsx --out "$WORK/export" 2> "$WORK/err.txt"; then
  echo "error: export --format xlsx succeeded without openpyxl installed?" >&2; exit 1
fi
cat "$WORK/err.txt"
grep -q "pip install 'cartel-directive\[export\]'" "$WORK/err.txt"
if grep -q Traceback "$WORK/err.txt"; then echo "error: a traceback was printed" >&2; exit 1; fi

echo "== cartel-directive validate (installed data, provenance against the archive)"
"$CLI" validate --sources "$SOURCES" --require-provenance --with-frictionless

echo "smoke test passed: $(basename "$WHEEL")"
