"""Parse and validate one check from its YAML mapping.

A check's YAML (``checks/stepN.yaml`` holds a list of them)::

    id: step4-decay                    # unique; embedded once by ``::: check step4-decay``
    step: 4                            # the step it is embedded in
    outcome: vanishing-gradients       # one of lesson.yaml's outcome ids
    kind: single                       # single | multiple | numeric | ordering | matching | predict
    prompt: Markdown
    explanation: Markdown, shown with the feedback
    # single / multiple:
    options: [{id, text, correct: true|false, feedback}]
    # ordering (items in the order shown, answer the right order of ids):
    items: [{id, text, feedback}]
    answer: [id, ...]
    # matching:
    targets: [{id, text}]
    items: [{id, text, target, feedback}]
    # numeric:
    answer: 0.35
    tolerance: 0.01
    unit: ""                           # optional
    feedback: {correct, low, high}
    # predict (the learner predicts, then the live model's number grades it):
    experiment: vanishing-gradients    # an experiment of the check's step (quick experiments only)
    params: {spectral_radius: 0.5}     # what it runs at; the rest are the experiment's defaults
    measure: gradient_left_at_50       # a function in measures.MEASURES: Result -> {"value", facts...}
    answer: number                     # number | choice
    tolerance: {factor: 10}            # number: {factor: f} (within a factor f) or {absolute: d}
    unit: ""                           # number, optional
    feedback: {correct, low, high}     # number; may quote {{prediction}}, {{measured}} and the measure's facts
    options: [{id, text, feedback}]    # choice: the measure returns one of these ids

``parse_check`` returns the ``Check`` (or None when it cannot be built) and
appends a readable message to ``problems`` for everything wrong with it.
"""

from __future__ import annotations

import math
from typing import Any

from .measures import MEASURES
from .models import CHECK_KINDS, Check, NumericAnswer, Option, Prediction, Target
from .references import experiment_steps
from .render import Env, render, render_inline

COMMON_KEYS = {"id", "step", "outcome", "kind", "prompt", "explanation"}
KIND_KEYS = {
    "single": {"options"},
    "multiple": {"options"},
    "ordering": {"items", "answer"},
    "matching": {"targets", "items"},
    "numeric": {"answer", "tolerance", "unit", "feedback"},
    "predict": {"experiment", "params", "measure", "answer", "tolerance", "unit", "feedback", "options"},
}
OPTIONAL_KEYS = {"unit", "params", "tolerance", "feedback", "options"}
TOLERANCE_RULES = ("factor", "absolute")


def _text(raw: dict, key: str, where: str, problems: list[str]) -> str:
    value = raw.get(key)
    if not isinstance(value, str) or not value.strip():
        problems.append(f"{where}: missing or empty '{key}'")
        return ""
    return value


def _entries(raw: dict, key: str, fields: tuple[str, ...], where: str, problems: list[str]) -> list[dict]:
    """A list of mappings under ``key``, each with non-empty text ``fields`` and unique ids."""
    entries = raw.get(key)
    if not isinstance(entries, list) or len(entries) < 2:
        problems.append(f"{where}: '{key}' must be a list of at least 2 entries")
        return []
    seen: set[str] = set()
    good = []
    for n, entry in enumerate(entries, 1):
        if not isinstance(entry, dict):
            problems.append(f"{where}: {key} #{n} is not a mapping")
            continue
        entry_where = f"{where}, {key} {entry.get('id', f'#{n}')!r}"
        ok = all([_text(entry, f, entry_where, problems) for f in fields])
        if entry.get("id") in seen:
            problems.append(f"{where}: duplicate {key} id {entry['id']!r}")
            ok = False
        seen.add(entry.get("id"))
        if ok:
            good.append(entry)
    return good


