"""Quick experiments' results, cached: they depend only on their params.

``ResultCache`` keeps what ``POST /api/experiments/{id}`` answers — the payload
of ``runner.evaluate(module, params)`` already encoded as JSON bytes — by
``(experiment id, canonical params JSON)``, least recently used out first,
bounded both in entries and in bytes. One cache per server process. A hit costs
a dictionary lookup instead of a run, a chart, its validation and the JSON
encoding; bytes are immutable, so no caller can change what the next one gets.

Requests for the same missing params at the same time compute it once (the
others wait for it). A run that raises (``Diverged``) is not cached.
``warm(cache, modules)`` trains the modules' small models (``runner.warm_up``)
and then puts every quick experiment's defaults in the cache.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from types import ModuleType
from typing import Iterable

from pydantic import BaseModel

from rnnlab.experiments import runner

Key = tuple[str, str]  # (experiment id, params as canonical JSON)


def encode(payload: dict) -> bytes:
    """JSON bytes exactly as FastAPI's ``JSONResponse`` would send them."""
    return json.dumps(payload, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode("utf-8")


class ResultCache:
    """A bounded LRU of quick experiments' JSON payloads; safe to share between request threads."""

    def __init__(self, max_entries: int, max_bytes: int):
        self.max_entries, self.max_bytes = max_entries, max_bytes
        self.hits = self.misses = self.bytes = 0
        self._entries: OrderedDict[Key, bytes] = OrderedDict()
        self._computing: dict[Key, threading.Lock] = {}  # one lock per key being computed
        self._lock = threading.Lock()  # guards everything above

    def __len__(self) -> int:
        return len(self._entries)

    @staticmethod
    def key(module: ModuleType, params: BaseModel) -> Key:
        """Validated params dump to the same JSON however the request spelled them (1 or 1.0, any key order)."""
        return module.ID, params.model_dump_json()

    def get(self, module: ModuleType, params: BaseModel) -> bytes:
        """The payload of ``runner.evaluate(module, params)`` as JSON bytes, from the cache or computed now."""
        key = self.key(module, params)
        with self._lock:
            body = self._lookup(key)
            if body is not None:
                return body
            computing = self._computing.setdefault(key, threading.Lock())
        with computing:  # the first request computes; the others for this key wait, then find it
            with self._lock:
                body = self._lookup(key)
                if body is not None:
                    return body
            try:
                body = encode(runner.evaluate(module, params))
            except BaseException:
                with self._lock:
                    self._computing.pop(key, None)
                raise
            with self._lock:  # stored before its lock goes, so a newcomer finds one or the other
                self.misses += 1
                self._store(key, body)
                self._computing.pop(key, None)
        return body

    def _lookup(self, key: Key) -> bytes | None:
        body = self._entries.get(key)
        if body is not None:
            self._entries.move_to_end(key)
            self.hits += 1
        return body

    def _store(self, key: Key, body: bytes) -> None:
        if len(body) > self.max_bytes or self.max_entries == 0:
            return  # larger than the whole cache: answered, not kept
        self._entries[key] = body
        self.bytes += len(body)
        while len(self._entries) > self.max_entries or self.bytes > self.max_bytes:
            _, evicted = self._entries.popitem(last=False)
            self.bytes -= len(evicted)


def warm(cache: ResultCache, modules: Iterable[ModuleType]) -> None:
    """Train the modules' small models, then cache every quick experiment at its defaults
    (a failure is logged, not raised: the first request would compute it instead)."""
    import logging

    modules = list(modules)
    runner.warm_up(modules)
    for module in modules:
        if getattr(module, "KIND", None) != "quick":
            continue
        try:
            cache.get(module, module.Params())
        except Exception:
            logging.getLogger(__name__).exception("caching the defaults of %s failed", module.ID)
