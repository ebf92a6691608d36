"""The lab's trained char models outside a job: sampling, the ``.npz`` download and upload.

A model arrives as ``PackedModel`` JSON plus its vocabulary (the characters in
id order), as a ``char-lm`` job's final Result carries them. The ``.npz`` is
the file ``nn.save`` writes, with the vocabulary under ``extra``::

    model = nn.load("char-lm.npz")
    vocab = nn.read_npz("char-lm.npz")[1]["extra"]["vocab"]
"""

from __future__ import annotations

import numpy as np
from pydantic import BaseModel, Field

from rnnlab import nn
from rnnlab.experiments._packing import PackedModel, from_npz, pack, to_npz, unpack
from rnnlab.experiments.char_lm import MAX_VOCAB, MODEL, unit_activations
from rnnlab.tasks.corpora import CharVocab


class SampleRequest(BaseModel):
    model_config = {"extra": "forbid"}

    weights: PackedModel
    vocab: str = Field(min_length=1, max_length=MAX_VOCAB, description="the model's characters, in id order")
    temperature: float = Field(0.8, ge=0.1, le=2.0)
    length: int = Field(400, ge=1, le=2000, description="characters to draw")
    prime: str = Field("", max_length=200, description="text the model reads first; empty: a newline")
    seed: int = Field(0, ge=0, le=10**6)


def _model(weights: PackedModel, vocab: str) -> tuple[nn.CharLM, CharVocab]:
    model = unpack(weights, MODEL)
    chars = CharVocab(vocab)  # ValueError on repeated characters
    if model.vocab_size != len(chars):
        raise ValueError(f"the model predicts {model.vocab_size} characters but the vocabulary has {len(chars)}")
    return model, chars


def sample(request: SampleRequest) -> dict:
    """{"text": prime + drawn characters, "activations": each unit's h_t over that text (base64 int8)}."""
    model, chars = _model(request.weights, request.vocab)
    prime = request.prime or ("\n" if "\n" in chars.index else chars.chars[0])
    seed_ids = chars.encode(prime)  # ValueError naming characters the model never saw
    drawn = model.sample(seed_ids, request.length, request.temperature, rng=np.random.default_rng(request.seed))
    ids = np.concatenate([seed_ids, drawn])
    return {"text": chars.decode(ids), "activations": unit_activations(model, ids)}


def model_file(weights: PackedModel, vocab: str) -> bytes:
    model, chars = _model(weights, vocab)
    return to_npz(model, {"vocab": "".join(chars.chars)})


def read_model_file(data: bytes) -> dict:
    """The weights and vocabulary of an uploaded ``.npz``; ValueError if it is not a model the lab trains."""
    model, extra = from_npz(data, MODEL)
    vocab = extra.get("vocab")
    if not isinstance(vocab, str) or not 1 <= len(vocab) <= MAX_VOCAB:
        raise ValueError("this .npz holds a CharLM but no vocabulary: save it from the lab")
    model, chars = _model(pack(model), vocab)
    return {"weights": pack(model).model_dump(), "vocab": vocab, "cell": model.cell, "hidden_size": model.hidden_size}