def _choices(raw, where, env, problems) -> tuple[Option, ...]:
    entries = _entries(raw, "options", ("id", "text", "feedback"), where, problems)
    for e in entries:
        if not isinstance(e.get("correct", False), bool):
            problems.append(f"{where}, option {e['id']!r}: 'correct' must be true or false")
    options = tuple(Option(e["id"], render_inline(e["text"], env), render_inline(e["feedback"], env),
                           correct=e.get("correct") is True) for e in entries)
    n_right = sum(o.correct for o in options)
    if raw.get("kind") == "single" and n_right != 1:
        problems.append(f"{where}: a single-choice check needs exactly one right option, it has {n_right}")
    if raw.get("kind") == "multiple" and not 1 <= n_right < len(options):
        problems.append(f"{where}: a multiple-choice check needs at least one right and one wrong option")
    return options


def _ordering(raw, where, env, problems) -> tuple[tuple[Option, ...], tuple[str, ...]]:
    entries = _entries(raw, "items", ("id", "text", "feedback"), where, problems)
    options = tuple(Option(e["id"], render_inline(e["text"], env), render_inline(e["feedback"], env))
                    for e in entries)
    order = raw.get("answer")
    ids = [o.id for o in options]
    if not isinstance(order, list) or sorted(map(str, order)) != sorted(ids) or len(set(order)) != len(order):
        problems.append(f"{where}: 'answer' must list every item id exactly once, in the right order")
        return options, ()
    if list(order) == ids:
        problems.append(f"{where}: the items are shown in the right order already; shuffle them")
    return options, tuple(order)


def _matching(raw, where, env, problems) -> tuple[tuple[Option, ...], tuple[Target, ...]]:
    target_entries = _entries(raw, "targets", ("id", "text"), where, problems)
    targets = tuple(Target(t["id"], render_inline(t["text"], env)) for t in target_entries)
    entries = _entries(raw, "items", ("id", "text", "target", "feedback"), where, problems)
    target_ids = {t.id for t in targets}
    for e in entries:
        if e["target"] not in target_ids:
            problems.append(f"{where}, item {e['id']!r}: unknown target {e['target']!r}")
    unused = target_ids - {e["target"] for e in entries}
    if unused:
        problems.append(f"{where}: no item belongs to target(s) {sorted(unused)}")
    options = tuple(Option(e["id"], render_inline(e["text"], env), render_inline(e["feedback"], env),
                           target=e["target"]) for e in entries)
    return options, targets


def _numeric(raw, where, env, problems) -> NumericAnswer | None:
    value, tolerance = raw.get("answer"), raw.get("tolerance")
    bad = [k for k, v in (("answer", value), ("tolerance", tolerance))
           if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v)]
    if bad:
        problems.append(f"{where}: {' and '.join(bad)} must be finite numbers")
    elif tolerance < 0:
        problems.append(f"{where}: tolerance must be >= 0")
    texts = _feedback_texts(raw, where, env, problems)
    unit = raw.get("unit", "")
    if not isinstance(unit, str):
        problems.append(f"{where}: 'unit' must be a string")
    if bad or texts is None or not isinstance(unit, str):
        return None
    return NumericAnswer(float(value), float(tolerance), unit, *texts)


def _feedback_texts(raw, where, env, problems) -> list[str] | None:
    feedback = raw.get("feedback")
    if not isinstance(feedback, dict):
        problems.append(f"{where}: 'feedback' must map correct, low and high to a text")
        feedback = {}
    texts = [_text(feedback, k, f"{where}, feedback", problems) for k in ("correct", "low", "high")]
    return [render_inline(t, env) for t in texts] if all(texts) else None


