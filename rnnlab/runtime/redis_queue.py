"""Training jobs in Redis: an RQ queue trained by ``rnnlab worker`` processes on any machine.

``RedisJobs`` (the server's side, every replica alike) puts each job on the RQ
queue ``rnnlab``; an ``rnnlab worker`` takes it, and RQ forks a work horse per
job that runs :func:`rnnlab.runtime.redis_worker.run_job`: one BLAS thread, a
lower CPU priority, the same ``worker.perform`` as the embedded queue's
processes, its events written to Redis. Any replica follows or cancels any
job, since everything about it is in Redis (every key starts with ``rnnlab:``):

    rnnlab:job:<id>           hash: experiment, learner, class, state, time_limit_s, created, started,
                              finished, and the host and pid of the process training it
    rnnlab:job:<id>:events    stream of its last few events (what followers read)
    rnnlab:job:<id>:cancel    set by a cancel; the running job looks at most every CANCEL_CHECK_S
    rnnlab:job:<id>:alive     the work horse's heartbeat, gone ALIVE_S after its last beat
    rnnlab:learner:<id>:jobs  the learner's job ids, rnnlab:class:<code>:jobs the class's (the limits)

A job's state goes queued → running → result | error | cancelled, each move a
Lua script that looks at the state first: whoever gets there first (the job, a
cancel, a replica noticing its worker died) decides, once. The final move writes
the final event, releases the learner's and the class's slots and lets every key
of the job expire ``keep_s`` later. Counting a slot is atomic too (``START``):
a job counts while queued, or running with a live heartbeat.

A dead worker: if the work horse dies (kill -9, out of memory) RQ's worker
marks the RQ job failed at once; if the whole ``rnnlab worker`` dies, its horse
dies with it (``worker.die_with_parent``) and the heartbeat expires within
ALIVE_S. Either way the next replica that looks (a follower does every POLL_S)
ends the job with an ``error`` event. A heartbeat that expired while Redis was
away (restarted, or out of reach) is no sign of death: its worker beats again
within BEAT_S of Redis answering, so for ALIVE_S after a Redis restart, or after
this process last found Redis not answering, a missing heartbeat ends nothing.

Redis going away (restarted, crashed, out of reach) while the server runs: every
call here raises ``QueueDown`` with a sentence (the web app answers 503) within
a few seconds, never a hang: the clients connect within CONNECT_TIMEOUT_S, read
within READ_TIMEOUT_S (longer than a follower's XREAD BLOCK of POLL_S), and
retry a refused or closed connection once (a Redis back by then is not even
noticed). A follower waits up to ``outage_s`` for Redis to answer again and then
carries on where it was; a job Redis no longer has (a Redis that keeps nothing,
``--save ''``, forgets every job when it restarts) ends its stream with an
``error`` event saying so, as does a Redis that stays away. The connection pools
reconnect by themselves once Redis is back: nothing needs restarting.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import secrets
import time
from dataclasses import dataclass
from types import ModuleType
from typing import AsyncIterator

import redis
import redis.asyncio
import redis.asyncio.retry
import redis.backoff
import redis.retry
import rq
from pydantic import BaseModel
from rq.command import send_stop_job_command
from rq.exceptions import InvalidJobOperation, NoSuchJobError

from rnnlab.runtime import worker
from rnnlab.runtime.jobs import (
    Event, JobRefused, JobStatus, NoSuchJob, Owner, QueueDown, QueueUnreachable, class_limit_message,
    learner_limit_message,
)

log = logging.getLogger(__name__)

QUEUE = "rnnlab"  # the RQ queue's name
POLL_S = 0.5  # a follower waits this long for an event before it looks at the job itself
KEEPALIVE_S = 15.0  # an idle event stream gets a comment this often
CANCEL_CHECK_S = 0.1  # a running job looks for a cancel at most this often
BEAT_S = 1.0  # the work horse's heartbeat ...
ALIVE_S = 5.0  # ... and how long one lasts (a niced horse on a busy machine may beat late)
EVENTS_KEPT = 8  # a job's stream keeps its last few events: followers only need the latest
UNFINISHED_TTL_S = 24 * 3600  # a job's keys expire this long after queueing if nothing ever finishes it
BACKSTOP_S = 30.0  # RQ's own job_timeout is the job's limit plus two grace periods plus this
ENQUEUE_S = 30.0  # a job counted by START but not on RQ's queue this long after is lost (Redis went away between)
CONNECT_TIMEOUT_S = 3.0  # a Redis that does not accept a connection within this is down ...
READ_TIMEOUT_S = 5.0  # ... or one that does not answer a command within this (> POLL_S, a follower's XREAD BLOCK)
RETRIES = 1  # a refused or closed connection is tried once more (Redis restarting) before Redis is down
OUTAGE_S = 20.0  # a follower waits this long for Redis to answer again before its stream ends with an error
OUTAGE_POLL_S = 0.5  # ... asking it this often
UNAVAILABLE = (redis.ConnectionError, redis.TimeoutError)  # what a Redis that does not answer raises (asyncio too)
NOT_QUEUED = "the job never reached the training queue (Redis stopped answering while it was being queued)"
DIED = "the worker training this job stopped unexpectedly (it was killed, or its machine went away)"


def shown_url(url: str) -> str:
    """The Redis URL as a person reads it: without its password."""
    parsed = redis.connection.parse_url(url)
    if "path" in parsed:
        return f"unix://{parsed['path']}?db={parsed.get('db', 0)}"
    port = f":{parsed['port']}" if parsed.get("port") else ""
    return f"{url.split(':', 1)[0]}://{parsed.get('host', 'localhost')}{port}/{parsed.get('db', 0)}"


def _timeouts(retry_class) -> dict:
    """The clients' bounds: no call waits for a Redis that went away longer than a few seconds."""
    backoff = redis.backoff.ExponentialBackoff(cap=0.5, base=0.05)
    retry = retry_class(backoff, RETRIES, supported_errors=(redis.ConnectionError,))  # a timeout is not retried
    return {"socket_connect_timeout": CONNECT_TIMEOUT_S, "socket_timeout": READ_TIMEOUT_S, "retry": retry}


