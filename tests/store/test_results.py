"""``StoredResults``: the results table as a cache shared by every store on one database,
on a real SQLite file and a real PostgreSQL database (``db_url`` in conftest)."""

import pytest

from rnnlab.store import ProgressStore
from rnnlab.store.results import StoredResults


@pytest.fixture
def stores(db_url):
    """Two stores on one database, as two server processes would open it."""
    pair = ProgressStore(db_url), ProgressStore(db_url)
    yield pair
    for store in pair:
        store.close()


def test_a_result_one_store_puts_another_store_on_the_database_reads(stores):
    a, b = (StoredResults(store, max_rows=10) for store in stores)
    assert b.get("k" * 64) is None
    a.put("k" * 64, "bptt", b'{"spec":{},"result":{"x":1}}')
    assert b.get("k" * 64) == b'{"spec":{},"result":{"x":1}}'


def test_putting_a_key_twice_keeps_the_first_and_raises_nothing(stores):
    a, b = (StoredResults(store, max_rows=10) for store in stores)
    a.put("k" * 64, "bptt", b"first")
    b.put("k" * 64, "bptt", b"second")
    assert a.get("k" * 64) == b"first" and len(a) == 1


def test_rows_beyond_the_bound_go_least_recently_used_first(stores):
    results = StoredResults(stores[0], max_rows=2, touch_s=0.0)  # every read moves used_at
    results.put("a" * 64, "x", b"a")
    results.put("b" * 64, "x", b"b")
    assert results.get("a" * 64) == b"a"  # now b is the least recently used
    results.put("c" * 64, "x", b"c")
    assert len(results) == 2
    assert [results.get(k * 64) for k in "abc"] == [b"a", None, b"c"]
