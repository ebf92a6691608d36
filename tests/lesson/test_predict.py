"""Predict checks: each is graded against the live engine at its own params,
a right and a wrong prediction come out right and wrong, and the feedback
quotes the measured numbers."""

import re

import pytest

from rnnlab.experiments import registry, runner
from rnnlab.lesson import grade
from rnnlab.lesson.grading import within
from rnnlab.lesson.loader import build_lesson


@pytest.fixture(scope="module")
def predicts(lesson):
    return [c for c in lesson.checks.values() if c.kind == "predict"]


def answer(check, value):
    return {"value" if check.prediction.answer == "number" else "choice": value}


def a_wrong_prediction(check, measured):
    spec = check.prediction
    if spec.answer == "choice":
        return next(o.id for o in check.options if o.id != measured)
    if spec.rule == "factor":
        return measured * spec.tolerance ** 2
    return measured + 3 * spec.tolerance


def test_there_are_predict_checks_in_at_least_four_steps_each_run_by_its_own_quick_experiment(lesson, predicts):
    assert len(predicts) >= 4 and len({c.step for c in predicts}) >= 4
    for check in predicts:
        module = registry.get(check.prediction.experiment)
        assert module.KIND == "quick" and module.STEP == check.step
        runner.parse_params(module, check.prediction.params)  # within the experiment's bounds
        assert check.id in lesson.step(check.step).checks


def test_a_right_and_a_wrong_prediction_are_graded_against_the_live_model(predicts, measurements):
    for check in predicts:
        measured = measurements[check.id]["value"]
        right = grade(check, answer(check, measured), measurements[check.id])
        wrong = grade(check, answer(check, a_wrong_prediction(check, measured)), measurements[check.id])
        assert right.correct and not wrong.correct, check.id
        assert right.measured["value"] == measured and right.measured["params"] == check.prediction.params


def test_the_measured_choice_is_one_of_the_options(predicts, measurements):
    for check in (c for c in predicts if c.prediction.answer == "choice"):
        assert measurements[check.id]["value"] in {o.id for o in check.options}


def test_feedback_quotes_the_prediction_and_the_measurement_with_no_placeholder_left(predicts, measurements):
    for check in predicts:
        measured = measurements[check.id]["value"]
        for value in (measured, a_wrong_prediction(check, measured)):
            result = grade(check, answer(check, value), measurements[check.id])
            texts = [f["html"] for f in result.feedback] + [result.explanation_html]
            assert not any("{{" in t for t in texts), (check.id, texts)
        if check.prediction.answer == "number":
            wrong = a_wrong_prediction(check, measured)
            html = grade(check, answer(check, wrong), measurements[check.id]).feedback[0]["html"]
            assert result.measured["text"] in html


def test_the_fading_gradient_feedback_explains_the_gap_with_the_per_step_factor(lesson, measurements):
    check = lesson.checks["step4-predict-fade"]
    m = measurements[check.id]
    assert 1e-22 < m["value"] < 1e-16 and 0.3 < m["decay"] < 0.5  # tanh shrinks it below ρ = 0.5 per step
    html = grade(check, {"value": 0.3}, m).feedback[0]["html"]
    assert html.startswith("Far too large: you said 0.3") and f"{m['decay']:.3g}" in html


def test_a_shut_input_gate_leaves_the_lstm_at_chance(lesson, measurements):
    m = measurements["step5-predict-surgery"]
    assert m["value"] == pytest.approx(m["chance"], abs=0.1)
    assert not grade(lesson.checks["step5-predict-surgery"], {"value": 1.0}, m).correct


def test_the_bag_of_words_claim_in_the_prompt_holds_and_its_answer_ignores_the_swap(lesson, measurements):
    module = registry.get("order-matters")
    before = module.run(module.Params(sentence="the cat is chased by the dog", question="agent"))
    assert before.bow_answer == "dog" and before.rnn_answer == "dog"  # as the prompt says
    assert measurements["step1-predict-bag-of-words"]["value"] == before.bow_answer


@pytest.mark.parametrize("prediction, measured, rule, tolerance, ok", [
    (1e-19, 2.2e-19, "factor", 10, True), (0.3, 2.2e-19, "factor", 1e4, False), (-1, 0.5, "factor", 10, False),
    (0, 0, "factor", 2, True), (0.33, 0.25, "absolute", 0.1, True), (0.36, 0.25, "absolute", 0.1, False),
])
def test_tolerance_rules(prediction, measured, rule, tolerance, ok):
    assert within(prediction, measured, rule, tolerance) is ok


def test_a_predict_answer_that_is_not_a_number_or_not_an_option_is_refused(lesson, measurements):
    fade, move = lesson.checks["step4-predict-fade"], lesson.checks["step6-predict-move"]
    for check, bad, message in ((fade, {"value": "1e-19"}, "finite number"), (fade, {"choice": "a"}, '{"value": ...}'),
                                (move, {"choice": "huge"}, "unknown option"), (move, {"value": 1}, '{"choice": ...}')):
        with pytest.raises(ValueError, match=re.escape(message)):
            grade(check, bad, measurements[check.id])


BROKEN = [
    ("measure: gradient_left_at_50", "measure: no_such_measure", "'measure' must be one of"),
    ("experiment: vanishing-gradients\n  params", "experiment: lstm-gates\n  params", "an experiment of step 4"),
    ("tolerance: {factor: 10000}", "tolerance: {factor: 0.5}", "'tolerance' must be"),
    ("tolerance: {factor: 10000}", "tolerance: {within: 2}", "'tolerance' must be"),
    ("Predict before you move the slider.", "You will see {{measured}}.", "it cannot quote {{...}}"),
]


@pytest.mark.parametrize("old, new, problem", BROKEN)
def test_a_broken_predict_check_is_reported(lesson_copy, old, new, problem):
    path = lesson_copy / "checks" / "step4.yaml"
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))
    with pytest.raises(Exception) as info:
        build_lesson(lesson_copy)
    assert problem in str(info.value)
