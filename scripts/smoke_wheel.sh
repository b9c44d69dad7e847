#!/usr/bin/env bash
# Smoke test of the built distribution, as a new user gets it: build the sdist and the
# wheel (the wheel from the sdist), install the wheel (no extra) into a fresh virtual
# environment outside the repository and MEASURE what it added (distributions and bytes:
# fails over CORE_MAX_DISTS / CORE_MAX_MB); from another folder load every table, check
# its dtypes, run `info` and `cite`, and check that each command whose extra is missing
# says which one to install (one line, exit 2); then add the [validate] extra and validate
# with the archive, and the [export] extra and export. `import cartel_directive` must not
# import pandas. Everything goes to a temporary folder that is removed afterwards; nothing
# is written in the repository.
#
#   bash scripts/smoke_wheel.sh            # needs .venv (with `build`) and the source archive
#   KEEP=1 bash scripts/smoke_wheel.sh     # keep the temporary folder for inspection
set -euo pipefail
REPO="$(cd "$(dirname "$0")/.." && pwd)"
SOURCES="${CARTEL_DIRECTIVE_SOURCES:-$(cd "$REPO/.." && pwd)/shared/sources}"
BUILD_PY="${BUILD_PY:-$REPO/.venv/bin/python}"   # a Python with `build` installed
PY="${PYTHON:-python3}"                           # the Python of the fresh environment
CORE_MAX_DISTS="${CORE_MAX_DISTS:-6}"             # the light core's budget (issue 12)
CORE_MAX_MB="${CORE_MAX_MB:-200}"

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

echo "== install the wheel (core, no extra) into a fresh virtual environment and measure what it adds"
"$PY" -m venv "$WORK/venv"
VPY="$WORK/venv/bin/python"
dists() { "$VPY" -m pip list --format=freeze --disable-pip-version-check 2>/dev/null | cut -d= -f1 | sort; }
dists > "$WORK/dists.before"
bytes_before=$(du -sb "$WORK/venv" | cut -f1)
"$VPY" -m pip install --quiet "$WHEEL"
dists > "$WORK/dists.after"
bytes_after=$(du -sb "$WORK/venv" | cut -f1)
added=$(comm -13 "$WORK/dists.before" "$WORK/dists.after")
n_added=$(printf '%s\n' "$added" | grep -c .)
mb_added=$(( (bytes_after - bytes_before) / 1000000 ))
echo "  core install added $n_added distributions, $mb_added MB: $(echo $added | tr '\n' ' ')"
echo "  (measured as: pip list before/after and du -sb of the venv, in a fresh venv of $("$VPY" --version))"
if [ "$n_added" -gt "$CORE_MAX_DISTS" ] || [ "$mb_added" -gt "$CORE_MAX_MB" ]; then
  echo "error: the core install is over budget ($n_added > $CORE_MAX_DISTS distributions or $mb_added > $CORE_MAX_MB MB)" >&2
  exit 1
fi
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
from cartel_directive.descriptor import Package


def expected_dtype(table: str, name: str) -> str:
    """The loader's dtype of a non-categorical field, from the package's one field mapping."""
    field = Package.open(bundled_root()).schemas[table].field(name)
    if hasattr(field, "value_dtype"):
        return field.value_dtype()
    from cartel_directive.typing_ import DTYPES  # before the one-mapping rewrite

    return DTYPES[field.type]


repo = Path(sys.argv[1]).resolve()
root = bundled_root().resolve()
assert repo not in root.parents and root != repo, f"loaded from the repository ({root}), not the wheel"
assert (Path(cd.__file__).parent / "py.typed").is_file(), "py.typed is not shipped"
assert cd.version() == cd.__version__, (cd.version(), cd.__version__)
for name, df in cd.load_all().items():  # the core loader: no extra
    schema = cd.schema(name)
    assert list(df.columns) == [f["name"] for f in schema["fields"]], name
    for f in schema["fields"]:
        cats = f.get("categories")
        values = [c["value"] if isinstance(c, dict) else c for c in cats] if cats else f.get("constraints", {}).get("enum")
        col = df[f["name"]]
        if values:
            assert isinstance(col.dtype, pd.CategoricalDtype), (name, f["name"])
            assert [str(c) for c in col.cat.categories] == [str(v) for v in values], (name, f["name"])
        else:
            assert col.dtype == pd.api.types.pandas_dtype(expected_dtype(name, f["name"])), (name, f["name"], col.dtype)
    assert cd.path(name).is_file()
    print(f"  {name:<14} {len(df):>5} rows  ok")
print(f"  data from {root}")
PY

echo "== cartel-directive --version / info / cite (core)"
"$CLI" --version
"$CLI" info
"$CLI" cite --format bibtex | tee "$WORK/cite.bib"
grep -q "year = {" "$WORK/cite.bib"
"$CLI" cite --format apa
"$CLI" cite --format cff > /dev/null
"$CLI" cite --row statements/stm-0001

echo "== without their extra, commands say which to install (one line, exit 2)"
expect_extra() {  # expect_extra EXTRA COMMAND...
  local extra="$1"; shift
  set +e; "$CLI" "$@" > /dev/null 2> "$WORK/err.txt"; local rc=$?; set -e
  cat "$WORK/err.txt"
  if [ "$rc" -ne 2 ] || [ "$(wc -l < "$WORK/err.txt")" -ne 1 ] \
     || ! grep -q "pip install 'cartel-directive\[$extra\]'" "$WORK/err.txt"; then
    echo "error: \`cartel-directive $*\` without [$extra]: exit $rc, expected one line naming [$extra] and exit 2" >&2
    exit 1
  fi
}
expect_extra validate validate --sources "$SOURCES"
expect_extra export export --format sqlite --out "$WORK/export"
if "$CLI" --help | grep -q "browse"; then expect_extra browse browse; fi
"$VPY" -c "
import cartel_directive as cd
try:
    cd.load('events', validate=True)
except cd.MissingExtraError as e:
    print(f'  load(validate=True): {e}')
else:
    raise SystemExit('load(validate=True) worked without the [validate] extra?')
"

echo "== build never rewrites the installed copy (exit 2, one line)"
set +e; "$CLI" build --sources "$SOURCES" > /dev/null 2> "$WORK/err.txt"; rc=$?; set -e
cat "$WORK/err.txt"
[ "$rc" -eq 2 ] && grep -q "installed copy" "$WORK/err.txt" || { echo "error: build on the installed copy: exit $rc" >&2; exit 1; }

echo "== add the [validate] and [export] extras"
"$VPY" -m pip install --quiet "$WHEEL[export]"

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

echo "== parquet export (the [export] extra)"
"$CLI" export --format parquet --out "$WORK/parquet"
"$WORK/venv/bin/python" - "$WORK/parquet" <<'PY'
import sys
from pathlib import Path

import pyarrow.parquet as pq

import cartel_directive as cd

files = sorted(Path(sys.argv[1]).glob("*.parquet"))
assert [f.stem for f in files] == sorted(cd.tables()), files
rows = sum(pq.read_metadata(f).num_rows for f in files)
print(f"  parquet: {len(files)} files, {rows} rows")
PY

echo "== xlsx export (the [export] extra)"
"$CLI" export --format xlsx --out "$WORK/xlsx"

echo "== cartel-directive validate (the [validate] extra; installed data, provenance against the archive)"
"$CLI" validate --sources "$SOURCES" --require-provenance --with-frictionless

echo "smoke test passed: $(basename "$WHEEL")"
