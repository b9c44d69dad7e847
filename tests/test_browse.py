"""`cartel-directive browse`: datasette on 127.0.0.1 with the export's metadata, its pages, a screenshot.

Not skipped in CI: `.ci/run` installs chromium and the [browse] extra, so their absence there is
a failure. On a developer's machine without them the test is skipped, saying why.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import struct
from pathlib import Path

import pytest

from cartel_directive.cli import main
from conftest import import_script

shot = import_script("browse_screenshot")

IN_CI = bool(os.environ.get("CI"))


def need(ok: bool, what: str) -> None:
    if not ok:
        (pytest.fail if IN_CI else pytest.skip)(f"{what} (CI installs it: .ci/run)")


@pytest.fixture
def pkg(pkg_copy: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    shutil.copy2(Path(__file__).resolve().parent.parent / "CITATION.cff", pkg_copy)
    monkeypatch.delenv("CARTEL_DIRECTIVE_SOURCES", raising=False)
    return pkg_copy


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def test_browse_serves_the_export_with_links_descriptions_and_licence(pkg: Path, tmp_path: Path) -> None:
    import importlib.util

    need(importlib.util.find_spec("datasette") is not None, "datasette is not installed")
    need(shot.chromium() is not None, "chromium is not installed")
    with shot.browsing(pkg) as server:
        base = server.base
        host = re.match(r"http://([0-9.]+):(\d+)", base)
        assert host and host.group(1) == "127.0.0.1"
        # the table page: every statement links to its speaker and its source, with their names as labels
        table = shot.get(f"{base}/cartel-directive/statements?_sort=statement_id")
        assert re.search(r'href="/cartel-directive/actors/claudia-sheinbaum">Claudia Sheinbaum</a>', table)
        assert re.search(r'href="/cartel-directive/sources/000_b715ec96f83f7d48~2Etxt">Mexico Bristles', table)
        assert "One row per contiguous quoted or paraphrased passage" in table  # the table's description
        assert 'data-column-description="Speaker: Who the source says spoke' in table  # a column's
        assert 'href="https://creativecommons.org/licenses/by/4.0/">CC-BY-4.0</a>' in table
        assert "cite as: The cartel-directive curators." in table
        # a row page: the statement, with the licence; and the speaker's row lists its statements
        row = shot.get(f"{base}/cartel-directive/statements/stm-0001")
        assert "absolutely off the table" in row and "CC-BY-4.0</a>" in row
        actor = shot.get(f"{base}/cartel-directive/actors/claudia-sheinbaum")
        assert re.search(r'href="/cartel-directive/statements\?speaker_id=claudia-sheinbaum"', actor)
        # the metadata is the export's: title, licence, source
        meta = json.loads(shot.get(f"{base}/-/metadata.json"))
        assert meta["license"] == "CC-BY-4.0" and meta["title"].startswith("cartel-directive")
        # headless Chromium renders the page the docs show
        png = tmp_path / "browse.png"
        shot.screenshot(f"{base}{shot.DEFAULT_PATH}", png)
        data = png.read_bytes()
        assert png_size(data) == shot.WINDOW and len(data) > 20_000  # a rendered page, not a blank one
        port = int(host.group(2))
        served = server.served
        assert served.name == "cartel-directive.sqlite" and served.is_file()
    # stopped: the process ended, the port is closed again, and its temporary export is gone
    assert server.proc.returncode == 0
    assert not served.parent.exists()
    with socket.socket() as s:
        assert s.connect_ex(("127.0.0.1", port)) != 0


def test_browse_without_datasette_is_one_line_exit_2(capsys, monkeypatch) -> None:
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "datasette" else real(name, *a))
    code = main(["browse", "--port", "1"])
    err = capsys.readouterr().err
    assert code == 2
    assert err == "error: browse needs datasette, which is not installed: pip install 'cartel-directive[browse]'\n"


def test_browse_refuses_a_port_in_use(capsys) -> None:
    import importlib.util

    need(importlib.util.find_spec("datasette") is not None, "datasette is not installed")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        code = main(["browse", "--port", str(port)])
    assert code == 1
    assert capsys.readouterr().err == f"error: 127.0.0.1:{port}: the port is in use; choose another with --port\n"


def test_the_docs_show_a_screenshot() -> None:
    data = (Path(__file__).resolve().parent.parent / "docs" / "browse.png").read_bytes()
    assert png_size(data) == shot.WINDOW  # made by scripts/browse_screenshot.py
