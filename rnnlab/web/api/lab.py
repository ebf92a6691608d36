"""The lab's routes: the learner's text, trained char models in and out, and decoding dates.

Stateless: a trained model travels as JSON (``PackedModel``, from a job's
final result) between the page and these routes; nothing is kept here.

    POST /api/lab/texts             raw UTF-8 text (≤ 1 MB)      -> {"text", "chars", "vocab_size"}
    POST /api/lab/char-lm/jobs      {"params": char-lm Params}   -> {"id"} (the text and weights may be large)
    POST /api/lab/char-lm/npz       {"weights", "vocab"}         -> the .npz file (``nn.load`` reads it)
    POST /api/lab/char-lm/models    a .npz file                  -> {"weights", "vocab", "cell", "hidden_size"}
    POST /api/lab/char-lm/sample    {"weights", "vocab", ...}    -> {"text", "activations"}
    POST /api/lab/seq2seq/decode    {"text", "weights"}          -> {"spec", "result"}
"""

from __future__ import annotations

from types import ModuleType
from typing import Any, Mapping

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from pydantic import BaseModel, Field

from rnnlab.experiments import char_lm, runner, seq2seq_decode
from rnnlab.experiments._npz_reader import TooLarge
from rnnlab.runtime.local import JobManager, TooManyJobs
from rnnlab.runtime.lab_models import SampleRequest, model_file, read_model_file, sample
from rnnlab.web.api.jobs import start_queued
from rnnlab.web.deps import find_experiment, get_experiments, get_jobs, get_settings, params_or_422
from rnnlab.web.settings import Settings

router = APIRouter(prefix="/api/lab", tags=["lab"])

TEXT_LIMIT = char_lm.MAX_TEXT_BYTES  # bytes of raw text
MODEL_LIMIT = 4 * 1024 * 1024  # a packed or saved model (H = 256 is ~1.8 MB as JSON)
JOB_LIMIT = 8 * 1024 * 1024  # 1 MB of text (up to 2 MB once JSON-escaped) and a model to continue from
TEXT_TYPES = ("text/", "application/octet-stream")


class CharLmJob(BaseModel):
    params: dict[str, Any] = Field(default_factory=dict, description="char-lm's Params, as JSON")


def _raw_body(media_type: str, kind: str, form: str | None = None) -> dict[str, Any]:
    """The OpenAPI entry of a body a handler reads itself (FastAPI cannot see it)."""
    schema = {"type": kind} | ({"format": form} if form else {})
    return {"requestBody": {"required": True, "content": {media_type: {"schema": schema}}}}


def _raise_422(exc: ValueError) -> None:
    raise HTTPException(422, str(exc)) from None


@router.post("/texts", max_body_size=TEXT_LIMIT, openapi_extra=_raw_body("text/plain", "string"))
async def upload_text(request: Request) -> dict[str, Any]:
    """The learner's text, checked: UTF-8, not binary, 1000 characters to 1 MB, at most 256 distinct."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind and not kind.startswith(TEXT_TYPES):
        raise HTTPException(415, f"the lab takes plain text (a .txt file), not {kind}")
    raw = await request.body()
    return await run_in_threadpool(_checked_text, raw)  # a 1 MB text takes a while: not on the event loop


def _checked_text(raw: bytes) -> dict[str, Any]:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise HTTPException(415, "this file is not UTF-8 text: the lab takes plain text (a .txt file)") from None
    controls = sum(1 for ch in text if ord(ch) < 32 and ch not in "\n\r\t")
    if "\0" in text or controls > len(text) // 100:
        raise HTTPException(415, "this file looks binary, not text: the lab takes plain text (a .txt file)")
    try:
        char_lm.check_text(text)
    except ValueError as exc:
        _raise_422(exc)
    return {"text": text, "chars": len(text), "vocab_size": len(set(text))}


@router.post("/char-lm/jobs", status_code=201, max_body_size=JOB_LIMIT)
async def start_char_lm(
    body: CharLmJob,
    request: Request,
    experiments: Mapping[str, ModuleType] = Depends(get_experiments),
    jobs: JobManager = Depends(get_jobs),
    settings: Settings = Depends(get_settings),
) -> dict[str, str]:
    """Like ``POST /api/jobs`` for char-lm, with room for the text and the weights to continue from."""
    module = find_experiment(experiments, char_lm.ID)
    params = await run_in_threadpool(params_or_422, module, body.params)  # a 1 MB text: off the event loop
    limit_s = runner.time_limit_s(module, settings.job_time_limits, settings.job_time_limit_s)
    if not isinstance(jobs, JobManager):  # a JobQueue (RedisJobs)
        return {"id": await start_queued(jobs, module, params, limit_s, request)}
    try:
        return {"id": jobs.start(module, params, limit_s).id}
    except TooManyJobs:
        raise HTTPException(429, f"{jobs.max_jobs} training jobs are already running — wait for one or cancel it") from None


@router.post("/char-lm/npz", max_body_size=MODEL_LIMIT)
def download_model(body: SampleRequest) -> Response:
    """The trained model as the ``.npz`` that ``nn.save`` writes, with its vocabulary."""
    try:
        data = model_file(body.weights, body.vocab)
    except ValueError as exc:
        _raise_422(exc)
    headers = {"Content-Disposition": 'attachment; filename="char-lm.npz"'}
    return Response(data, media_type="application/octet-stream", headers=headers)


@router.post("/char-lm/models", max_body_size=MODEL_LIMIT,
             openapi_extra=_raw_body("application/octet-stream", "string", "binary"))
async def upload_model(request: Request) -> dict[str, Any]:
    """A downloaded ``.npz`` back in: its weights and vocabulary, to sample from or continue training."""
    data = await request.body()
    try:
        return await run_in_threadpool(read_model_file, data)  # checked, then built: not on the event loop
    except TooLarge as exc:
        raise HTTPException(413, str(exc)) from None
    except ValueError as exc:
        _raise_422(exc)


@router.post("/char-lm/sample", max_body_size=MODEL_LIMIT)
def sample_text(body: SampleRequest) -> dict[str, Any]:
    try:
        return sample(body)
    except ValueError as exc:
        _raise_422(exc)


@router.post("/seq2seq/decode", max_body_size=MODEL_LIMIT)
def decode_date(body: seq2seq_decode.DecodeRequest) -> dict[str, Any]:
    """Greedy decoding of the learner's text by the models a seq2seq job trained."""
    try:
        result = seq2seq_decode.decode(body)
    except ValueError as exc:
        _raise_422(exc)
    return {"spec": seq2seq_decode.decode_chart(result).to_dict(), "result": result.model_dump(mode="json")}
