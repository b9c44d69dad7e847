"""cartel-directive: a hand-curated dataset of news reports on the August 2025 US
directive against Latin American drug cartels, as a Frictionless Data Package.

Importing the package is cheap: pandas and frictionless are imported only when a
table is loaded or a package validated.
"""

from __future__ import annotations

from typing import Any


def __getattr__(name: str) -> Any:
    if name == "__version__":
        from importlib.metadata import version

        return version("cartel-directive")
    raise AttributeError(f"module 'cartel_directive' has no attribute {name!r}")
