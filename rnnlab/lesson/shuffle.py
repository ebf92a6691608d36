"""Each learner sees a check's options (and a matching or ordering check's items)
in an order of their own, so the right answer has no favourite position.

The order is drawn from ``random.Random`` seeded with a SHA-256 of the learner's
id and the check's id: the same on every reload, in every process and after
every restart (Python's own ``hash()`` of a string is salted per process, so it
is never used here). Nothing is stored; the order is computed when a page is built.
Grading goes by id, never by position, so the order cannot change a grade.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Sequence


def seed_for(learner_id: str, check_id: str) -> int:
    """A 64-bit seed that depends only on the two ids."""
    digest = hashlib.sha256(f"{learner_id}\x00{check_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big")


def learner_order(learner_id: str, check_id: str, ids: Sequence[str], avoid: Sequence[str] = ()) -> list[str]:
    """``ids`` in this learner's order for this check.

    ``avoid``: an order not to show (an ordering check's answer); if the draw
    hits it, the first id moves to the end instead.
    """
    order = list(ids)
    random.Random(seed_for(learner_id, check_id)).shuffle(order)
    if avoid and order == list(avoid) and len(order) > 1:
        order = order[1:] + order[:1]
    return order
