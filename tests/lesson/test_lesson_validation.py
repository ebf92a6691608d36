"""load_lesson refuses a broken lesson and names every problem at once."""

import pytest

from rnnlab.lesson import LessonError, load_lesson
from rnnlab.lesson.loader import build_lesson


def _edit(path, old, new, count=1):
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path.name}"
    path.write_text(text.replace(old, new, count), encoding="utf-8")


def _problems(root):
    with pytest.raises(LessonError) as info:
        build_lesson(root)
    return info.value.problems


def test_an_untouched_copy_loads(lesson_copy):
    assert len(build_lesson(lesson_copy).steps) == 8


def test_every_problem_is_reported_in_one_error(lesson_copy):
    _edit(lesson_copy / "checks/step1.yaml", "correct: false", "correct: true")
    _edit(lesson_copy / "checks/step2.yaml",
          "      feedback: >-\n        Padding is a batching convenience", "      notes: >-\n        Padding")
    _edit(lesson_copy / "steps/02-hidden-state.md", "[[weight sharing]]", "[[flux capacitor]]")
    _edit(lesson_copy / "steps/03-unrolling-bptt.md", "::: experiment bptt", "::: experiment time-machine")
    (lesson_copy / "steps/05-lstm.md").unlink()
    problems = "\n".join(_problems(lesson_copy))
    assert "step1-bag-of-words': a single-choice check needs exactly one right option, it has 2" in problems
    assert "step2-weight-sharing', options 'a': missing or empty 'feedback'" in problems
    assert "link [[flux capacitor]] names no glossary term" in problems
    assert "unknown experiment 'time-machine'" in problems
    assert "expected steps numbered 1 to 8 in order, found [1, 2, 3, 4, 6, 7, 8]" in problems


def test_the_error_message_lists_each_problem(lesson_copy):
    _edit(lesson_copy / "steps/03-unrolling-bptt.md", "::: experiment bptt", "::: experiment time-machine")
    _edit(lesson_copy / "steps/02-hidden-state.md", "[[weight sharing]]", "[[flux capacitor]]")
    with pytest.raises(LessonError) as info:
        build_lesson(lesson_copy)
    message = str(info.value)
    assert "time-machine" in message and "flux capacitor" in message
    assert "experiment 'bptt' is embedded 0 times" in message


