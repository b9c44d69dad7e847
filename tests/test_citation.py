"""CITATION.cff is valid CFF 1.2.0, the citations generated from it parse, and one version rules them all."""

from __future__ import annotations

import json
import re
import tomllib
from importlib.metadata import version as dist_version
from pathlib import Path

import bibtexparser
import jsonschema
import pytest
import yaml

from cartel_directive import citation

CFF_SCHEMA = Path(__file__).parent / "external" / "citation-cff-1.2.0.schema.json"


def _validator() -> jsonschema.Draft7Validator:
    schema = json.loads(CFF_SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft7Validator.check_schema(schema)
    return jsonschema.Draft7Validator(schema, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER)


def test_citation_cff_is_valid_cff_1_2_0(root: Path) -> None:
    cff = citation.read_cff(root)
    errors = [f"{list(e.path)}: {e.message}" for e in _validator().iter_errors(cff)]
    assert not errors, errors
    assert cff["cff-version"] == "1.2.0"
    assert cff["type"] == "dataset"
    assert cff["license"] == "CC-BY-4.0"
    assert cff["authors"] == [{"name": "The cartel-directive curators"}]


@pytest.mark.parametrize(
    "change",
    [
        {"cff-version": "1.1.0"},
        {"authors": []},
        {"doi": "https://doi.org/10.1234/x"},  # a resolver URL is not a DOI
        {"date-released": "2025-13-01"},
        {"licence": "CC-BY-4.0"},  # unknown key
    ],
)
def test_the_validator_rejects_invalid_cff(root: Path, change: dict) -> None:
    cff = {**citation.read_cff(root), **change}
    assert list(_validator().iter_errors(cff))


def test_no_invented_identifiers(root: Path) -> None:
    cff = citation.read_cff(root)
    assert not {"doi", "url", "repository-code", "identifiers"} & set(cff)


def released(text: str) -> dict[str, str]:
    """CHANGELOG.md's released versions and their dates (``## [0.1.0] - 2026-11-22``)."""
    heads = re.findall(r"^## \[([^\]]+)\](.*)$", text, flags=re.M)
    out = {}
    for version, rest in heads:
        if version == "Unreleased":
            continue
        m = re.fullmatch(r" - (\d{4}-\d{2}-\d{2})", rest)
        assert m, f"CHANGELOG.md: release {version} has no date (`## [{version}] - YYYY-MM-DD`)"
        out[version] = m.group(1)
    return out


def test_the_release_date_is_the_changelogs(root: Path) -> None:
    cff = citation.read_cff(root)
    dates = released((root / "CHANGELOG.md").read_text(encoding="utf-8"))
    assert cff["date-released"] == dates[str(cff["version"])]
    assert dates["0.1.0"] == "2026-11-22"  # the day 0.1.0 was committed (git log)
    assert list(dates.values()) == sorted(dates.values(), reverse=True), "releases newest first, dates increasing"


def test_released_rejects_an_undated_release() -> None:
    with pytest.raises(AssertionError, match=r"0\.3\.0 has no date"):
        released("## [Unreleased]\n## [0.3.0]\n## [0.2.0] - 2026-11-30\n")


def test_one_version_everywhere(root: Path) -> None:
    v = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]
    assert json.loads((root / "datapackage.json").read_text(encoding="utf-8"))["version"] == v
    assert yaml.safe_load((root / "CITATION.cff").read_text(encoding="utf-8"))["version"] == v
    assert dist_version("cartel-directive") == v
    assert str(citation.read_cff()["version"]) == v  # the installed package's copy


def test_title_and_keywords_agree_with_the_descriptor(root: Path) -> None:
    cff = citation.read_cff(root)
    d = json.loads((root / "datapackage.json").read_text(encoding="utf-8"))
    assert cff["title"] == d["title"]
    assert set(d["keywords"]) <= set(cff["keywords"])


