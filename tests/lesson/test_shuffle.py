"""Each learner's own order of options and items: stable, different between
learners, never favouring a position for the right answer, and graded by id."""

import subprocess
import sys
from collections import Counter

from rnnlab.lesson import grade
from rnnlab.lesson.shuffle import learner_order

LEARNERS = [f"learner-{n}" for n in range(400)]


def shown(check, learner):
    public = check.public(learner)
    return [o["id"] for o in public.get("options") or public.get("items")]


def test_a_learner_sees_the_same_order_on_every_call(lesson):
    for check in lesson.checks.values():
        if check.options:
            assert shown(check, "ada") == shown(check, "ada")
            assert sorted(shown(check, "ada")) == sorted(o.id for o in check.options)


def test_the_order_does_not_depend_on_the_process_or_its_hash_seed():
    code = "from rnnlab.lesson.shuffle import learner_order; print(learner_order('ada', 'q', list('abcdefgh')))"
    outputs = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                              env={"PYTHONHASHSEED": seed}).stdout for seed in ("1", "2", "random")}
    assert outputs == {f"{learner_order('ada', 'q', list('abcdefgh'))}\n"}


def test_two_learners_see_different_orders_for_some_checks(lesson):
    with_options = [c for c in lesson.checks.values() if len(c.options) > 1]
    differ = [c.id for c in with_options if shown(c, "ada") != shown(c, "grace")]
    assert len(differ) >= len(with_options) // 2, differ


def test_the_right_answer_takes_every_position_about_equally_often(lesson):
    singles = [c for c in lesson.checks.values() if c.kind == "single" and len(c.options) == 4]
    overall = Counter()
    for check in singles:
        right = next(o.id for o in check.options if o.correct)
        positions = Counter(shown(check, learner).index(right) for learner in LEARNERS)
        assert max(positions.values()) / len(LEARNERS) < 0.35, (check.id, positions)
        overall += positions
    expected = len(singles) * len(LEARNERS) / 4
    chi_square = sum((overall[p] - expected) ** 2 / expected for p in range(4))
    assert chi_square < 16.27, overall  # 3 degrees of freedom, p = 0.001


def test_grading_goes_by_id_whatever_order_was_shown(lesson):
    check = lesson.checks["step1-bag-of-words"]
    right = next(o.id for o in check.options if o.correct)
    assert {shown(check, learner).index(right) for learner in LEARNERS[:40]} == {0, 1, 2, 3}
    assert grade(check, {"choice": right}).correct


def test_an_ordering_check_is_never_shown_already_in_order(lesson):
    for check in (c for c in lesson.checks.values() if c.kind == "ordering"):
        orders = [shown(check, learner) for learner in LEARNERS]
        assert list(check.order) not in orders
        assert len({tuple(o) for o in orders}) > 50


def test_matching_items_are_shuffled_and_targets_keep_their_order(lesson):
    check = lesson.checks["step8-match-architectures"]
    assert len({tuple(shown(check, learner)) for learner in LEARNERS[:20]}) > 10
    assert [t["id"] for t in check.public("ada")["targets"]] == [t.id for t in check.targets]
