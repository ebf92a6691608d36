"""A class of 50 learners clicking at once through a real ``rnnlab serve``: every write lands, none is a 500
(on a SQLite file and on PostgreSQL: ``db_url`` in tests/conftest.py)."""

import json
import threading

import httpx
import pytest
import sqlalchemy as sa
from server_process import serving

LEARNERS, ROUNDS = 50, 3  # 300 writes (a visit and an answer per round), as fast as the server takes them
CHOICES = ("a", "b", "c")


def learner(url: str, rounds: int, failures: list[str], finished: list[bool]) -> None:
    with httpx.Client(base_url=url, timeout=60) as client:
        client.get("/api/progress")  # the learner's cookie, before the writes
        for k in range(rounds):
            for path, body in (("/api/progress/visit", {"step": 1 + k % 8}),
                               ("/api/checks/step1-bag-of-words", {"choice": CHOICES[k % 3]})):
                response = client.post(path, json=body)
                if response.status_code != 200:
                    failures.append(f"{path} round {k}: {response.status_code} {response.text[:200]}")
    finished.append(True)  # not reached if a request raised (a timeout, a dropped connection)


@pytest.mark.timeout(240)
def test_fifty_learners_writing_at_once_through_the_server_lose_nothing(db_url):
    failures: list[str] = []
    finished: list[bool] = []
    with serving(db_url) as (_, url):
        threads = [threading.Thread(target=learner, args=(url, ROUNDS, failures, finished)) for _ in range(LEARNERS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert failures == [], f"{len(failures)} of {2 * LEARNERS * ROUNDS} writes failed, e.g. {failures[:3]}"
    assert len(finished) == LEARNERS
    engine = sa.create_engine(db_url)
    with engine.connect() as conn:
        histories = {}
        for learner_id, answer in conn.exec_driver_sql("SELECT learner_id, answer FROM answers ORDER BY id"):
            answer = json.loads(answer) if isinstance(answer, str) else answer  # SQLite: text; PostgreSQL: json
            histories.setdefault(learner_id, []).append(answer["choice"])
        visited = dict(conn.exec_driver_sql(
            "SELECT learner_id, count(*) FROM steps WHERE visited_at IS NOT NULL GROUP BY learner_id").all())
    engine.dispose()
    assert len(histories) == LEARNERS
    assert all(history == [CHOICES[k % 3] for k in range(ROUNDS)] for history in histories.values())
    assert set(visited.values()) == {min(ROUNDS, 8)}
