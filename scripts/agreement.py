"""Agreement between independent codings of the package's coded variables.

Reads the two coders' PLOVER codes (``metadata/coding/plover_coder1.csv``,
``metadata/coding/plover_coder2.csv``: event_id, plover_event, plover_mode, note) and the second
reader's speaker attributions (``metadata/coding/speaker_basis_reader2.csv``), and reports, per
field, the share of items on which the codings agree, Cohen's kappa (scikit-learn) and
Krippendorff's alpha for nominal data (krippendorff). An empty code ("no category fits") is a
category of its own. The result goes to ``metadata/coding/agreement.json``.

    python scripts/agreement.py            # write metadata/coding/agreement.json and print a table
    python scripts/agreement.py --check    # exit 1 if agreement.json is not current
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path

import krippendorff
import numpy as np
from sklearn.metrics import cohen_kappa_score

from tabledata import ROOT

CODING = Path("metadata/coding")
OUT = CODING / "agreement.json"
NONE = "(none)"
#: The second reader's labels for how a speaker is named, mapped to the package's two values under
#: each convention for pronouns ("she said"): the package's rule reads a pronoun as ``inferred``.
READER2 = {
    "stated-name": "stated",
    "stated": "stated",
    "inferred": "inferred",
    "unnamed-passive": "inferred",
}
PRONOUNS = ("she", "he", "they", "those")


def _rows(path: Path) -> list[dict[str, str]]:
    with open(ROOT / path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def measure(a: list[str], b: list[str]) -> dict[str, object]:
    """Agreement of two nominal codings of the same items."""
    labels = sorted(set(a) | set(b))
    index = {v: i for i, v in enumerate(labels)}
    data = np.array([[index[x] for x in a], [index[x] for x in b]], dtype=float)
    alpha = krippendorff.alpha(reliability_data=data, level_of_measurement="nominal") if len(labels) > 1 else 1.0
    return {
        "items": len(a),
        "agreed": sum(x == y for x, y in zip(a, b, strict=True)),
        "percent_agreement": round(100 * sum(x == y for x, y in zip(a, b, strict=True)) / len(a), 1),
        "cohen_kappa": round(float(cohen_kappa_score(a, b)), 3),
        "krippendorff_alpha": round(float(alpha), 3),
        "categories": labels,
    }


def plover() -> dict[str, object]:
    c1 = {r["event_id"]: r for r in _rows(CODING / "plover_coder1.csv")}
    c2 = {r["event_id"]: r for r in _rows(CODING / "plover_coder2.csv")}
    if set(c1) != set(c2):
        raise SystemExit(f"agreement: the coders coded different events: {sorted(set(c1) ^ set(c2))}")
    ids = sorted(c1)
    out: dict[str, object] = {}
    for field in ("plover_event", "plover_mode"):
        out[field] = measure([c1[i][field] or NONE for i in ids], [c2[i][field] or NONE for i in ids])
    # the mode given the event: only where both coders chose the same event
    same = [i for i in ids if c1[i]["plover_event"] == c2[i]["plover_event"]]
    out["plover_mode_where_event_agreed"] = measure(
        [c1[i]["plover_mode"] or NONE for i in same], [c2[i]["plover_mode"] or NONE for i in same]
    )
    out["disagreements"] = [
        {
            "event_id": i,
            "coder1": f"{c1[i]['plover_event'] or NONE} {c1[i]['plover_mode']}".strip(),
            "coder2": f"{c2[i]['plover_event'] or NONE} {c2[i]['plover_mode']}".strip(),
        }
        for i in ids
        if (c1[i]["plover_event"], c1[i]["plover_mode"]) != (c2[i]["plover_event"], c2[i]["plover_mode"])
    ]
    return out


def speaker_basis() -> dict[str, object]:
    ours = {r["statement_id"]: r for r in _rows(Path("data/statements.csv"))}
    theirs = _rows(CODING / "speaker_basis_reader2.csv")
    unknown = [r["statement_id"] for r in theirs if r["statement_id"] not in ours]
    if unknown:
        raise SystemExit(f"agreement: the second reader's list names statements not in the table: {unknown}")
    out: dict[str, object] = {"statements_in_table": len(ours), "statements_coded_by_both": len(theirs)}
    for convention, pronoun in (("pronoun_as_inferred", "inferred"), ("pronoun_as_stated", "stated")):
        mapping = {**READER2, "stated-pronoun": pronoun}
        a = [_ours(ours[r["statement_id"]], pronoun) for r in theirs]
        b = [mapping[r["reader2_basis"]] for r in theirs]
        out[convention] = measure(a, b)
    return out


def _ours(row: dict[str, str], pronoun: str) -> str:
    """The package's code, with attributions by a pronoun ("'she said' in the sentence") read as ``pronoun``."""
    note = row["speaker_basis_note"]
    by_pronoun = note.startswith("'") and note[1:].split(" ")[0].lower() in PRONOUNS
    return pronoun if by_pronoun else row["speaker_basis"]


def compute() -> dict[str, object]:
    return {"plover": plover(), "speaker_basis": speaker_basis()}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="exit 1 if agreement.json is not current")
    args = ap.parse_args(argv)
    result = compute()
    text = json.dumps(result, indent=2, ensure_ascii=False) + "\n"
    if args.check:
        if (ROOT / OUT).read_text(encoding="utf-8") != text:
            print(f"{OUT} is stale: run python scripts/agreement.py", file=sys.stderr)
            return 1
        return 0
    (ROOT / OUT).write_text(text, encoding="utf-8")
    p, s = result["plover"], result["speaker_basis"]
    print("| field | items | agreement | Cohen's kappa | Krippendorff's alpha |")
    print("|---|---:|---:|---:|---:|")
    for name, m in (
        ("plover_event", p["plover_event"]),
        ("plover_mode", p["plover_mode"]),
        ("plover_mode (same event)", p["plover_mode_where_event_agreed"]),
        ("speaker_basis (pronoun = inferred)", s["pronoun_as_inferred"]),
        ("speaker_basis (pronoun = stated)", s["pronoun_as_stated"]),
    ):
        print(
            f"| {name} | {m['items']} | {m['percent_agreement']} % | {m['cohen_kappa']} | {m['krippendorff_alpha']} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
