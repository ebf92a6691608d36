"""``rnnlab.runtime.cache``: the bounded LRU of quick experiments' JSON payloads."""

import json
import threading
import time
from types import SimpleNamespace

from pydantic import BaseModel, Field

from rnnlab.runtime.cache import ResultCache, code_version, encode, shared_key, warm


class Params(BaseModel):
    n: int = Field(3, ge=0, le=10_000)


class Result(BaseModel):
    values: list[float]


class Spec:
    def __init__(self, values):
        self.values = values

    def to_dict(self, validate=True):
        return {"data": {"values": [{"y": v} for v in self.values]}}


def module(runs: list, delay_s: float = 0.0, **changes):
    """A quick experiment whose ``run`` appends its ``n`` to ``runs``."""
    def run(params, progress=None):
        runs.append(params.n)
        time.sleep(delay_s)
        return Result(values=[0.5] * params.n)

    attrs = dict(ID="fake", TITLE="Fake", STEP=4, KIND="quick", Params=Params, Result=Result,
                 run=run, chart=lambda r: Spec(r.values))
    attrs.update(changes)
    return SimpleNamespace(**attrs)


def test_hit_returns_the_same_bytes_without_running_again():
    runs, cache = [], ResultCache(max_entries=10, max_bytes=10**6)
    exp = module(runs)
    first, second = cache.get(exp, Params(n=2)), cache.get(exp, Params(n=2))
    assert second == first and isinstance(second, bytes)
    assert json.loads(second)["result"] == {"values": [0.5, 0.5]}
    assert runs == [2] and (cache.hits, cache.misses) == (1, 1)


def test_bytes_are_what_jsonresponse_would_send():
    from fastapi.responses import JSONResponse

    payload = {"spec": {"title": "ρ ≤ 2"}, "result": {"values": [1.0, None]}}
    assert encode(payload) == JSONResponse(payload).body


def test_a_caller_changing_its_decoded_payload_does_not_change_the_next_one():
    cache, exp = ResultCache(10, 10**6), module([])
    mine = json.loads(cache.get(exp, Params(n=2)))
    mine["result"]["values"].append(99.0)
    assert json.loads(cache.get(exp, Params(n=2)))["result"]["values"] == [0.5, 0.5]


def test_experiments_with_the_same_params_do_not_share_entries():
    runs, cache = [], ResultCache(10, 10**6)
    cache.get(module(runs, ID="a"), Params(n=1))
    cache.get(module(runs, ID="b"), Params(n=1))
    assert runs == [1, 1] and len(cache) == 2


def test_entry_bound_evicts_the_least_recently_used():
    runs, cache = [], ResultCache(max_entries=2, max_bytes=10**6)
    exp = module(runs)
    for n in (1, 2, 1, 3, 1, 2):  # 2 is the oldest when 3 arrives
        cache.get(exp, Params(n=n))
    assert runs == [1, 2, 3, 2] and len(cache) == 2


def test_byte_bound_evicts_the_oldest_until_the_bytes_fit():
    runs, cache = [], ResultCache(max_entries=100, max_bytes=180)
    exp = module(runs)
    sizes = [len(cache.get(exp, Params(n=n))) for n in (1, 2, 3)]  # 66, 80 and 94 bytes
    assert sizes[0] + sizes[1] <= 180 < sum(sizes)
    assert cache.bytes == sizes[1] + sizes[2] and len(cache) == 2
    cache.get(exp, Params(n=2))
    cache.get(exp, Params(n=1))
    assert runs == [1, 2, 3, 1]


def test_a_payload_larger_than_the_whole_cache_is_answered_but_not_kept():
    runs, cache = [], ResultCache(max_entries=100, max_bytes=1000)
    exp = module(runs)
    body = cache.get(exp, Params(n=500))
    assert len(json.loads(body)["result"]["values"]) == 500
    assert len(cache) == 0 and cache.bytes == 0
    cache.get(exp, Params(n=500))
    assert runs == [500, 500]


def test_a_run_that_raises_is_not_cached_and_raises_again():
    cache, calls = ResultCache(10, 10**6), []

    def failing(params, progress=None):
        calls.append(params.n)
        raise ValueError("no")

    exp = module([], run=failing)
    for _ in range(2):
        try:
            cache.get(exp, Params())
        except ValueError:
            pass
        else:
            raise AssertionError("the run's error was swallowed")
    assert calls == [3, 3] and len(cache) == 0


def test_concurrent_requests_for_the_same_params_run_it_once():
    runs, cache = [], ResultCache(10, 10**6)
    exp = module(runs, delay_s=0.2)
    bodies = []
    threads = [threading.Thread(target=lambda: bodies.append(cache.get(exp, Params(n=4)))) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert runs == [4] and len(set(bodies)) == 1 and len(bodies) == 4


def test_warm_trains_then_caches_the_defaults_of_quick_experiments_only():
    order, cache = [], ResultCache(10, 10**6)
    quick = module(order, ID="quick", warm_up=lambda: order.append("trained"))
    job = module(order, ID="job", KIND="job")
    warm(cache, [quick, job])
    assert order == ["trained", 3]
    cache.get(quick, Params())
    assert order == ["trained", 3] and cache.hits == 1


class DictShared:
    """A shared level in a dict: what ``StoredResults`` does, without a database."""

    def __init__(self):
        self.rows: dict[str, bytes] = {}

    def get(self, key):
        return self.rows.get(key)

    def put(self, key, experiment, body):
        self.rows.setdefault(key, body)


def test_shared_keys_differ_by_experiment_params_and_code_version():
    keys = {shared_key(("a", '{"n":1}'), "v1"), shared_key(("a", '{"n":2}'), "v1"),
            shared_key(("b", '{"n":1}'), "v1"), shared_key(("a", '{"n":1}'), "v2")}
    assert len(keys) == 4 and all(len(k) == 64 for k in keys)
    assert shared_key(("a", '{"n":1}'), "v1") == shared_key(("a", '{"n":1}'), "v1")


def test_code_version_hashes_the_source_and_is_stable_in_a_process():
    assert len(code_version()) == 64 and code_version() == code_version()


def test_a_second_process_cache_answers_from_the_shared_level_without_running():
    runs, shared = [], DictShared()
    exp = module(runs)
    first = ResultCache(10, 10**6, shared, version="v1").get(exp, Params(n=2))
    other = ResultCache(10, 10**6, shared, version="v1")
    assert other.get(exp, Params(n=2)) == first and runs == [2]
    assert (other.shared_hits, other.misses) == (1, 0)


def test_a_changed_code_version_never_reads_the_old_result():
    runs, shared = [], DictShared()
    exp = module(runs)
    ResultCache(10, 10**6, shared, version="v1").get(exp, Params(n=2))
    ResultCache(10, 10**6, shared, version="v2").get(exp, Params(n=2))
    assert runs == [2, 2] and len(shared.rows) == 2


def test_a_failing_shared_level_costs_a_run_not_an_error():
    class Broken:
        def get(self, key):
            raise OSError("disk gone")

        def put(self, key, experiment, body):
            raise OSError("disk gone")

    runs = []
    body = ResultCache(10, 10**6, Broken(), version="v1").get(module(runs), Params(n=1))
    assert json.loads(body)["result"] == {"values": [0.5]} and runs == [1]
