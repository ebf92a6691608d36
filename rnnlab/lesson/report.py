"""What a class's answers say, for its instructor: pure functions of the lesson and the learners' latest answers.

``dashboard(lesson, members, measure)`` gives what ``/class/{code}`` shows: where the
class is, per check the distribution of latest answers (each wrong option with its
feedback, the misconception it reveals), and per learner the steps done and the
score per outcome (``summarize``, as the learner's own summary scores it).
``answer_rows(lesson, members)`` gives the CSV export's rows, one per learner × check.

A member is anything with ``number``, ``label``, ``display_name``, ``last_step``, ``completed`` (step
numbers) and ``answers`` (check id → record with ``answer``, ``correct``, ``at`` and
``attempts``), as :class:`rnnlab.store.Member` is; this module imports no store.
Answers are read again with ``grade``, so the dashboard sorts them exactly as the
learner's feedback did; ``measure(check)`` gives a predict check's live measurement.
"""

from __future__ import annotations

import html
import re
import statistics
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from .grading import answer_key, grade
from .measures import fmt
from .models import Check, Lesson
from .summary import summarize

TOP_ORDERS = 3  # an ordering check shows its most common orders


def plain(markup: str) -> str:
    """Text of server-rendered HTML: tags dropped, entities decoded, spaces collapsed (math stays as TeX)."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", markup)).split())


def answer_text(check: Check, answer: Any) -> str:
    """A latest answer as a person reads it: the chosen options' text, the number (as given), the order or the pairs."""
    if not isinstance(answer, dict):
        return str(answer)
    value = answer.get(answer_key(check))
    texts = {o.id: plain(o.html) for o in check.options}
    if isinstance(value, list):  # multiple choices, or an order
        return (" | " if check.kind == "multiple" else " → ").join(texts.get(str(v), str(v)) for v in value)
    if isinstance(value, dict):  # matching pairs
        targets = {t.id: plain(t.html) for t in check.targets}
        return "; ".join(f"{texts.get(k, k)} → {targets.get(v, v)}" for k, v in value.items())
    if isinstance(value, str):
        return texts.get(value, value)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        unit = check.numeric.unit if check.numeric else check.prediction.unit if check.prediction else ""
        return f"{value:.12g} {unit}".strip()
    return str(value)


def _grades(check: Check, records: Iterable[Any], measurement: Callable[[], dict]) -> list[tuple[Any, Any]]:
    """(record, grade) for each record whose answer still fits the check (an old answer to a changed check is left out)."""
    graded = []
    for record in records:
        try:
            graded.append((record, grade(check, record.answer, measurement)))
        except (ValueError, LookupError, TypeError):
            continue
    return graded


def _choices(check: Check, graded) -> dict[str, Any]:
    counts = Counter()
    for _, result in graded:
        counts.update(f["id"] for f in result.feedback if f["chosen"])
    # A predict check's right option and feedback come from the live measurement: take them from a graded answer
    # (with no answer yet nothing is run, and the options are shown without a right one).
    feedback = {f["id"]: f for f in graded[0][1].feedback} if graded else {}
    return {"options": [{
        "id": o.id, "html": o.html, "count": counts[o.id],
        "correct": feedback[o.id]["correct"] if o.id in feedback else o.correct,  # predict: the measured one
        "feedback_html": feedback[o.id]["html"] if o.id in feedback else o.feedback_html,
    } for o in check.options]}


def _number(check: Check, graded, measurement) -> dict[str, Any]:
    buckets: dict[str, list[float]] = {"right": [], "low": [], "high": []}
    expected = None
    for _, result in graded:
        f = result.feedback[0]
        expected = f["expected"]
        buckets["right" if f["ok"] else "low" if f["value"] < f["expected"] else "high"].append(f["value"])
    summary: dict[str, Any] = {"unit": check.numeric.unit if check.numeric else check.prediction.unit}
    if check.numeric is not None:  # the lesson's own answer, as written, with its tolerance
        summary["expected"], summary["tolerance"] = f"{check.numeric.value:.12g}", f"{check.numeric.tolerance:.12g}"
    else:  # the live model's measurement, as the feedback prints it (None until someone answered)
        summary["expected"], summary["tolerance"] = (None if expected is None else fmt(expected)), None
    for name, values in buckets.items():
        median = statistics.median(values) if values else None
        summary[name] = {"count": len(values), "median": None if median is None else fmt(median)}
        if name != "right" and values:  # the feedback a typical answer in this bucket got (it may quote the number)
            summary[name]["feedback_html"] = grade(check, {"value": median}, measurement).feedback[0]["html"]
    if check.numeric is not None:
        summary["low"].setdefault("feedback_html", check.numeric.low_html)
        summary["high"].setdefault("feedback_html", check.numeric.high_html)
    return {"number": summary}


