"""The generated documentation (codebook, README table of tables, datasheet numbers) is current."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from cartel_directive.descriptor import TABLES, Package
from conftest import import_script

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "docs.py"


@pytest.fixture(scope="module")
def docs_module():
    return import_script("docs")


def test_generated_docs_are_current() -> None:
    run = subprocess.run([sys.executable, str(SCRIPT), "--check"], capture_output=True, text=True, cwd=ROOT)
    assert run.returncode == 0, f"stale generated docs; run `python scripts/docs.py`\n{run.stdout}{run.stderr}"


def test_every_enum_value_has_a_meaning(docs_module) -> None:
    pkg = Package.open(ROOT)
    for name in TABLES:
        for field in pkg.schemas[name].fields:
            doc = docs_module.split_enum(field)
            assert list(doc.meanings) == list(field.enum or []), f"{name}.{field.name}"
            assert all(doc.meanings.values()), f"{name}.{field.name}: an enum value has an empty meaning"
            assert "`" + (field.enum or ["\0"])[0] + "`:" not in doc.prose


def test_codebook_lists_every_field(docs_module) -> None:
    text = (ROOT / "docs" / "codebook.md").read_text(encoding="utf-8")
    pkg = Package.open(ROOT)
    for name in TABLES:
        assert f"\n## {name}\n" in text
        section = text.split(f"\n## {name}\n", 1)[1].split("\n## ", 1)[0]
        for field in pkg.schemas[name].fields:
            assert f"#### `{name}.{field.name}`" in section
            wording = field.type_wording()  # the one wording of a type, never the raw Table Schema type
            assert f"**{field.title}**: {wording}." in section
            row = next(line for line in section.splitlines() if line.startswith(f"| `{field.name}` |"))
            assert row.split(" | ")[2] == wording, row


def test_check_reports_a_stale_file(tmp_path: Path, docs_module) -> None:
    for rel in ("datapackage.json", "README.md"):
        (tmp_path / rel).write_bytes((ROOT / rel).read_bytes())
    for folder in ("data", "schemas", "docs", "examples"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    codebook = tmp_path / "docs" / "codebook.md"
    codebook.write_text(codebook.read_text(encoding="utf-8") + "edited by hand\n", encoding="utf-8")
    assert docs_module.main(["--check", "--root", str(tmp_path)]) == 1
    assert docs_module.main(["--root", str(tmp_path)]) == 0
    assert docs_module.main(["--check", "--root", str(tmp_path)]) == 0


def test_each_resource_is_described_as_its_schema_describes_it() -> None:
    """`cd.tables()` (the descriptor) and the codebook (the schemas) give each table one description."""
    import json

    from cartel_directive.resources import bundled_root

    root = bundled_root()
    descriptor = json.loads((root / "datapackage.json").read_text(encoding="utf-8"))
    for res in descriptor["resources"]:
        schema = json.loads((root / res["schema"]).read_text(encoding="utf-8"))
        assert res.get("description") == schema.get("description"), res["name"]
