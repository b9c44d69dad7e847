"""Layer 1, standard (the part this package enforces itself): the descriptor's promises."""

from __future__ import annotations

from ..descriptor import TABLES, Package, file_digest
from ..problems import Problem
from ..resources import DESCRIPTOR
from ..rules import Context, rule

LAYER = "standard"
PROFILE = "https://datapackage.org/profiles/2.0/datapackage.json"


def check(pkg: Package, digests: dict[str, tuple[int, str]] | None = None) -> list[Problem]:
    """Resources, paths, schemas, ``bytes`` and ``hash`` as ``datapackage.json`` declares them.

    ``digests``: table -> (size, digest) of the bytes the validator read (so that each file
    is read once); a file not in it is hashed here.
    """
    out: list[Problem] = []
    d = pkg.descriptor
    if d.get("$schema") != PROFILE:
        out.append(Problem(DESCRIPTOR, None, "$schema", f"must be {PROFILE}", LAYER, "descriptor-profile"))
    for key in ("name", "version", "licenses", "resources"):
        if not d.get(key):
            out.append(Problem(DESCRIPTOR, None, key, "is required by this package", LAYER, "descriptor-required"))
    names = list(pkg.resources)
    for t in TABLES:
        if t not in names:
            out.append(Problem(DESCRIPTOR, None, "resources", f"has no resource {t!r}", LAYER, "resource-missing"))
    for name, r in pkg.resources.items():
        where = f"resources[{name}]"
        if r.path != f"data/{name}.csv":
            out.append(
                Problem(
                    DESCRIPTOR, None, f"{where}.path", f"{r.path!r} should be 'data/{name}.csv'", LAYER, "resource-path"
                )
            )
        if r.schema_path != f"schemas/{name}.schema.json":
            out.append(
                Problem(
                    DESCRIPTOR,
                    None,
                    f"{where}.schema",
                    f"{r.schema_path!r} should be 'schemas/{name}.schema.json'",
                    LAYER,
                    "resource-schema-path",
                )
            )
        if not (pkg.root / r.schema_path).is_file():
            out.append(
                Problem(DESCRIPTOR, None, f"{where}.schema", f"{r.schema_path} does not exist", LAYER, "schema-missing")
            )
        path = pkg.root / r.path
        if not path.is_file():
            out.append(
                Problem(r.path, None, None, "does not exist (listed in datapackage.json)", LAYER, "file-missing")
            )
            continue
        size, digest = (digests or {}).get(name) or file_digest(path)
        if r.descriptor.get("bytes") != size:
            out.append(
                Problem(
                    r.path,
                    None,
                    None,
                    f"is {size} bytes but datapackage.json says {r.descriptor.get('bytes')}: the file changed or the descriptor is stale (run `cartel-directive build`)",
                    LAYER,
                    "file-bytes-mismatch",
                )
            )
        if r.descriptor.get("hash") != digest:
            out.append(
                Problem(
                    r.path,
                    None,
                    None,
                    f"has hash {digest} but datapackage.json says {r.descriptor.get('hash')}: the file changed or the descriptor is stale (run `cartel-directive build`)",
                    LAYER,
                    "file-hash-mismatch",
                )
            )
    return out


@rule(
    "descriptor-profile",
    LAYER,
    "descriptor-required",
    "resource-missing",
    "resource-path",
    "resource-schema-path",
    "schema-missing",
    "file-missing",
    "file-bytes-mismatch",
    "file-hash-mismatch",
)
def descriptor(ctx: Context) -> list[Problem]:
    """datapackage.json's promises: profile, required keys, resources, paths, bytes and SHA-256."""
    return check(ctx.package, ctx.digests)
