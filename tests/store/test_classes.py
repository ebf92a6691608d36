"""``ClassStore`` on a real SQLite file and a real PostgreSQL database (``db_url`` in conftest)."""

import hashlib

import pytest
import sqlalchemy as sa

from rnnlab.store import ClassError, ClassStore, ProgressStore
from rnnlab.store.classes import CODE_ALPHABET, CODE_LENGTH


@pytest.fixture
def store(db_url):
    store = ProgressStore(db_url)
    yield store
    store.close()


@pytest.fixture
def classes(store):
    return ClassStore(store)


def test_a_new_class_has_a_typeable_code_and_keeps_only_the_keys_hash(classes, store):
    made = classes.create("  RNNs, week 5 ")
    assert len(made.code) == CODE_LENGTH and set(made.code) <= set(CODE_ALPHABET)
    assert classes.get(made.code.lower()).name == "RNNs, week 5"
    with store.engine.connect() as conn:
        row = conn.execute(sa.text("SELECT * FROM classes")).mappings().one()
    assert made.instructor_key not in [str(v) for v in row.values()]
    assert row["key_hash"] == hashlib.sha256(made.instructor_key.encode()).hexdigest()
    assert classes.key_matches(made.code, made.instructor_key)
    assert not classes.key_matches(made.code, made.instructor_key + "x")
    assert not classes.key_matches("NOSUCH", made.instructor_key)


def test_codes_are_unique_and_list_counts_learners(classes):
    a, b = classes.create("A"), classes.create("B")
    assert a.code != b.code
    classes.join("ann", a.code)
    classes.join("bob", a.code, "Bob")
    assert [(c.code, c.name, c.learners) for c in classes.all()] == [(a.code, "A", 2), (b.code, "B", 0)]


@pytest.mark.parametrize("name", ["", "   ", "line\nbreak", "x" * 201])
def test_a_class_name_that_cannot_be_shown_is_refused_with_a_sentence(classes, name):
    with pytest.raises(ClassError, match=r"\.$"):
        classes.create(name)
    assert classes.all() == []


def test_joining_trims_the_name_and_class_of_sees_it(classes, store):
    made = classes.create("A")
    membership = classes.join("ann", made.code.lower(), "  Ann  ")
    assert (membership.code, membership.name, membership.display_name) == (made.code, "A", "Ann")
    assert store.class_of("ann") == made.code
    assert classes.membership("ann").display_name == "Ann"
    classes.join("bob", made.code, "   ")
    assert classes.membership("bob").display_name is None  # blank: anonymous


@pytest.mark.parametrize("name", ["x" * 81, "tab\there", "bidi\u202eevil", "nul\x00"])
def test_a_display_name_too_long_or_with_control_characters_joins_nothing(classes, store, name):
    made = classes.create("A")
    with pytest.raises(ClassError):
        classes.join("ann", made.code, name)
    assert store.class_of("ann") is None


def test_joining_an_unknown_class_is_a_key_error(classes, store):
    with pytest.raises(KeyError):
        classes.join("ann", "NOSUCH")
    assert store.class_of("ann") is None


def test_joining_another_class_moves_the_learner_and_leaving_keeps_their_progress(classes, store):
    a, b = classes.create("A"), classes.create("B")
    store.visit("ann", 3)
    classes.join("ann", a.code, "Ann")
    classes.join("ann", b.code)
    assert store.class_of("ann") == b.code and classes.members(a.code) == []
    classes.leave("ann")
    assert store.class_of("ann") is None and classes.membership("ann") is None
    assert store.progress("ann").last_step == 3


def test_members_have_join_order_completed_steps_and_latest_answers_with_attempts(classes, store):
    made, other = classes.create("A"), classes.create("B")
    classes.join("ann", made.code, "Ann")
    classes.join("bob", made.code)
    classes.join("eve", other.code, "Eve")
    store.complete("ann", 1)
    store.complete("ann", 2)
    store.visit("bob", 4)
    store.record_answer("bob", "step1-bag-of-words", {"choice": "a"}, False)
    store.record_answer("bob", "step1-bag-of-words", {"choice": "b"}, True)
    store.record_answer("eve", "step1-bag-of-words", {"choice": "c"}, False)
    ann, bob = classes.members(made.code.lower())
    assert (ann.number, ann.label, ann.completed, ann.answers) == (1, "Ann", {1, 2}, {})
    assert (bob.number, bob.label, bob.last_step) == (2, "anonymous 2", 4)
    latest = bob.answers["step1-bag-of-words"]
    assert (latest.answer, latest.correct, latest.attempts) == ({"choice": "b"}, True, 2)
    assert latest.at.tzinfo is not None


def test_a_late_joiner_is_numbered_last_and_renumbers_no_one(classes, store):
    made = classes.create("A")
    store.visit("cat", 1)  # cat came to the lesson first, but joins the class last
    classes.join("ann", made.code, "Ann")
    classes.join("bob", made.code)
    before = [(m.number, m.label) for m in classes.members(made.code)]
    assert before == [(1, "Ann"), (2, "anonymous 2")]
    classes.join("cat", made.code)
    assert [(m.number, m.label) for m in classes.members(made.code)] == before + [(3, "anonymous 3")]


def test_joining_the_same_class_again_keeps_ones_number_and_another_class_numbers_one_anew(classes, store):
    a, b = classes.create("A"), classes.create("B")
    classes.join("ann", a.code)
    classes.join("bob", a.code, "Bob")
    classes.join("ann", a.code, "Ann")  # a new display name, same class: still first
    assert [(m.number, m.label) for m in classes.members(a.code)] == [(1, "Ann"), (2, "Bob")]
    classes.join("cat", b.code)
    classes.join("ann", b.code)  # moves: joined B after cat
    assert [m.label for m in classes.members(b.code)] == ["anonymous 1", "anonymous 2"]
    classes.join("ann", a.code)  # and back: joined A after Bob
    assert [(m.number, m.label) for m in classes.members(a.code)] == [(1, "Bob"), (2, "anonymous 2")]
