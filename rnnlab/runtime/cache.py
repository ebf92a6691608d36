"""Quick experiments' results, cached: they depend only on their params.

``ResultCache`` keeps what ``POST /api/experiments/{id}`` answers — the payload
of ``runner.evaluate(module, params)`` already encoded as JSON bytes — by
``(experiment id, canonical params JSON)``, least recently used out first,
bounded both in entries and in bytes. One cache per server process. A hit costs
a dictionary lookup instead of a run, a chart and the JSON
encoding; bytes are immutable, so no caller can change what the next one gets.

Behind it, optionally, a level every server process shares (``Shared``: the
store's ``results`` table, :mod:`rnnlab.store.results`). A miss here asks it
before computing, and what is computed is put there too, under ``shared_key``:
the SHA-256 of the experiment id, the canonical params and ``code_version()``
(a hash of the source of everything a result can depend on), so a changed
experiment or engine never serves an old result.

Requests for the same missing params at the same time compute it once per
process (the others wait for it). A run that raises (``Diverged``) is not cached.
``warm(cache, modules)`` trains the modules' small models (``runner.warm_up``)
and then puts every quick experiment's defaults in the cache (from the shared
level when another process already put them there).
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import threading
from collections import OrderedDict
from pathlib import Path
from types import ModuleType
from typing import Callable, Iterable, Protocol

from pydantic import BaseModel

import rnnlab
from rnnlab.experiments import runner

Key = tuple[str, str]  # (experiment id, params as canonical JSON)
SOURCES = ("nn", "tasks", "experiments")  # the packages a quick experiment's result can depend on


@functools.cache
def code_version() -> str:
    """SHA-256 of rnnlab's version and every file under ``SOURCES`` (code and data), read once per process."""
    root = Path(rnnlab.__file__).parent
    digest = hashlib.sha256(rnnlab.__version__.encode())
    for folder in SOURCES:
        for path in sorted((root / folder).rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def shared_key(key: Key, version: str) -> str:
    """The key of a result in the shared level: SHA-256 hex of experiment id, params and code version."""
    experiment, params = key
    return hashlib.sha256(f"{experiment}\0{params}\0{version}".encode()).hexdigest()


class Shared(Protocol):
    """A cache of payloads every server process sees (``rnnlab.store.results.StoredResults``)."""

    def get(self, key: str) -> bytes | None: ...

    def put(self, key: str, experiment: str, body: bytes) -> None: ...


def encode(payload: dict) -> bytes:
    """JSON bytes exactly as FastAPI's ``JSONResponse`` would send them."""
    return json.dumps(payload, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode("utf-8")


def computed_here(module: ModuleType, params: BaseModel) -> bytes:
    """The payload of ``runner.evaluate``, computed in this process's thread, as JSON bytes (the chart's
    schema check skipped: see ``runner.payload``)."""
    return encode(runner.evaluate(module, params, validate=False))


class ResultCache:
    """A bounded LRU of quick experiments' JSON payloads; safe to share between request threads."""

    def __init__(self, max_entries: int, max_bytes: int, shared: Shared | None = None, version: str | None = None,
                 compute: Callable[[ModuleType, BaseModel], bytes] | None = None):
        self.max_entries, self.max_bytes = max_entries, max_bytes
        self.compute = compute or computed_here  # or ``rnnlab.runtime.compute.Computer``: in helper processes
        self.shared, self.version = shared, version or code_version()
        self.hits = self.misses = self.shared_hits = self.bytes = 0
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
                body, computed = self._shared_or_computed(module, key, params)
            except BaseException:
                with self._lock:
                    self._computing.pop(key, None)
                raise
            with self._lock:  # stored before its lock goes, so a newcomer finds one or the other
                self.misses += computed
                self.shared_hits += not computed
                self._store(key, body)
                self._computing.pop(key, None)
        return body

    def _shared_or_computed(self, module: ModuleType, key: Key, params: BaseModel) -> tuple[bytes, bool]:
        """(payload, whether it was computed here): from the shared level if it has it, else run and shared."""
        if self.shared is None:
            return self.compute(module, params), True
        digest = shared_key(key, self.version)
        try:
            body = self.shared.get(digest)
        except Exception:  # the shared level is an optimisation: a database hiccup costs a run, not an error
            logging.getLogger(__name__).exception("reading the shared result cache failed")
            body = None
        if body is not None:
            return body, False
        body = self.compute(module, params)
        try:
            self.shared.put(digest, module.ID, body)
        except Exception:
            logging.getLogger(__name__).exception("writing the shared result cache failed")
        return body, True

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
    modules = list(modules)
    runner.warm_up(modules)
    for module in modules:
        if getattr(module, "KIND", None) != "quick":
            continue
        try:
            cache.get(module, module.Params())
        except Exception:
            logging.getLogger(__name__).exception("caching the defaults of %s failed", module.ID)