def down_message(url: str) -> str:
    """What a learner reads when Redis does not answer a request (HTTP 503)."""
    return (f"the training queue is not answering right now (Redis at {shown_url(url)}); "
            "your progress is safe — try again in a minute")


def stream_down_message(url: str) -> str:
    """How a followed job's events end when Redis stays away."""
    return (f"lost touch with the training queue (Redis at {shown_url(url)} stopped answering); "
            "your progress is safe — start the training again in a minute")


def lost_message(url: str) -> str:
    """How a followed job's events end when Redis no longer has the job (restarted keeping nothing, or emptied)."""
    return (f"the training queue (Redis at {shown_url(url)}) no longer has this job: it restarted or was emptied "
            "— start the training again")


def connect(url: str) -> redis.Redis:
    """A Redis client that has answered a PING; ``QueueUnreachable`` otherwise."""
    try:
        client = redis.Redis.from_url(url, **_timeouts(redis.retry.Retry))
        client.ping()
    except (redis.RedisError, ValueError, OSError) as exc:
        raise QueueUnreachable(f"cannot reach Redis at {shown_url(url) if '://' in url else url}: {exc}") from None
    return client


class Keys:
    def __init__(self, job_id: str):
        self.job = f"rnnlab:job:{job_id}"
        self.events, self.cancel, self.alive = f"{self.job}:events", f"{self.job}:cancel", f"{self.job}:alive"
        self.rq_job = rq.job.Job.key_for(job_id)


def learner_key(learner_id: str) -> str:
    return f"rnnlab:learner:{learner_id}:jobs"


def class_key(class_code: str) -> str:
    return f"rnnlab:class:{class_code}:jobs"


# -- the state's moves, each atomic ---------------------------------------------

_NOW = "local t = redis.call('TIME'); local now = t[1] + t[2] / 1e6\n"

