"""Grade a learner's answer to a check, with feedback for every option or item.

Answer formats (JSON objects)::

    single   {"choice": "b"}
    multiple {"choices": ["a", "c"]}
    numeric  {"value": 0.35}
    ordering {"order": ["c", "a", "b"]}           every item exactly once
    matching {"pairs": {"item": "target", ...}}   every item exactly once

A malformed answer raises ValueError saying what was expected and what came.
The feedback lists one dict per option or item, each with ``id``, ``ok``
(whether the learner got that part right) and ``html``, plus what the kind
needs to show it (``chosen``, ``correct``, ``position``, ``expected``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from .models import Check, Grade

ANSWER_KEY = {"single": "choice", "multiple": "choices", "numeric": "value", "ordering": "order", "matching": "pairs"}


def _ids(value: Any, what: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError(f"{what} must be a list of ids (strings), got {value!r}")
    duplicates = sorted({v for v in value if value.count(v) > 1})
    if duplicates:
        raise ValueError(f"{what} lists {duplicates} more than once")
    return value


def _known(ids: list[str], known: list[str], what: str) -> None:
    unknown = [i for i in ids if i not in known]
    if unknown:
        raise ValueError(f"unknown {what} {unknown}; expected one of {known}")


def _single(check: Check, choice: Any) -> tuple[float, list[dict]]:
    if not isinstance(choice, str):
        raise ValueError(f"'choice' must be an option id (a string), got {choice!r}")
    _known([choice], [o.id for o in check.options], "option")
    return _choices(check, [choice])


def _choices(check: Check, chosen: list[str]) -> tuple[float, list[dict]]:
    _known(chosen, [o.id for o in check.options], "option(s)")
    feedback = [{"id": o.id, "chosen": o.id in chosen, "correct": o.correct, "ok": (o.id in chosen) == o.correct,
                 "html": o.feedback_html} for o in check.options]
    if check.kind == "single":
        return float(all(f["ok"] for f in feedback)), feedback
    return sum(f["ok"] for f in feedback) / len(feedback), feedback


def _multiple(check: Check, choices: Any) -> tuple[float, list[dict]]:
    return _choices(check, _ids(choices, "'choices'"))


def _finite(value: int | float) -> bool:
    try:
        return math.isfinite(value)
    except OverflowError:  # an int too large for a float (a few hundred digits)
        return False


def _numeric(check: Check, value: Any) -> tuple[float, list[dict]]:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not _finite(value):
        raise ValueError(f"'value' must be a finite number, got {str(value)[:40]}")
    spec = check.numeric
    ok = abs(value - spec.value) <= spec.tolerance * (1 + 1e-9)
    html = spec.correct_html if ok else spec.low_html if value < spec.value else spec.high_html
    return float(ok), [{"id": "value", "value": value, "expected": spec.value, "tolerance": spec.tolerance,
                        "ok": ok, "html": html}]


def _ordering(check: Check, order: Any) -> tuple[float, list[dict]]:
    order = _ids(order, "'order'")
    items = [o.id for o in check.options]
    _known(order, items, "item(s)")
    if len(order) != len(items):
        raise ValueError(f"'order' must list all {len(items)} items {sorted(items)}, got {len(order)}")
    html = {o.id: o.feedback_html for o in check.options}
    feedback = [{"id": i, "position": n, "expected": check.order.index(i), "ok": check.order[n] == i,
                 "html": html[i]} for n, i in enumerate(order)]
    return sum(f["ok"] for f in feedback) / len(feedback), feedback


def _matching(check: Check, pairs: Any) -> tuple[float, list[dict]]:
    if not isinstance(pairs, Mapping) or not all(isinstance(v, str) for v in pairs.values()):
        raise ValueError(f"'pairs' must map each item id to a target id, got {pairs!r}")
    items = [o.id for o in check.options]
    _known(list(pairs), items, "item(s)")
    _known(list(pairs.values()), [t.id for t in check.targets], "target(s)")
    missing = [i for i in items if i not in pairs]
    if missing:
        raise ValueError(f"match every item; missing {missing}")
    feedback = [{"id": o.id, "chosen": pairs[o.id], "expected": o.target, "ok": pairs[o.id] == o.target,
                 "html": o.feedback_html} for o in check.options]
    return sum(f["ok"] for f in feedback) / len(feedback), feedback


GRADERS = {"single": _single, "multiple": _multiple, "numeric": _numeric, "ordering": _ordering,
           "matching": _matching}


def grade(check: Check, answer: Any) -> Grade:
    """Grade ``answer`` (a JSON object in the format of ``check.kind``)."""
    key = ANSWER_KEY[check.kind]
    if not isinstance(answer, Mapping) or set(answer) != {key}:
        got = f"keys {list(answer)}" if isinstance(answer, Mapping) else type(answer).__name__
        raise ValueError(f'a {check.kind} answer is {{"{key}": ...}}, got {got}')
    score, feedback = GRADERS[check.kind](check, answer[key])
    return Grade(correct=score == 1.0, score=score, feedback=feedback, explanation_html=check.explanation_html)
