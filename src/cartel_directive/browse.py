"""Browse the package in datasette, on this machine only.

``cartel-directive browse`` exports the package to SQLite (the ``sqlite`` export: keys,
foreign-key indexes, licence, citation, and datasette metadata with every table and
column description) into a temporary folder, and serves it read-only with datasette on
``127.0.0.1``, never on another interface. Foreign keys make datasette link each
statement to its speaker and its source. The folder is removed when the server stops.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
from pathlib import Path
from types import FrameType

from .errors import CartelDirectiveError
from .extras import require

#: Only this machine: the export holds nothing secret, but a server is never opened to the network by default.
HOST = "127.0.0.1"
DEFAULT_PORT = 8001


def datasette_command(db: Path, metadata: Path, port: int) -> list[str]:
    """The datasette command line: the database read-only (``-i``), its metadata, localhost only.

    >>> datasette_command(Path("x.sqlite"), Path("m.json"), 8001)[3:]
    ['serve', '-i', 'x.sqlite', '--metadata', 'm.json', '--host', '127.0.0.1', '--port', '8001']
    """
    return [
        sys.executable,
        "-m",
        "datasette",
        "serve",
        "-i",
        str(db),
        "--metadata",
        str(metadata),
        "--host",
        HOST,
        "--port",
        str(port),
    ]


def _port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind((HOST, port))
        except OSError:
            return False
    return True


def _stop(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt  # SIGTERM ends the server like Ctrl-C: the child is stopped, the folder removed


def browse(*, root: str | os.PathLike[str] | None = None, port: int = DEFAULT_PORT) -> int:
    """Serve the package with datasette on ``http://127.0.0.1:<port>/`` until interrupted; return an exit code."""
    from .exports import DATASETTE_FILE, SQLITE_FILE, export

    require("browse", "browse")
    if not 0 < port < 65536:
        raise CartelDirectiveError(f"--port {port}: not a TCP port (1-65535)")
    if not _port_free(port):
        raise CartelDirectiveError(f"{HOST}:{port}: the port is in use; choose another with --port")
    with tempfile.TemporaryDirectory(prefix="cartel-directive-browse-") as tmp:
        folder = Path(tmp)
        export("sqlite", folder, root=root)
        proc = subprocess.Popen(datasette_command(folder / SQLITE_FILE, folder / DATASETTE_FILE, port))
        print(f"serving {folder / SQLITE_FILE} on http://{HOST}:{port}/ (Ctrl-C to stop)", flush=True)
        previous = signal.signal(signal.SIGTERM, _stop)
        try:
            code = proc.wait()
            return 0 if code in (0, -signal.SIGINT, -signal.SIGTERM) else 1
        except KeyboardInterrupt:
            return 0
        finally:
            signal.signal(signal.SIGTERM, previous)
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