MUTATIONS = [
    ("checks/step3.yaml", "answer: [forward, loss, backward, sum, update]", "answer: [forward, loss, backward, sum]",
     "'answer' must list every item id exactly once"),
    ("checks/step3.yaml", "answer: [forward, loss, backward, sum, update]",
     "answer: [sum, forward, update, backward, loss]", "shown in the right order already"),
    ("checks/step8.yaml", "target: many-to-one\n      feedback: >-\n        Many-to-one: 30 days",
     "target: one-to-one\n      feedback: >-\n        Many-to-one: 30 days", "unknown target 'one-to-one'"),
    ("checks/step2.yaml", "    low: >-\n      Too low. Start", "    lower: >-\n      Too low. Start",
     "feedback: missing or empty 'low'"),
    ("checks/step4.yaml", "kind: multiple", "kind: essay", "kind must be one of"),
    ("checks/step4.yaml", "      correct: true\n      feedback: \"True: every",
     "      correct: false\n      feedback: \"True: every", None),  # still valid: two right answers remain
    ("checks/step6.yaml", "outcome: gates\n  kind: numeric", "outcome: memory\n  kind: numeric",
     "unknown outcome 'memory'"),
    ("checks/step7.yaml", "id: step7-bottleneck\n  step: 7", "id: step7-bottleneck\n  step: 6",
     "check 'step7-bottleneck' says it is in step 6"),
    ("checks/step1.yaml", "  explanation: >-\n    A sum", "  explanaton: >-\n    A sum", "unknown key(s) ['explanaton']"),
    ("steps/05-lstm.md", "::: check step5-not-immune", "", "check 'step5-not-immune' is embedded 0 times"),
    ("steps/06-gru.md", "::: check step6-gru-params", "::: check step6-gru-params\n\n::: check step6-gru-params",
     "check 'step6-gru-params' is embedded 2 times"),
    ("steps/05-lstm.md", "::: diagram lstm-cell", "::: diagram lstm-sell", "unknown diagram 'lstm-sell'"),
    ("steps/05-lstm.md", "::: check step5-not-immune", "::: chek step5-not-immune", "cannot read directive"),
    ("steps/04-vanishing-gradients.md", "::: experiment long-range-memory", "::: experiment lstm-gates",
     "experiment 'lstm-gates' belongs to step 5"),
    ("steps/04-vanishing-gradients.md", "::: experiment long-range-memory", "::: experiment char-lm",
     "experiment 'char-lm' is the lab's"),
    ("steps/06-gru.md", "## The equations", "## The equations\n\n" + "word " * 700, "outside the lesson's 18-22"),
    ("steps/06-gru.md", "outcomes: [gates]\n", "outcomes: [gates]\nminutes: 3\n", "unknown front matter ['minutes']"),
    ("steps/06-gru.md", "summary: Two gates", "summry: Two gates", "front matter lacks ['summary']"),
    ("steps/08-applications.md", "vocabulary of all of them.\n\n:::", "vocabulary of all of them.\n",
     "cannot read directive '::: deeper Where RNNs are used today'"),
    ("diagrams/gru-cell.svg", "<desc id=\"gru-cell-desc\">", "<desc id=\"gru-cell-d\">",
     "aria-describedby must name the <desc>'s id"),
    ("diagrams/gru-cell.svg", 'fill="currentColor" fill-opacity="0.05"', 'fill="#fff" fill-opacity="0.05"',
     "fill='#fff' is fixed"),
    ("diagrams/gru-cell.svg", 'id="gru-cell-arrow"', 'id="arrow"', "id 'arrow' must start with 'gru-cell-'"),
    ("glossary.yaml", "- term: Tanh", "- term: Sigmoid", "duplicate term 'Sigmoid'"),
    ("lesson.yaml", "glossary: gru", "glossary: gated-unit", "names unknown glossary term 'gated-unit'"),
]


@pytest.mark.parametrize("path, old, new, expected", MUTATIONS, ids=[m[3] or "valid" for m in MUTATIONS])
def test_validator_names_the_problem(lesson_copy, path, old, new, expected):
    _edit(lesson_copy / path, old, new)
    if expected is None:
        assert build_lesson(lesson_copy)
        return
    problems = _problems(lesson_copy)
    assert any(expected in p for p in problems), problems


def test_a_step_embedding_an_experiment_whose_module_names_another_step_is_refused(lesson_copy, monkeypatch):
    from rnnlab.experiments import bptt

    monkeypatch.setattr(bptt, "STEP", 4)
    problems = _problems(lesson_copy)
    assert "step 3: experiment 'bptt' belongs to step 4 (its module's STEP)" in problems


def test_a_training_experiment_without_a_time_to_answer_is_refused(lesson_copy, monkeypatch):
    from rnnlab.experiments import bptt

    monkeypatch.setattr(bptt, "KIND", "job")
    problems = "\n".join(_problems(lesson_copy))
    assert "the lesson's training experiments are ['bptt', 'cell-race', 'long-range-memory', 'seq2seq']" in problems


def test_a_single_check_with_two_right_answers_is_refused(lesson_copy):
    _edit(lesson_copy / "checks/step6.yaml", "      correct: false", "      correct: true")
    assert any("exactly one right option, it has 2" in p for p in _problems(lesson_copy))


def test_load_lesson_caches_per_root(lesson_copy):
    first = load_lesson(lesson_copy)
    assert load_lesson(str(lesson_copy)) is first
