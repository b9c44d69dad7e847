"""Generate a synthetic cartel-directive data package of any size, valid under every check.

Usage::

    python scripts/bench/synthetic.py OUT_DIR --statements 10000 [--seed 7]

writes ``OUT_DIR/pkg`` (``datapackage.json``, ``schemas/``, ``data/*.csv``) and
``OUT_DIR/archive`` (the generated source texts the evidence is drawn from), and prints
the rows per table as JSON on stderr. Check it with ``cartel-directive validate
OUT_DIR/pkg --sources OUT_DIR/archive`` and ``frictionless validate
OUT_DIR/pkg/datapackage.json``.

A command line over the project's one package generator, ``tests/strategies.py`` (which
the tests and the reliability report use too) run on ``random.Random(seed)``: sizes of
the other tables in proportion to ``n`` (its ``sizes``), about one source in ten with the
``utf8-as-latin10-c1-lost`` encoding damage, id patterns widened past 9 999 rows per
table. It needs only the standard library (no hypothesis, no cartel_directive).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tests"))

from strategies import TABLES, RandomChooser, package_spec, write_package


def generate(out: Path, n: int, seed: int = 7) -> dict[str, int]:
    """Write a package for ``n`` statement rows to ``out/pkg`` and its archive to ``out/archive``."""
    spec = package_spec(RandomChooser(random.Random(seed)), n)
    write_package(spec, out / "pkg", out / "archive")
    return {t: len(spec.tables[t]) for t in TABLES}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("out", type=Path, help="folder to write pkg/ and archive/ into")
    p.add_argument("--statements", "-n", type=int, default=10_000, help="statement rows (default 10000)")
    p.add_argument("--seed", type=int, default=7)
    args = p.parse_args(argv)
    counts = generate(args.out, args.statements, args.seed)
    print(json.dumps(counts), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
