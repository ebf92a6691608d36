"""The schema comes from Alembic migrations, on both backends; older SQLite files are adopted, not broken."""

import json
import subprocess
import sys
import time
from datetime import datetime, timezone

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from rnnlab.store import ClassStore, ProgressStore, migrations
from rnnlab.store.tables import answers, classes, learners, make_engine, metadata, steps


def test_a_new_database_is_migrated_to_head_with_exactly_the_schema_of_tables(db_url):
    store = ProgressStore(db_url)
    with store.engine.connect() as conn:
        assert migrations.current(conn) == migrations.head()
        differences = compare_metadata(MigrationContext.configure(conn), metadata)
        if conn.dialect.name == "sqlite":
            # SQLAlchemy does not read ON DELETE back from SQLite's inline column constraint
            # (0002 adds learners.class_code in place), so that key shows as removed and added
            # again; its DDL is checked instead.
            differences = [d for d in differences if not _same_fk_but_ondelete(d, differences)]
            ddl = conn.exec_driver_sql("SELECT sql FROM sqlite_master WHERE name = 'learners'").scalar()
            assert "REFERENCES classes (code) ON DELETE SET NULL" in ddl
        assert differences == []
    store.close()


def _same_fk_but_ondelete(difference, differences) -> bool:
    def key(fk):
        return (fk.table.name, tuple(c.name for c in fk.columns), fk.referred_table.name)

    kind, fk = difference[0], difference[1]
    twin = {"remove_fk": "add_fk", "add_fk": "remove_fk"}.get(kind)
    return twin is not None and any(d[0] == twin and key(d[1]) == key(fk) for d in differences)


def test_opening_a_migrated_database_again_changes_nothing(db_url):
    store = ProgressStore(db_url)
    store.record_answer("ann", "q", {"choice": "a"}, True)
    store.close()
    again = ProgressStore(db_url)
    assert again.progress("ann").answers["q"].answer == {"choice": "a"}
    again.close()


def test_servers_starting_at_once_on_an_empty_database_all_open_it(db_url):
    start_at = time.time() + 10  # after every process has imported rnnlab: then they migrate in the same instant
    script = ("import time; from rnnlab.store import ProgressStore; "
              f"time.sleep(max(0.0, {start_at} - time.time())); ProgressStore({db_url!r}).close()")
    opening = [subprocess.Popen([sys.executable, "-c", script], stderr=subprocess.PIPE, text=True) for _ in range(4)]
    failures = [error for process in opening if (error := process.communicate(timeout=120)[1]) and process.returncode]
    assert failures == []
    store = ProgressStore(db_url)
    with store.engine.connect() as conn:
        assert migrations.current(conn) == migrations.head()
    store.close()


def test_sqlite_file_made_before_migrations_is_adopted_with_its_data(tmp_path):
    url = f"sqlite:///{tmp_path / 'progress.db'}"
    old = sa.create_engine(url)
    with old.begin() as conn:  # revision 0001's schema without Alembic's table: what `create_all` made before migrations
        cfg = migrations.config(conn)
        command.upgrade(cfg, migrations.INITIAL)
        conn.exec_driver_sql("DROP TABLE alembic_version")
    at = datetime(2026, 1, 2, tzinfo=timezone.utc)
    with old.begin() as conn:
        conn.exec_driver_sql("INSERT INTO meta VALUES ('cookie_secret', 'kept-from-before')")
        conn.exec_driver_sql("INSERT INTO learners VALUES ('ann', ?, 3)", (at,))
        conn.exec_driver_sql("INSERT INTO steps VALUES ('ann', 3, ?, NULL)", (at,))
        conn.exec_driver_sql("INSERT INTO answers (learner_id, check_id, answer, correct, at) VALUES ('ann', 'q', ?, 1, ?)",
                             (json.dumps({"choice": "b"}), at))
    old.dispose()
    store = ProgressStore(url)
    progress = store.progress("ann")
    assert (progress.visited, progress.last_step, progress.answers["q"].answer) == ({3}, 3, {"choice": "b"})
    assert store.cookie_secret() == "kept-from-before"  # learners' cookies survive the upgrade
    with store.engine.connect() as conn:
        assert migrations.current(conn) == migrations.head()
    store.record_answer("ann", "q", {"choice": "c"}, True)
    assert store.progress("ann").answers["q"].answer == {"choice": "c"}
    store.close()


@pytest.mark.parametrize("table", ["meta", "classes", "learners", "steps", "answers", "results"])
def test_migrations_are_what_creates_the_tables(tmp_path, table):
    store = ProgressStore(f"sqlite:///{tmp_path / 'progress.db'}")
    with store.engine.connect() as conn:
        assert sa.inspect(conn).has_table(table) and sa.inspect(conn).has_table("alembic_version")
    store.close()


def test_a_database_at_0002_with_a_class_upgrades_keeping_answers_and_numbers(db_url):
    old = make_engine(db_url)  # on SQLite with foreign keys on, as the server runs: a copied table would cascade
    with old.begin() as conn:  # the schema as revision 0002 left it, with a class of three
        command.upgrade(migrations.config(conn), "0002")
    first, later = datetime(2026, 1, 2, tzinfo=timezone.utc), datetime(2026, 1, 3, tzinfo=timezone.utc)
    with old.begin() as conn:
        conn.execute(classes.insert().values(code="K7P3QX", name="A", key_hash="0" * 64, created_at=first))
        conn.execute(learners.insert(), [
            {"id": "zed", "created_at": first, "last_step": 2, "class_code": "K7P3QX", "display_name": None},
            {"id": "amy", "created_at": later, "last_step": 1, "class_code": "K7P3QX", "display_name": "Amy"},
            {"id": "out", "created_at": first, "last_step": 1, "class_code": None, "display_name": None},
        ])
        conn.execute(steps.insert().values(learner_id="zed", step=2, visited_at=first, completed_at=later))
        conn.execute(answers.insert().values(learner_id="zed", check_id="q", answer={"choice": "b"}, correct=True,
                                             at=later))
    old.dispose()

    store = ProgressStore(db_url)
    with store.engine.connect() as conn:
        assert migrations.current(conn) == migrations.head()
        joined = dict(conn.execute(sa.select(learners.c.id, learners.c.joined_at)).all())
    assert joined["out"] is None and joined["zed"] is not None and joined["amy"] is not None
    progress = store.progress("zed")
    assert (progress.completed, progress.answers["q"].answer) == ({2}, {"choice": "b"})
    members = ClassStore(store).members("K7P3QX")  # numbered as before the upgrade: by first visit
    assert [(m.number, m.label, set(m.answers)) for m in members] == [(1, "anonymous 1", {"q"}), (2, "Amy", set())]
    ClassStore(store).join("new", "K7P3QX")
    assert [m.label for m in ClassStore(store).members("K7P3QX")] == ["anonymous 1", "Amy", "anonymous 3"]
    store.close()
