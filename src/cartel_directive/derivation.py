"""Formulas of derived statistics: arithmetic over ``stat-NNNN`` ids, evaluated safely."""

from __future__ import annotations

import ast
import operator
import re
from collections.abc import Mapping

_ID = re.compile(r"stat-[0-9]{4}")
_OPS = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv}


class DerivationError(ValueError):
    pass


def inputs(formula: str) -> list[str]:
    """The stat ids a formula uses, in order of first appearance."""
    return list(dict.fromkeys(_ID.findall(formula)))


def evaluate(formula: str, values: Mapping[str, float | None]) -> float:
    """Evaluate ``formula`` with each ``stat-NNNN`` replaced by its value.

    >>> evaluate("(stat-0002 - stat-0001) / stat-0001 * 100", {"stat-0001": 50, "stat-0002": 75})
    50.0
    """
    names: dict[str, str] = {}

    def _swap(m: re.Match[str]) -> str:
        names.setdefault(m.group(0), f"v{len(names)}")
        return names[m.group(0)]

    try:
        tree = ast.parse(_ID.sub(_swap, formula), mode="eval")
    except SyntaxError as exc:
        raise DerivationError(f"{formula!r} is not an arithmetic formula") from exc
    env: dict[str, float] = {}
    for sid, var in names.items():
        if sid not in values:
            raise DerivationError(f"uses {sid}, which is not a stat_id")
        v = values[sid]
        if v is None:
            raise DerivationError(f"uses {sid}, which has no value")
        env[var] = float(v)

    def _eval(node: ast.AST) -> float:
        if isinstance(node, ast.Expression):
            return _eval(node.body)
        if isinstance(node, ast.BinOp) and type(node.op) in _OPS:
            try:
                return _OPS[type(node.op)](_eval(node.left), _eval(node.right))
            except ZeroDivisionError as exc:
                raise DerivationError(f"{formula!r} divides by zero") from exc
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            return -_eval(node.operand)
        if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) and not isinstance(node.value, bool):
            return float(node.value)
        if isinstance(node, ast.Name) and node.id in env:
            return env[node.id]
        raise DerivationError(f"{formula!r} may only use stat ids, numbers, + - * / and parentheses")

    return _eval(tree)


def decimals(text: str) -> int:
    """Number of decimals written in a numeric cell (``"-92.73"`` -> 2)."""
    text = text.strip().lower().split("e")[0]
    return len(text.split(".", 1)[1]) if "." in text else 0


def agrees(value_text: str, result: float) -> bool:
    """Whether the written value equals ``result`` rounded to the decimals it shows."""
    tolerance = 0.5 * 10 ** -decimals(value_text) + 1e-9 * abs(result)
    return abs(float(value_text) - result) <= tolerance