def test_bibtex_parses_with_bibtexparser() -> None:
    lib = bibtexparser.parse_string(citation.cite("bibtex"))
    assert not lib.failed_blocks
    (entry,) = lib.entries
    cff = citation.read_cff()
    assert entry.entry_type == "misc"
    assert entry.fields_dict["version"].value == str(cff["version"])
    assert entry.fields_dict["author"].value == "{The cartel-directive curators}"
    assert "doi" not in entry.fields_dict and "url" not in entry.fields_dict
    assert entry.fields_dict["year"].value == str(cff["date-released"])[:4]


def test_bibtex_escapes_special_characters() -> None:
    text = citation.bibtex({"title": "50% of A & B_c {x}", "version": "1", "authors": [{"name": "R&D #1"}]})
    lib = bibtexparser.parse_string(text)
    assert not lib.failed_blocks
    assert lib.entries[0].fields_dict["title"].value == r"{50\% of A \& B\_c \{x\}}"


def test_apa_and_cff_formats() -> None:
    cff = citation.read_cff()
    apa = citation.cite("apa")
    assert apa.startswith(f"The cartel-directive curators. ({str(cff['date-released'])[:4]}). ")
    assert f"(Version {cff['version']}) [Data set]." in apa
    assert yaml.safe_load(citation.cite("cff")) == yaml.safe_load(citation.cff_path().read_text(encoding="utf-8"))


def test_person_authors_and_release_date() -> None:
    cff = {
        "title": "T",
        "version": "2.0.0",
        "type": "dataset",
        "date-released": "2026-01-31",
        "doi": "10.5281/zenodo.1",
        "authors": [{"given-names": "Ana", "family-names": "Pérez"}, {"name": "A team"}],
    }
    assert (
        citation.apa(cff)
        == "Pérez, Ana, & A team. (2026). T (Version 2.0.0) [Data set]. https://doi.org/10.5281/zenodo.1"
    )
    entry = bibtexparser.parse_string(citation.bibtex(cff)).entries[0]
    assert entry.fields_dict["author"].value == "Pérez, Ana and {A team}"
    assert entry.fields_dict["year"].value == "2026"


def test_changelog_has_data_and_code_sections_and_the_policy(root: Path) -> None:
    text = (root / "CHANGELOG.md").read_text(encoding="utf-8")
    v = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]
    assert f"## [{v}]" in text
    assert "### Data" in text and "### Code" in text
    for word in ("patch", "minor", "major"):
        assert word in text.lower()


def test_a_copy_without_citation_cff_is_cited_from_its_own_descriptor(pkg_copy: Path) -> None:
    """The one fallback (``citation.metadata``): a copy's datapackage.json, never the installed package's CFF."""
    d = json.loads((pkg_copy / "datapackage.json").read_text(encoding="utf-8"))
    d["title"], d["version"] = "A derived copy & co", "9.9.9"
    d["contributors"] = [{"title": "Someone Else", "roles": ["creator"]}, {"title": "A Helper", "roles": ["other"]}]
    (pkg_copy / "datapackage.json").write_text(json.dumps(d), encoding="utf-8")
    assert not (pkg_copy / "CITATION.cff").exists()
    cff = citation.metadata(pkg_copy)
    assert cff == {
        "title": "A derived copy & co",
        "type": "dataset",
        "authors": [{"name": "Someone Else"}],
        "version": "9.9.9",
    }
    assert citation.cite("apa", pkg_copy) == "Someone Else. (n.d.). A derived copy & co (Version 9.9.9) [Data set]."
    lib = bibtexparser.parse_string(citation.cite("bibtex", pkg_copy))
    assert not lib.failed_blocks
    fields = lib.entries[0].fields_dict
    assert (fields["title"].value, fields["version"].value) == ("{A derived copy \\& co}", "9.9.9")
    assert fields["author"].value == "{Someone Else}"
    # with a CITATION.cff beside it, the file rules
    (pkg_copy / "CITATION.cff").write_text(
        'cff-version: 1.2.0\ntitle: "From the file"\ntype: dataset\nauthors:\n  - name: "The file"\nversion: "1.2.3"\n'
        'message: "cite it"\n',
        encoding="utf-8",
    )
    assert citation.metadata(pkg_copy)["title"] == "From the file"
    assert citation.cite("apa", pkg_copy) == "The file. (n.d.). From the file (Version 1.2.3) [Data set]."