# KEYS: job, learner set, class set. ARGV: id, learner limit, class limit (-1: none), experiment,
# learner, class ('' none), time limit, ttl, RQ's job key prefix, ENQUEUE_S. Returns {0, 0}, or {1 or 2, n}:
# the learner or class has n. A queued job counts while it is on RQ's queue or just being put there.
START = _NOW + """
local function active(id)
  local key = 'rnnlab:job:' .. id
  local state = redis.call('HGET', key, 'state')
  if state == 'queued' then
    if redis.call('EXISTS', ARGV[9] .. id) == 1 then return true end
    return now - tonumber(redis.call('HGET', key, 'created')) < tonumber(ARGV[10])
  end
  return state == 'running' and redis.call('EXISTS', key .. ':alive') == 1
end
local function count(set)
  local n = 0
  for _, id in ipairs(redis.call('SMEMBERS', set)) do
    if active(id) then n = n + 1 else redis.call('SREM', set, id) end
  end
  return n
end
local n = count(KEYS[2])
if n >= tonumber(ARGV[2]) then return {1, n} end
if ARGV[6] ~= '' and tonumber(ARGV[3]) >= 0 then
  n = count(KEYS[3])
  if n >= tonumber(ARGV[3]) then return {2, n} end
end
redis.call('HSET', KEYS[1], 'experiment', ARGV[4], 'learner', ARGV[5], 'class', ARGV[6], 'state', 'queued',
           'time_limit_s', ARGV[7], 'created', now)
redis.call('EXPIRE', KEYS[1], ARGV[8])
redis.call('SADD', KEYS[2], ARGV[1])
redis.call('EXPIRE', KEYS[2], ARGV[8])
if ARGV[6] ~= '' then
  redis.call('SADD', KEYS[3], ARGV[1])
  redis.call('EXPIRE', KEYS[3], ARGV[8])
end
return {0, 0}
"""

# KEYS: job, alive. ARGV: heartbeat ms, host, pid. The work horse takes a queued job (1), or finds it cancelled (0).
BEGIN = _NOW + """
if redis.call('HGET', KEYS[1], 'state') ~= 'queued' then return 0 end
redis.call('HSET', KEYS[1], 'state', 'running', 'started', now, 'host', ARGV[2], 'pid', ARGV[3])
redis.call('SET', KEYS[2], '1', 'PX', ARGV[1])
return 1
"""

# KEYS: job, alive. ARGV: heartbeat ms. 0: the job was ended by someone else (stop training).
BEAT = """
if redis.call('HGET', KEYS[1], 'state') ~= 'running' then return 0 end
redis.call('SET', KEYS[2], '1', 'PX', ARGV[1])
return 1
"""

# KEYS: job, events. ARGV: data, stream length. Progress only while running (never after the end).
PROGRESS = """
if redis.call('HGET', KEYS[1], 'state') ~= 'running' then return 0 end
redis.call('XADD', KEYS[2], 'MAXLEN', ARGV[2], '*', 'kind', 'progress', 'data', ARGV[1])
return 1
"""

# KEYS: job, events, cancel, alive. ARGV: kind, data, keep ms, stream length, required state ('' any), id.
FINISH = _NOW + """
local state = redis.call('HGET', KEYS[1], 'state')
if state ~= 'queued' and state ~= 'running' then return 0 end
if ARGV[5] ~= '' and state ~= ARGV[5] then return 0 end
redis.call('HSET', KEYS[1], 'state', ARGV[1], 'finished', now)
redis.call('XADD', KEYS[2], 'MAXLEN', ARGV[4], '*', 'kind', ARGV[1], 'data', ARGV[2])
redis.call('SREM', 'rnnlab:learner:' .. redis.call('HGET', KEYS[1], 'learner') .. ':jobs', ARGV[6])
local class = redis.call('HGET', KEYS[1], 'class')
if class and class ~= '' then redis.call('SREM', 'rnnlab:class:' .. class .. ':jobs', ARGV[6]) end
redis.call('DEL', KEYS[4])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
redis.call('PEXPIRE', KEYS[2], ARGV[3])
redis.call('PEXPIRE', KEYS[3], ARGV[3])
return 1
"""


