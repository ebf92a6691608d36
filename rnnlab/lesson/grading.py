"""Grade a learner's answer to a check, with feedback for every option or item.

Answer formats (JSON objects)::

    single   {"choice": "b"}
    multiple {"choices": ["a", "c"]}
    numeric  {"value": 0.35}
    ordering {"order": ["c", "a", "b"]}           every item exactly once
    matching {"pairs": {"item": "target", ...}}   every item exactly once
    predict  {"value": 0.3} or {"choice": "dog"}  (as the check's ``answer`` says)

A predict check is graded against ``measurement``, the measure's dict for the
live model's result (``rnnlab.runtime.predict.measure`` runs it); grading itself stays pure.

A malformed answer raises ValueError saying what was expected and what came.
The feedback lists one dict per option or item, each with ``id``, ``ok``
(whether the learner got that part right) and ``html``, plus what the kind
needs to show it (``chosen``, ``correct``, ``position``, ``expected``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

from .measures import fmt
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


def _fill(html: str, facts: Mapping[str, Any]) -> str:
    """The feedback with ``{{name}}`` replaced by the fact's printed value."""
    for name, value in facts.items():
        html = html.replace("{{" + name + "}}", fmt(value))
    return html


def within(prediction: float, measured: float, rule: str, tolerance: float) -> bool:
    """Whether ``prediction`` is close enough to ``measured`` under the check's rule."""
    if rule == "absolute":
        return abs(prediction - measured) <= tolerance * (1 + 1e-9)
    if prediction == measured:
        return True
    if prediction <= 0 or measured <= 0:
        return False
    return abs(math.log(prediction / measured)) <= math.log(tolerance) * (1 + 1e-9)


def _valid_prediction(check: Check, answer: Any) -> None:
    if check.prediction.answer == "choice":
        if not isinstance(answer, str):
            raise ValueError(f"'choice' must be an option id (a string), got {answer!r}")
        _known([answer], [o.id for o in check.options], "option")
    elif isinstance(answer, bool) or not isinstance(answer, (int, float)) or not math.isfinite(answer):
        raise ValueError(f"'value' must be a finite number, got {answer!r}")


def _predict(check: Check, answer: Any, measurement: Mapping[str, Any]) -> tuple[float, list[dict]]:
    spec, measured = check.prediction, measurement["value"]
    if spec.answer == "choice":
        facts = {"prediction": answer, **measurement}
        feedback = [{"id": o.id, "chosen": o.id == answer, "correct": o.id == measured,
                     "ok": (o.id == answer) == (o.id == measured), "html": _fill(o.feedback_html, facts)}
                    for o in check.options]
        return float(answer == measured), feedback
    ok = within(answer, measured, spec.rule, spec.tolerance)
    html = spec.correct_html if ok else spec.low_html if answer < measured else spec.high_html
    facts = {"prediction": answer, "measured": measured, **measurement}
    return float(ok), [{"id": "value", "value": answer, "expected": measured, "ok": ok,
                        "rule": spec.rule, "tolerance": spec.tolerance, "html": _fill(html, facts)}]


GRADERS = {"single": _single, "multiple": _multiple, "numeric": _numeric, "ordering": _ordering,
           "matching": _matching}


def answer_key(check: Check) -> str:
    """The one key an answer to ``check`` has."""
    if check.kind == "predict":
        return "value" if check.prediction.answer == "number" else "choice"
    return ANSWER_KEY[check.kind]


def grade(check: Check, answer: Any,
          measurement: Mapping[str, Any] | Callable[[], Mapping[str, Any]] | None = None) -> Grade:
    """Grade ``answer`` (a JSON object in the format of ``check.kind``).

    A predict check needs the live model's ``measurement`` (``{"value": ..., facts...}``),
    or a function giving it, called only once the answer is known to be well formed
    (so a malformed answer never runs an experiment).
    """
    key = answer_key(check)
    if not isinstance(answer, Mapping) or set(answer) != {key}:
        got = f"keys {list(answer)}" if isinstance(answer, Mapping) else type(answer).__name__
        raise ValueError(f'a {check.kind} answer is {{"{key}": ...}}, got {got}')
    if check.kind != "predict":
        score, feedback = GRADERS[check.kind](check, answer[key])
        return Grade(correct=score == 1.0, score=score, feedback=feedback, explanation_html=check.explanation_html)
    if measurement is None:
        raise TypeError(f"grading the predict check {check.id!r} needs the live model's measurement")
    _valid_prediction(check, answer[key])
    if callable(measurement):
        measurement = measurement()
    score, feedback = _predict(check, answer[key], measurement)
    measured = {"value": measurement["value"], "text": fmt(measurement["value"]),
                "params": dict(check.prediction.params)}
    return Grade(correct=score == 1.0, score=score, feedback=feedback,
                 explanation_html=_fill(check.explanation_html, {"measured": measurement["value"], **measurement}),
                 measured=measured)