def _prediction(raw, where, env, problems) -> tuple[Prediction | None, tuple[Option, ...]]:
    experiment, measure, answer = raw.get("experiment"), raw.get("measure"), raw.get("answer")
    ok = True
    if experiment_steps().get(experiment) != raw.get("step"):
        problems.append(f"{where}: 'experiment' must be an experiment of step {raw.get('step')}, got {experiment!r}")
        ok = False
    if measure not in MEASURES:
        problems.append(f"{where}: 'measure' must be one of {sorted(MEASURES)}, got {measure!r}")
        ok = False
    if "{{" in str(raw.get("prompt", "")):
        problems.append(f"{where}: the prompt is shown before anything is measured; it cannot quote {{{{...}}}}")
        ok = False
    params = raw.get("params", {})
    if not isinstance(params, dict):
        problems.append(f"{where}: 'params' must map parameter names to values")
        ok = False
    if answer == "choice":
        for key in ("tolerance", "feedback", "unit"):
            if key in raw:
                problems.append(f"{where}: a choice prediction has per-option feedback, not {key!r}")
                ok = False
        entries = _entries(raw, "options", ("id", "text", "feedback"), where, problems)
        if any("correct" in e for e in entries):
            problems.append(f"{where}: a prediction's options have no 'correct': the live model decides")
            ok = False
        options = tuple(Option(e["id"], render_inline(e["text"], env), render_inline(e["feedback"], env))
                        for e in entries)
        return (Prediction(experiment, params, measure, "choice") if ok else None), options
    if answer != "number":
        problems.append(f"{where}: 'answer' must be number or choice, got {answer!r}")
        return None, ()
    if "options" in raw:
        problems.append(f"{where}: a number prediction has no 'options'")
        ok = False
    tolerance = raw.get("tolerance")
    one_rule = isinstance(tolerance, dict) and len(tolerance) == 1
    rule, amount = next(iter(tolerance.items())) if one_rule else (None, None)
    number = isinstance(amount, (int, float)) and not isinstance(amount, bool) and math.isfinite(amount)
    if rule not in TOLERANCE_RULES or not number or amount < 0 or (rule == "factor" and amount < 1):
        problems.append(f"{where}: 'tolerance' must be {{factor: f >= 1}} or {{absolute: d >= 0}}, got {tolerance!r}")
        ok = False
    unit = raw.get("unit", "")
    if not isinstance(unit, str):
        problems.append(f"{where}: 'unit' must be a string")
        ok = False
    texts = _feedback_texts(raw, where, env, problems)
    if not ok or texts is None:
        return None, ()
    return Prediction(experiment, params, measure, "number", rule, float(amount), unit, *texts), ()


def parse_check(raw: Any, where: str, env: Env, problems: list[str]) -> Check | None:
    """Build the check described by ``raw`` (read from ``where``); report problems."""
    if not isinstance(raw, dict):
        problems.append(f"{where}: a check must be a mapping")
        return None
    where = f"{where}: check {raw.get('id', '?')!r}"
    before = len(problems)
    kind = raw.get("kind")
    if kind not in CHECK_KINDS:
        problems.append(f"{where}: kind must be one of {', '.join(CHECK_KINDS)}, got {kind!r}")
        return None
    allowed = COMMON_KEYS | KIND_KEYS[kind]
    missing = allowed - OPTIONAL_KEYS - set(raw)
    if missing:
        problems.append(f"{where}: missing {sorted(missing)}")
    if set(raw) - allowed:
        problems.append(f"{where}: unknown key(s) {sorted(set(raw) - allowed)} for a {kind} check")
    if not isinstance(raw.get("step"), int) or isinstance(raw.get("step"), bool):
        problems.append(f"{where}: 'step' must be a step number")
    ident = _text(raw, "id", where, problems)
    outcome = _text(raw, "outcome", where, problems)
    prompt = render(_text(raw, "prompt", where, problems), env)
    explanation = render(_text(raw, "explanation", where, problems), env)
    options, targets, order, numeric, prediction = (), (), (), None, None
    if kind in ("single", "multiple"):
        options = _choices(raw, where, env, problems)
    elif kind == "ordering":
        options, order = _ordering(raw, where, env, problems)
    elif kind == "matching":
        options, targets = _matching(raw, where, env, problems)
    elif kind == "predict":
        prediction, options = _prediction(raw, where, env, problems)
    else:
        numeric = _numeric(raw, where, env, problems)
    if len(problems) > before:
        return None
    return Check(ident, raw["step"], outcome, kind, prompt, explanation, options, targets, order, numeric, prediction)