def _finish_args(job_id: str, kind: str, data: dict, keep_s: float, require: str = "") -> list:
    return [kind, json.dumps(data, separators=(",", ":")), int(keep_s * 1000), EVENTS_KEPT, require, job_id]


def _event(fields: dict) -> Event:
    return Event(fields[b"kind"].decode(), json.loads(fields[b"data"]))


# -- the server's side (every replica) --------------------------------------------


class RedisJobs:
    """``JobQueue`` on RQ and Redis; see the module's docstring."""

    def __init__(self, url: str, *, learner_jobs: int = 2, class_jobs: int | None = None, grace_s: float = 3.0,
                 keep_s: float = 300.0, progress_interval_s: float = 0.25):
        self.url, self.learner_jobs, self.class_jobs = url, learner_jobs, class_jobs
        self.grace_s, self.keep_s, self.progress_interval_s = grace_s, keep_s, progress_interval_s
        self.sync = connect(url)  # RQ's own calls (enqueue, cancel, stop), made in a thread
        self.queue = rq.Queue(QUEUE, connection=self.sync)
        self._client: redis.asyncio.Redis | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stoppers: set[asyncio.Task] = set()
        self.outage_s = OUTAGE_S  # how long a follower waits for Redis to come back
        self._unanswered_at = -ALIVE_S  # time.monotonic() when this process last found Redis not answering

    def __repr__(self) -> str:
        return f"RedisJobs({shown_url(self.url)!r})"

    def _redis(self) -> redis.asyncio.Redis:
        """The async client of the running event loop (a test may run the app on more than one loop)."""
        loop = asyncio.get_running_loop()
        if self._client is None or self._loop is not loop:
            self._client = redis.asyncio.Redis.from_url(self.url, **_timeouts(redis.asyncio.retry.Retry))
            self._loop = loop
            self._scripts = {name: self._client.register_script(source) for name, source in
                             (("start", START), ("finish", FINISH))}
        return self._client

    async def start(self, module: ModuleType, params: BaseModel, time_limit_s: float, owner: Owner) -> str:
        with self._answering():
            r, job_id = self._redis(), secrets.token_urlsafe(9)
            keys, class_code = Keys(job_id), owner.class_code or ""
            class_limit = -1 if self.class_jobs is None else self.class_jobs
            refused, n = await self._scripts["start"](
                keys=[keys.job, learner_key(owner.learner_id), class_key(class_code)],
                args=[job_id, self.learner_jobs, class_limit, module.ID, owner.learner_id, class_code, time_limit_s,
                      UNFINISHED_TTL_S, rq.job.Job.redis_job_namespace_prefix, ENQUEUE_S], client=r)
            if refused == 1:
                raise JobRefused(learner_limit_message(n))
            if refused == 2:
                raise JobRefused(class_limit_message(n))
            try:
                await asyncio.to_thread(self._enqueue, job_id, module, params, time_limit_s)
            except BaseException:
                await self._finish(job_id, "error", {"message": "the job could not be queued"})
                raise
            return job_id

    def _enqueue(self, job_id: str, module: ModuleType, params: BaseModel, time_limit_s: float) -> None:
        self.queue.enqueue(
            "rnnlab.runtime.redis_worker.run_job", args=(job_id, module.__name__, params.model_dump_json(), time_limit_s, self.grace_s,
                           self.progress_interval_s, self.keep_s),
            job_id=job_id, description=f"{module.ID} {job_id}",
            job_timeout=int(time_limit_s + 2 * self.grace_s + BACKSTOP_S),
            result_ttl=int(self.keep_s), failure_ttl=int(self.keep_s),
        )

    async def status(self, job_id: str) -> JobStatus:
        with self._answering():
            fields = await self._fields(job_id)
            if await self._ended_unseen(job_id, fields):
                fields = await self._fields(job_id)
            return _status(job_id, fields)

    async def follow(self, job_id: str) -> AsyncIterator[Event | None]:
        """The job's events (see ``_events``), carried on across a Redis outage of up to ``outage_s``."""
        with self._answering():
            await self._fields(job_id)  # NoSuchJob or QueueDown before anything is sent
        seen = _Seen()
        while True:
            try:
                async for event in self._events(job_id, seen):
                    yield event
                return
            except UNAVAILABLE as exc:
                self._unanswered_at = time.monotonic()
                log.warning("job %s: Redis at %s stopped answering a follower: %s", job_id, shown_url(self.url), exc)
            said_at = time.monotonic()
            deadline = said_at + self.outage_s
            while not await self._answers():
                if time.monotonic() >= deadline:
                    yield Event("error", {"message": stream_down_message(self.url)})
                    return
                await asyncio.sleep(OUTAGE_POLL_S)
                if time.monotonic() - said_at >= KEEPALIVE_S:
                    said_at = time.monotonic()
                    yield None

    async def _events(self, job_id: str, seen: _Seen) -> AsyncIterator[Event | None]:
        """The latest event (two if they are the last progress and the end), then each new one, ending with the
        final one; ``None`` as a keep-alive. ``seen`` is where it got to, for carrying on after an outage."""
        r, keys = self._redis(), Keys(job_id)
        if seen.last == "0-0":
            recent = list(reversed(await r.xrevrange(keys.events, count=2)))
            if recent:
                latest = [_event(fields) for _, fields in recent]
                seen.last = recent[-1][0]
                for event in latest if latest[-1].final and latest[0].kind == "progress" else latest[-1:]:
                    yield event
                if latest[-1].final:
                    return
        said_at = time.monotonic()
        while True:
            fields = await r.hgetall(keys.job)
            if fields.get(b"state") == b"queued":
                n = await r.lpos(self.queue.key, job_id)
                if n is not None and n != seen.ahead:
                    seen.ahead, said_at = n, time.monotonic()
                    yield Event("queued", {"ahead": n})
            elif fields:
                await self._ended_unseen(job_id, fields)  # its final event is then in the stream
            found = await r.xread({keys.events: seen.last}, block=int(POLL_S * 1000))
            for entry_id, entry in found[0][1] if found else ():
                seen.last, said_at = entry_id, time.monotonic()
                event = _event(entry)
                yield event
                if event.final:
                    return
            if not fields and not found:  # gone before its end: a restarted Redis (or one emptied) forgot it
                yield Event("error", {"message": lost_message(self.url)})
                return
            if time.monotonic() - said_at >= KEEPALIVE_S:
                said_at = time.monotonic()
                yield None

    async def _answers(self) -> bool:
        """Whether Redis answers a PING."""
        try:
            return bool(await self._redis().ping())
        except UNAVAILABLE:
            self._unanswered_at = time.monotonic()
            return False

    async def cancel(self, job_id: str) -> JobStatus:
        with self._answering():
            status = await self.status(job_id)
            if status.state == "queued":
                if await self._finish(job_id, "cancelled", {}, require="queued"):
                    await asyncio.to_thread(self._rq_cancel, job_id)
                    return await self.status(job_id)
                status = await self.status(job_id)  # a worker took it just now
            if status.state == "running":
                await self._redis().set(Keys(job_id).cancel, "1", px=int(self.keep_s * 1000))
                task = asyncio.get_running_loop().create_task(self._stop_after_grace(job_id))
                self._stoppers.add(task)
                task.add_done_callback(self._stoppers.discard)
            return status

    async def shutdown(self) -> None:
        """Wait for hard stops already asked for, then close this process's connections (jobs run on)."""
        if self._stoppers:
            await asyncio.wait(list(self._stoppers), timeout=self.grace_s + 2)
        if self._client is not None:
            await self._client.aclose()
            self._client = None
        self.sync.close()

    # -- helpers ----------------------------------------------------------------

    @contextlib.contextmanager
    def _answering(self):
        """A Redis that does not answer becomes ``QueueDown``, with the sentence the learner reads."""
        try:
            yield
        except UNAVAILABLE as exc:
            self._unanswered_at = time.monotonic()
            log.warning("Redis at %s does not answer: %s", shown_url(self.url), exc)
            raise QueueDown(down_message(self.url)) from None

    async def _fields(self, job_id: str) -> dict:
        fields = await self._redis().hgetall(Keys(job_id).job)
        if not fields:
            raise NoSuchJob(job_id)
        return fields

    async def _finish(self, job_id: str, kind: str, data: dict, require: str = "") -> bool:
        keys = Keys(job_id)
        return bool(await self._scripts["finish"](keys=[keys.job, keys.events, keys.cancel, keys.alive],
                                                  args=_finish_args(job_id, kind, data, self.keep_s, require),
                                                  client=self._redis()))

    async def _ended_unseen(self, job_id: str, fields: dict) -> bool:
        """End a job whose work horse is gone without saying so (killed, or past its time limit); whether it did."""
        state = fields.get(b"state", b"").decode()
        if state not in ("queued", "running"):
            return False
        r, keys = self._redis(), Keys(job_id)
        rq_status = (await r.hget(keys.rq_job, "status") or b"").decode()
        never_queued = (state == "queued" and not rq_status  # no RQ job: being queued, or lost on the way
                        and await self._now() - float(fields[b"created"]) >= ENQUEUE_S)
        if state == "queued" and rq_status not in ("failed", "stopped", "canceled") and not never_queued:
            return False
        if state == "running" and rq_status not in ("failed", "stopped") and (
                await r.exists(keys.alive) or await self._just_back()):
            return False
        if await r.exists(keys.cancel):
            kind, data = "cancelled", {}
        elif never_queued:
            kind, data = "error", {"message": NOT_QUEUED}
        else:
            started = float(fields.get(b"started") or fields[b"created"])
            limit_s = float(fields[b"time_limit_s"])
            over = await self._now() - started >= limit_s
            kind, data = "error", {"message": worker.time_limit_message(limit_s) if over else DIED}
        return await self._finish(job_id, kind, data, require=state)

    async def _just_back(self) -> bool:
        """Whether Redis is back from an outage so recently that a worker alive through it may not have beaten
        since: it restarted less than ALIVE_S ago, or this process found it not answering as recently."""
        if time.monotonic() - self._unanswered_at < ALIVE_S:
            return True
        try:
            uptime_s = (await self._redis().info("server")).get("uptime_in_seconds", ALIVE_S)
        except redis.ResponseError:  # INFO renamed away (a hardened redis.conf): this process's word alone
            return False
        return float(uptime_s) < ALIVE_S

    async def _now(self) -> float:
        """Redis's clock, which the scripts' times are on."""
        seconds, micros = await self._redis().time()
        return seconds + micros / 1e6

    async def _stop_after_grace(self, job_id: str) -> None:
        """A cancelled job still running after ``grace_s`` is stopped by RQ (its worker kills the horse)."""
        await asyncio.sleep(self.grace_s)
        try:
            await self._stop(job_id)
        except UNAVAILABLE as exc:  # its worker, without Redis either, stops it by its time limit
            log.warning("job %s: could not stop it after its cancel, Redis does not answer: %s", job_id, exc)

    async def _stop(self, job_id: str) -> None:
        fields = await self._redis().hgetall(Keys(job_id).job)
        if fields.get(b"state") != b"running":
            return
        try:
            await asyncio.to_thread(send_stop_job_command, self.sync, job_id)
        except (InvalidJobOperation, NoSuchJobError):
            pass  # it ended meanwhile
        await self._finish(job_id, "cancelled", {}, require="running")

    def _rq_cancel(self, job_id: str) -> None:
        """Take a cancelled job off RQ's queue (were a worker to take it anyway, ``BEGIN`` would refuse it)."""
        try:
            rq.job.Job.fetch(job_id, connection=self.sync).cancel()
        except (InvalidJobOperation, NoSuchJobError):
            pass


@dataclass
class _Seen:
    """How far a follower got: kept across a Redis outage, so that it carries on rather than starts over."""

    last: str = "0-0"  # the last stream entry it sent
    ahead: int | None = None  # the queue position it last said


def _status(job_id: str, fields: dict) -> JobStatus:
    class_code = fields.get(b"class", b"").decode() or None
    return JobStatus(job_id, fields[b"experiment"].decode(), Owner(fields[b"learner"].decode(), class_code),
                     fields[b"state"].decode())
