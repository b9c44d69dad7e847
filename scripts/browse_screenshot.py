"""Start `cartel-directive browse` on a free local port and take a screenshot with headless Chromium.

    python scripts/browse_screenshot.py [--out docs/browse.png] [--path /cartel-directive/statements]

Writes the PNG that the docs show (docs/browse.png). The browse test uses the same helpers, so
the command the docs picture comes from is the command that is tested. Needs the [browse]
extra and Debian's `chromium` (``.ci/run`` installs it).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
#: A page worth showing: statements, each linking to its speaker and its source.
DEFAULT_PATH = "/cartel-directive/statements?_col=speaker_id&_col=quote&_col=quote_kind&_col=date_start&_col=source_file&_size=8&_sort=statement_id"
WINDOW = (1400, 2000)
#: Headless, nothing fetched from the network, no profile reused: the flags the browse test needs.
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def get(url: str, timeout: float = 10) -> str:
    with urllib.request.urlopen(url, timeout=timeout) as resp:
        return resp.read().decode("utf-8")


@dataclass
class Server:
    base: str  # http://127.0.0.1:PORT
    proc: subprocess.Popen[bytes]
    log: Path  # what browse and datasette printed

    @property
    def served(self) -> Path:
        """The SQLite file browse serves, from its first line (``serving FILE on URL``)."""
        first = self.log.read_text(encoding="utf-8").splitlines()[0]
        return Path(first.removeprefix("serving ").split(" on http")[0])


@contextlib.contextmanager
def browsing(package: Path | None = None, *, startup: float = 90) -> Iterator[Server]:
    """Run ``cartel-directive browse`` on a free port until it answers; stop it (SIGTERM) on exit."""
    port = free_port()
    argv = [sys.executable, "-m", "cartel_directive", "browse", "--port", str(port)]
    if package is not None:
        argv += ["--package", str(package)]
    with tempfile.TemporaryDirectory(prefix="cartel-directive-browse-log-") as tmp:
        log = Path(tmp) / "browse.log"
        with log.open("wb") as out:
            proc = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT)
        server = Server(f"http://{HOST}:{port}", proc, log)
        try:
            deadline = time.monotonic() + startup
            while True:
                if proc.poll() is not None:
                    raise RuntimeError(f"browse exited with {proc.returncode}: {log.read_text(encoding='utf-8')}")
                try:
                    get(f"{server.base}/-/versions.json", timeout=2)
                    break
                except (urllib.error.URLError, ConnectionError, TimeoutError):
                    if time.monotonic() > deadline:
                        raise RuntimeError(f"browse did not answer on {server.base} within {startup:.0f} s") from None
                    time.sleep(0.3)
            yield server
        finally:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()


def chromium() -> str | None:
    for name in ("chromium", "chromium-browser"):
        for folder in os.environ.get("PATH", "").split(os.pathsep):
            candidate = Path(folder) / name
            if candidate.is_file() and os.access(candidate, os.X_OK):
                return str(candidate)
    return None


def screenshot(url: str, file: Path, window: tuple[int, int] = WINDOW, timeout: float = 120) -> None:
    """Headless Chromium, a fresh profile, one PNG of ``url``."""
    exe = chromium()
    if exe is None:
        raise RuntimeError("chromium is not installed (Debian: apt-get install chromium)")
    with tempfile.TemporaryDirectory(prefix="cartel-directive-chromium-") as profile:
        argv = [
            exe,
            *CHROMIUM_FLAGS,
            f"--user-data-dir={profile}",
            f"--screenshot={file}",
            f"--window-size={window[0]},{window[1]}",
            url,
        ]
        res = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, check=False)
    if res.returncode != 0 or not file.is_file():
        raise RuntimeError(f"chromium failed ({res.returncode}): {res.stderr.strip()[-500:]}")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", type=Path, default=ROOT / "docs" / "browse.png")
    p.add_argument("--path", default=DEFAULT_PATH, help="the page to show (default: the statements table)")
    args = p.parse_args(argv)
    with browsing() as server:
        screenshot(server.base + args.path, args.out)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
