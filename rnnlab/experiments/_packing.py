"""Trained models travelling as JSON (a job's result, a decode request) or as an ``.npz`` download.

A job runs in a worker process, so the weights it trained come back inside
its final Result: ``pack(model)`` gives the class name, the constructor
arguments (as ``nn.save`` records them) and every array as base64 of its
little-endian float32 bytes; ``unpack`` rebuilds the module once its class,
arguments and array shapes have passed the ``ModelBounds`` of the experiment
that trains it (``_model_bounds``). Nothing is pickled.

``to_npz`` is ``nn.save`` into bytes, with an ``extra`` record in its metadata
(the char model's vocabulary): ``nn.load`` reads it back and
``nn.read_npz(path)[1]["extra"]`` holds the extra record. ``from_npz`` reads
such bytes from a learner through the bounded reader (``_npz_reader``).
"""

from __future__ import annotations

import base64
import io
import math

import numpy as np
from pydantic import BaseModel

from rnnlab import nn
from rnnlab.experiments._model_bounds import ModelBounds
from rnnlab.experiments._npz_reader import read_model_npz
from rnnlab.nn.io import constructor_args


class PackedArray(BaseModel):
    shape: list[int]
    data: str  # base64 of the float32 values, little-endian, C order


class PackedModel(BaseModel):
    model_config = {"extra": "forbid"}

    cls: str  # a Module class exported by rnnlab.nn
    args: dict  # its constructor arguments, as nn.save records them
    arrays: dict[str, PackedArray]


def pack(model: nn.Module) -> PackedModel:
    arrays = {name: PackedArray(shape=list(a.shape), data=base64.b64encode(a.astype("<f4").tobytes()).decode("ascii"))
              for name, a in model.state_dict().items()}
    return PackedModel(cls=type(model).__name__, args=constructor_args(model), arrays=arrays)


def _build(bounds: ModelBounds, args: dict, state: dict[str, np.ndarray]) -> nn.Module:
    """The module, once ``args`` and every array's shape have passed ``bounds``."""
    for name, a in state.items():
        if not np.isfinite(a).all():
            raise ValueError(f"array {name!r} holds NaN or infinite values: this model cannot be used")
    model = bounds.cls(**args)
    model.load_state_dict(state)
    return model


def unpack(packed: PackedModel, bounds: ModelBounds) -> nn.Module:
    """The module ``packed`` describes; ValueError if it is not one ``bounds`` allows.
    Its arguments and array shapes are checked before any array is decoded or module built."""
    args, shapes = bounds.check(packed.cls, packed.args)
    missing, unexpected = sorted(set(shapes) - set(packed.arrays)), sorted(set(packed.arrays) - set(shapes))
    if missing or unexpected:
        raise ValueError(f"the model's arrays do not fit its arguments: missing {missing[:3]}, unexpected {unexpected[:3]}")
    state = {}
    for name, shape in shapes.items():
        a = packed.arrays[name]
        if tuple(a.shape) != shape:
            raise ValueError(f"array {name!r} has shape {tuple(a.shape)!s:.40}; this model's arguments imply {shape}")
        if len(a.data) != 4 * -(-4 * math.prod(shape) // 3):  # base64 of 4-byte floats, padded
            raise ValueError(f"array {name!r} does not hold 4 bytes for each of its {math.prod(shape)} values")
        try:
            raw = base64.b64decode(a.data, validate=True)
        except ValueError:
            raise ValueError(f"array {name!r} is not valid base64") from None
        state[name] = np.frombuffer(raw, dtype="<f4").reshape(shape)
    return _build(bounds, args, state)


def to_npz(model: nn.Module, extra: dict) -> bytes:
    """The bytes of the ``.npz`` that ``nn.save`` writes, with ``extra`` in its metadata."""
    buffer = io.BytesIO()
    nn.save(model, buffer, extra=extra)
    return buffer.getvalue()


def from_npz(data: bytes, bounds: ModelBounds) -> tuple[nn.Module, dict]:
    """(module, extra record) from ``.npz`` bytes; ValueError if they are not a model ``bounds`` allows.
    Judged by the zip directory and each ``.npy`` header before anything is inflated (``_npz_reader``)."""
    args, meta, state = read_model_npz(data, bounds)
    extra = meta.get("extra") or {}
    return _build(bounds, args, state), extra if isinstance(extra, dict) else {}
