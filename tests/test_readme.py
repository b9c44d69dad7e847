"""The documents a user reads are self-contained, and the README's first screen serves all three users."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
#: What a user of the repository or of the sdist reads.
DOCUMENTS = [ROOT / "README.md", ROOT / "CHANGELOG.md", *sorted((ROOT / "docs").glob("*.md"))]
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)\)")
#: The README's first command names the maintainers' archive folder as an argument; nothing else may.
MAIN_COMMAND = 'python3 -m venv .venv && .venv/bin/pip install -q -e ".[validate]" && .venv/bin/cartel-directive validate --sources ../shared/sources'


def readme() -> str:
    return (ROOT / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("doc", DOCUMENTS, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_no_document_points_outside_the_repository(doc: Path) -> None:
    text = doc.read_text(encoding="utf-8").replace(MAIN_COMMAND, "")
    assert "../shared" not in text and "CURATION.md" not in text, f"{doc.name} points outside the repository"
    for target in LINK.findall(text):
        if re.match(r"[a-z]+:", target) or target.startswith("#"):
            continue
        path = (doc.parent / target.split("#")[0]).resolve()
        assert ROOT in path.parents or path == ROOT, f"{doc.name}: {target} leaves the repository"
        assert path.exists(), f"{doc.name}: {target} does not exist"


def test_the_first_screen_serves_the_three_users() -> None:
    lines = readme().splitlines()
    first = "\n".join(lines[:30])
    assert lines[0] == "# cartel-directive"
    assert re.search(r"!\[[^\]]+\]\(docs/figures/[a-z_]+\.png\)", first), "a picture"
    assert MAIN_COMMAND in first, "the main job's command"
    assert "`bash .ci/run`" in first, "the test command"
    for word in ("Download", "Load", "Cite", "Browse"):
        assert f"**{word}**" in first, word
    assert "cite --row statements/stm-0001" in first
    assert "examples/read.R" in first


def test_the_readme_says_how_to_get_the_articles_and_what_validate_does_without_them() -> None:
    text = readme()
    assert "## The source articles" in text and "not redistributed" in text
    assert "What `validate` checks without them" in text and "provenance NOT RUN" in text
    assert "[curation rules](docs/curation-rules.md)" in text


def test_the_readme_shows_the_r_example_that_ci_runs() -> None:
    code = (ROOT / "examples" / "read.R").read_text(encoding="utf-8").rstrip("\n")
    assert f"```r\n{code}\n```" in readme()


def test_package_metadata_names_both_licences() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["license"] == "MIT AND CC-BY-4.0"
    assert project["license-files"] == ["LICENSE", "LICENSE-DATA"]
    assert "MIT" in (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert "Attribution 4.0" in (ROOT / "LICENSE-DATA").read_text(encoding="utf-8")
