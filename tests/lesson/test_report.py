"""The instructor's report as pure functions: predict checks graded against a given measurement, readable answers."""

from datetime import datetime, timezone
from types import SimpleNamespace

from rnnlab.lesson import load_lesson
from rnnlab.lesson.report import answer_text, check_report, dashboard

AT = datetime(2026, 11, 30, 10, 0, tzinfo=timezone.utc)


def record(answer, correct):
    return SimpleNamespace(answer=answer, correct=correct, at=AT, attempts=1)


def member(number, answers, name=None, last_step=None, completed=()):
    return SimpleNamespace(number=number, display_name=name, label=name or f"anonymous {number}",
                           last_step=last_step, completed=set(completed), answers=answers)


def test_a_choice_prediction_marks_the_measured_option_and_fills_its_feedback_from_the_measurement():
    check = load_lesson().checks["step1-predict-bag-of-words"]
    runs = []
    measure = lambda c: runs.append(c.id) or {"value": "dog", "rnn": "cat"}  # noqa: E731
    report = check_report(check, [record({"choice": "dog"}, True), record({"choice": "cat"}, False),
                                  record({"choice": "cat"}, False)], measure)
    options = {o["id"]: o for o in report["options"]}
    assert (options["dog"]["count"], options["dog"]["correct"], options["cat"]["count"], options["cat"]["correct"]) == (
        1, True, 2, False)
    assert "answered <strong>dog</strong>" in options["cat"]["feedback_html"] and "{{" not in options["cat"]["feedback_html"]
    assert runs == ["step1-predict-bag-of-words"]  # measured once for the whole class


def test_a_check_nobody_answered_runs_no_experiment():
    check = load_lesson().checks["step1-predict-bag-of-words"]
    report = check_report(check, [], lambda c: (_ for _ in ()).throw(AssertionError("measured")))
    assert report["answered"] == 0 and all(o["count"] == 0 for o in report["options"])


def test_a_number_prediction_sorts_answers_around_the_measured_value_with_a_typical_feedback():
    check = load_lesson().checks["step2-predict-memory"]
    measure = lambda c: {"value": 1e-5, "t": 20, "per_step": 0.55}  # noqa: E731
    records = [record({"value": 1e-5}, True), record({"value": 1e-9}, False), record({"value": 1e-10}, False),
               record({"value": 0.5}, False)]
    number = check_report(check, records, measure)["number"]
    assert (number["right"]["count"], number["low"]["count"], number["high"]["count"]) == (1, 2, 1)
    assert number["expected"] == "1e-05" and number["low"]["median"] == "5.5e-10"
    assert "you said 5.5e-10" in number["low"]["feedback_html"]


def test_answers_read_as_text_and_the_dashboard_counts_where_learners_are():
    lesson = load_lesson()
    assert answer_text(lesson.checks["step4-clipping"], {"choices": ["a", "c"]}).count(" | ") == 1
    assert answer_text(lesson.checks["step6-gru-params"], {"value": 1920.0}) == "1920"
    pairs = answer_text(lesson.checks["step8-match-architectures"], {"pairs": {"sentiment": "many-to-one"}})
    assert pairs.startswith("Sentiment analysis") and " → Many-to-one" in pairs
    data = dashboard(lesson, [member(1, {}, "Ann", 2, (1,)), member(2, {}), member(3, {}, None, 2)], lambda c: {})
    assert [s["here"] for s in data["steps"]][:3] == [0, 2, 0] and data["not_started"] == 1
    assert [m["steps_done"] for m in data["members"]] == [1, 0, 0]