def _ordering(check: Check, graded) -> dict[str, Any]:
    """Items in the right order, each with how many put it in its place; the common orders as positions (1-based)."""
    in_place, orders = Counter(), Counter()
    for record, result in graded:
        in_place.update(f["id"] for f in result.feedback if f["ok"])
        orders[tuple(record.answer["order"])] += 1
    options = {o.id: o for o in check.options}
    position = {item: n for n, item in enumerate(check.order, 1)}
    return {
        "items": [{"id": i, "position": position[i], "html": options[i].html, "right": in_place[i],
                   "feedback_html": options[i].feedback_html} for i in check.order],
        "orders": [{"positions": [position.get(i, 0) for i in order], "count": n, "correct": order == tuple(check.order)}
                   for order, n in orders.most_common(TOP_ORDERS)],
    }


def _matching(check: Check, graded) -> dict[str, Any]:
    right, wrong = Counter(), {o.id: Counter() for o in check.options}
    for _, result in graded:
        for f in result.feedback:
            if f["ok"]:
                right[f["id"]] += 1
            else:
                wrong[f["id"]][f["chosen"]] += 1
    targets = {t.id: t.html for t in check.targets}
    items = []
    for o in check.options:
        common = wrong[o.id].most_common(1)
        items.append({"id": o.id, "html": o.html, "target_html": targets[o.target], "right": right[o.id],
                      "feedback_html": o.feedback_html,
                      "common_wrong": {"html": targets[common[0][0]], "count": common[0][1]} if common else None})
    return {"items": items}


def check_report(check: Check, records: Sequence[Any], measure: Callable[[Check], dict]) -> dict[str, Any]:
    """One check's latest answers across the class (``records``: one latest answer per learner who answered)."""
    measured: dict[str, Any] = {}

    def measurement() -> dict:  # run at most once, and only when someone answered
        if "value" not in measured:
            measured.update(measure(check))
        return measured

    graded = _grades(check, records, measurement)
    report = {"id": check.id, "step": check.step, "outcome": check.outcome, "kind": check.kind,
              "prompt_html": check.prompt_html, "answered": len(records),
              "correct": sum(r.correct for r in records)}
    predicts_number = check.kind == "predict" and check.prediction.answer == "number"
    if check.kind == "numeric" or predicts_number:
        report.update(_number(check, graded, measurement))
    elif check.kind == "ordering":
        report.update(_ordering(check, graded))
    elif check.kind == "matching":
        report.update(_matching(check, graded))
    else:
        report.update(_choices(check, graded))
    return report


def checks_in_order(lesson: Lesson) -> list[Check]:
    """The lesson's checks as a learner meets them: by step, then in the page's order."""
    return [lesson.checks[c] for s in lesson.steps for c in s.checks if c in lesson.checks]


def dashboard(lesson: Lesson, members: Sequence[Any], measure: Callable[[Check], dict]) -> dict[str, Any]:
    """Everything the instructor's dashboard shows, as JSON-ready data."""
    numbers = {s.number for s in lesson.steps}
    here = Counter(m.last_step for m in members if m.last_step in numbers)
    checks = checks_in_order(lesson)
    learners = []
    for m in members:
        answers = {c: r.correct for c, r in m.answers.items() if c in lesson.checks}
        learners.append({
            "number": m.number, "name": m.label, "anonymous": not m.display_name, "step": m.last_step if m.last_step in numbers else None,
            "steps_done": len(m.completed & numbers), "answered": len(answers), "correct": sum(answers.values()),
            "scores": [{"outcome": s["outcome"], "correct": s["correct"], "total": s["total"]}
                       for s in summarize(lesson, answers)],
        })
    return {
        "learners": len(members),
        "steps": [{"step": s.number, "title": s.title, "here": here[s.number]} for s in lesson.steps],
        "not_started": len(members) - sum(here.values()),
        "outcomes": [{"id": o.id, "title": o.title} for o in lesson.outcomes],
        "checks": [check_report(c, [m.answers[c.id] for m in members if c.id in m.answers], measure)
                   for c in checks],
        "members": learners,
        "total_checks": len(checks),
    }


CSV_COLUMNS = ("learner_no", "learner", "step", "check", "outcome", "answer", "correct", "attempts",
               "answered_at")


def answer_rows(lesson: Lesson, members: Sequence[Any]) -> Iterable[dict[str, Any]]:
    """One row per learner × check, by learner number then in the lesson's order; unanswered checks have empty
    answer and correct columns and 0 attempts."""
    checks = checks_in_order(lesson)
    for m in members:
        for check in checks:
            record = m.answers.get(check.id)
            row = {"learner_no": m.number, "learner": m.label, "step": check.step, "check": check.id,
                   "outcome": check.outcome, "answer": "", "correct": "", "attempts": 0, "answered_at": ""}
            if record is not None:
                row.update(answer=answer_text(check, record.answer), correct="yes" if record.correct else "no",
                           attempts=record.attempts,
                           answered_at=record.at.isoformat(timespec="seconds").replace("+00:00", "Z"))
            yield row
