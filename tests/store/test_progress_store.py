"""``ProgressStore`` on a real SQLite file and a real PostgreSQL database (``db_url`` in conftest)."""

from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa

from rnnlab.store import ProgressStore


@pytest.fixture
def store(db_url):
    store = ProgressStore(db_url)
    yield store
    store.close()


def table_rows(store, table) -> int:
    with store.engine.connect() as conn:
        return conn.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one()


def test_unknown_learner_has_empty_progress_and_reading_writes_nothing(store):
    progress = store.progress("nobody")
    assert (progress.visited, progress.completed, progress.answers, progress.last_step) == (set(), set(), {}, None)
    assert table_rows(store, "learners") == 0


def test_visit_marks_the_step_and_moves_last_step(store):
    store.visit("ann", 3)
    store.visit("ann", 1)
    progress = store.progress("ann")
    assert progress.visited == {1, 3} and progress.completed == set() and progress.last_step == 1


def test_complete_marks_completed_and_visited_without_moving_last_step(store):
    store.visit("ann", 2)
    store.complete("ann", 5)
    progress = store.progress("ann")
    assert progress.completed == {5} and progress.visited == {2, 5} and progress.last_step == 2


def test_repeated_visits_and_completions_keep_one_row_per_step(store):
    for _ in range(3):
        store.visit("ann", 4)
        store.complete("ann", 4)
    assert table_rows(store, "steps") == 1


def test_latest_answer_counts_and_every_answer_is_kept(store):
    store.record_answer("ann", "step4-decay", {"choice": "a"}, False)
    store.record_answer("ann", "step4-decay", {"choice": "c"}, True)
    record = store.progress("ann").answers["step4-decay"]
    assert (record.answer, record.correct) == ({"choice": "c"}, True)
    history = store.answer_history("ann", "step4-decay")
    assert [(h.answer, h.correct) for h in history] == [({"choice": "a"}, False), ({"choice": "c"}, True)]
    assert history[0].at <= history[1].at and history[1].at.tzinfo is not None


def test_structured_answers_round_trip(store):
    answer = {"pairs": {"sentiment": "many-to-one", "translation": "encoder-decoder"}, "order": ["c", "a"]}
    store.record_answer("ann", "step8-match", answer, True)
    assert store.progress("ann").answers["step8-match"].answer == answer


def test_learners_do_not_see_each_other(store):
    store.visit("ann", 1)
    store.record_answer("bob", "q", {"value": 0.5}, True)
    assert store.progress("ann").answers == {} and store.progress("bob").visited == set()


def test_reset_forgets_only_that_learner(store):
    for learner in ("ann", "bob"):
        store.visit(learner, 1)
        store.complete(learner, 1)
        store.record_answer(learner, "q", {"choice": "a"}, True)
    store.reset("ann")
    assert store.progress("ann").visited == set() and store.progress("ann").answers == {}
    assert store.progress("bob").completed == {1} and "q" in store.progress("bob").answers
    assert table_rows(store, "learners") == 1


def test_sqlite_runs_in_wal_mode_with_full_sync(tmp_path):
    store = ProgressStore(f"sqlite:///{tmp_path / 'progress.db'}")
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
    store.close()


def test_cookie_secret_is_made_once_and_kept_across_stores(store, db_url):
    secret = store.cookie_secret()
    assert len(secret) >= 32
    again = ProgressStore(db_url)  # another replica of the server, or the same one restarted
    assert again.cookie_secret() == secret
    again.close()


def test_concurrent_first_writes_for_one_learner_all_land(store):
    def write(k):
        store.record_answer("new", f"q{k}", {"value": k}, True)
        store.visit("new", 1 + k % 8)

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(write, range(32)))
    progress = store.progress("new")
    assert len(progress.answers) == 32 and progress.visited == set(range(1, 9))



def test_a_visit_that_changes_nothing_opens_no_write_transaction(store):
    writes = []
    sa.event.listen(store.engine, "begin", lambda conn: writes.append(conn.get_execution_options().get("rnnlab_write")))
    store.visit("ann", 3)
    store.visit("ann", 3)  # already visited and already there: a read only
    store.visit("ann", 5)
    store.visit("ann", 3)  # visited before, but the learner moved: where they are changes
    assert writes.count(True) == 3
    assert store.progress("ann").last_step == 3 and store.progress("ann").visited == {3, 5}
