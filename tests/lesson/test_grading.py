"""grade(): right, wrong and malformed answers for every kind; public() hides the answers."""

import json

import pytest

from rnnlab.lesson import grade


def _right_answer(check, measurements):
    if check.kind == "predict":
        return {"value" if check.prediction.answer == "number" else "choice": measurements[check.id]["value"]}
    if check.kind == "single":
        return {"choice": next(o.id for o in check.options if o.correct)}
    if check.kind == "multiple":
        return {"choices": [o.id for o in check.options if o.correct]}
    if check.kind == "numeric":
        return {"value": check.numeric.value}
    if check.kind == "ordering":
        return {"order": list(check.order)}
    return {"pairs": {o.id: o.target for o in check.options}}


def test_the_right_answer_to_every_check_scores_full_marks(lesson, measurements):
    for check in lesson.checks.values():
        result = grade(check, _right_answer(check, measurements), measurements.get(check.id))
        assert result.correct and result.score == 1.0, check.id
        assert all(f["ok"] for f in result.feedback)
        if check.kind != "predict":  # a prediction's explanation quotes the measured numbers
            assert result.explanation_html == check.explanation_html


def test_single_wrong_choice_is_wrong_with_feedback_for_every_option(lesson):
    check = lesson.checks["step1-bag-of-words"]
    result = grade(check, {"choice": "a"})
    assert not result.correct and result.score == 0.0
    by_id = {f["id"]: f for f in result.feedback}
    assert set(by_id) == {"a", "b", "c", "d"}
    assert by_id["a"]["chosen"] and not by_id["a"]["correct"] and not by_id["a"]["ok"]
    assert by_id["b"]["correct"] and not by_id["b"]["chosen"]
    assert by_id["a"]["html"] == check.options[0].feedback_html


def test_multiple_choice_scores_each_option(lesson):
    check = lesson.checks["step4-clipping"]  # right: a, b, d
    result = grade(check, {"choices": ["a", "c"]})
    assert not result.correct
    assert result.score == pytest.approx(2 / 5)  # a chosen rightly, e left out rightly
    assert [f["ok"] for f in result.feedback] == [True, False, False, False, True]
    assert grade(check, {"choices": ["d", "b", "a"]}).correct
    assert grade(check, {"choices": []}).score == pytest.approx(2 / 5)


def test_numeric_within_tolerance_is_right_and_outside_says_low_or_high(lesson):
    check = lesson.checks["step2-by-hand"]  # 0.3634 ± 0.005
    assert grade(check, {"value": 0.363}).correct
    assert grade(check, {"value": 0.368}).correct
    low, high = grade(check, {"value": 0.30}), grade(check, {"value": 0.462})
    assert not low.correct and low.feedback[0]["html"] == check.numeric.low_html
    assert not high.correct and high.feedback[0]["html"] == check.numeric.high_html
    assert grade(check, {"value": 1}).score == 0.0


def test_numeric_with_zero_tolerance_takes_an_integer(lesson):
    check = lesson.checks["step6-gru-params"]
    assert grade(check, {"value": 1920}).correct
    assert not grade(check, {"value": 1921}).correct


def test_ordering_scores_items_in_the_right_place(lesson):
    check = lesson.checks["step3-training-order"]  # forward, loss, backward, sum, update
    result = grade(check, {"order": ["forward", "loss", "sum", "backward", "update"]})
    assert not result.correct and result.score == pytest.approx(3 / 5)
    by_id = {f["id"]: f for f in result.feedback}
    assert by_id["sum"] == {**by_id["sum"], "position": 2, "expected": 3, "ok": False}
    assert by_id["update"]["ok"]


def test_matching_scores_each_item_with_its_feedback(lesson):
    check = lesson.checks["step8-match-architectures"]
    pairs = {o.id: o.target for o in check.options}
    pairs["translation"] = "many-to-many"
    result = grade(check, {"pairs": pairs})
    assert not result.correct
    assert result.score == pytest.approx((len(pairs) - 1) / len(pairs))
    wrong = [f for f in result.feedback if not f["ok"]]
    assert wrong == [{"id": "translation", "chosen": "many-to-many", "expected": "encoder-decoder", "ok": False,
                      "html": check.options[1].feedback_html}]


MALFORMED = [
    ("step1-bag-of-words", None, "a single answer is"),
    ("step1-bag-of-words", [], "a single answer is"),
    ("step1-bag-of-words", {}, 'a single answer is {"choice": ...}'),
    ("step1-bag-of-words", {"choices": ["a"]}, 'a single answer is {"choice": ...}'),
    ("step1-bag-of-words", {"choice": "z"}, "unknown option"),
    ("step1-bag-of-words", {"choice": 1}, "must be an option id"),
    ("step1-bag-of-words", {"choice": "a", "extra": 1}, "got keys"),
    ("step4-clipping", {"choices": "a"}, "must be a list of ids"),
    ("step4-clipping", {"choices": ["a", "a"]}, "more than once"),
    ("step4-clipping", {"choices": ["a", "q"]}, "unknown option(s) ['q']"),
    ("step2-by-hand", {"value": "0.36"}, "finite number"),
    ("step2-by-hand", {"value": True}, "finite number"),
    ("step2-by-hand", {"value": float("nan")}, "finite number"),
    ("step3-training-order", {"order": ["forward", "loss"]}, "must list all 5 items"),
    ("step3-training-order", {"order": ["forward", "forward", "loss", "sum", "update"]}, "more than once"),
    ("step3-training-order", {"order": ["forward", "loss", "backward", "sum", "nope"]}, "unknown item(s)"),
    ("step8-match-architectures", {"pairs": ["sentiment"]}, "must map each item id"),
    ("step8-match-architectures", {"pairs": {"sentiment": "many-to-one"}}, "match every item"),
    ("step8-match-architectures", {"pairs": {"sentiment": "one-to-one"}}, "unknown target(s)"),
    ("step8-match-architectures", {"pairs": {"tweets": "many-to-one"}}, "unknown item(s)"),
]


@pytest.mark.parametrize("check_id, answer, message", MALFORMED)
def test_malformed_answer_raises_value_error(lesson, check_id, answer, message):
    with pytest.raises(ValueError) as info:
        grade(lesson.checks[check_id], answer)
    assert message in str(info.value)


def test_grade_to_dict_is_json(lesson):
    check = lesson.checks["step5-cell-numeric"]
    data = grade(check, {"value": 1.18}).to_dict()
    assert json.loads(json.dumps(data)) == data
    assert set(data) == {"correct", "score", "feedback", "explanation_html"}


def _keys(value):
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in _keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in _keys(v)}
    return set()


def test_public_view_leaks_no_answer_and_no_feedback(lesson):
    for check in lesson.checks.values():
        public = check.public()
        text = json.dumps(public)
        assert _keys(public) <= {"id", "step", "outcome", "kind", "prompt_html", "options", "items", "targets",
                                 "html", "unit", "experiment", "predicts"}, check.id
        assert check.explanation_html not in text
        for option in check.options:
            assert option.feedback_html not in text
        if check.kind == "ordering":
            assert [o["id"] for o in public["items"]] != list(check.order)
        if check.kind == "numeric":
            assert check.numeric.correct_html not in text
            assert repr(check.numeric.value) not in text.replace(public["prompt_html"], "")


@pytest.mark.parametrize("value", [10**400, -(10**400), float("nan"), float("inf")])
def test_a_numeric_answer_no_float_can_hold_is_refused(lesson, value):
    check = lesson.checks["step2-by-hand"]
    with pytest.raises(ValueError, match="'value' must be a finite number"):
        grade(check, {"value": value})
