"""Trained models travelling as JSON (a job's result, a decode request) or as an ``.npz`` download.

A job runs in a worker process, so the weights it trained come back inside
its final Result: ``pack(model)`` gives the class name, the constructor
arguments (as ``nn.save`` records them) and every array as base64 of its
little-endian float32 bytes; ``unpack`` rebuilds the module. Only classes
exported by ``rnnlab.nn`` are rebuilt. Nothing is pickled.

``to_npz`` writes the file ``nn.save`` would write, plus an ``extra`` record
in its metadata (the char model's vocabulary), so ``nn.load`` reads it back
and ``nn.read_npz(path)[1]["extra"]`` holds the extra record.
"""

from __future__ import annotations

import base64
import io
import json

import numpy as np
from pydantic import BaseModel

from rnnlab import nn
from rnnlab.nn.io import FORMAT, META_KEY, constructor_args

MAX_ARRAYS = 64  # a packed model names at most this many arrays
MAX_VALUES = 2_000_000  # ... holding at most this many numbers in all


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


def _rebuild(cls: str, args: dict, state: dict[str, np.ndarray], expected: type) -> nn.Module:
    if cls != expected.__name__:
        raise ValueError(f"expected a {expected.__name__} model, got {cls!r}")
    if len(state) > MAX_ARRAYS or sum(a.size for a in state.values()) > MAX_VALUES:
        raise ValueError("the model is larger than any this lab trains")
    args = {k: np.dtype(v["dtype"]) if isinstance(v, dict) and set(v) == {"dtype"} else v for k, v in args.items()}
    try:
        model = expected(**args)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"the model's arguments do not fit {expected.__name__}: {exc}") from None
    model.load_state_dict(state)  # ValueError on missing, unexpected or misshapen arrays
    return model


def unpack(packed: PackedModel, expected: type) -> nn.Module:
    """The module ``packed`` describes; ValueError if it is not an ``expected`` or does not fit."""
    if len(packed.arrays) > MAX_ARRAYS:
        raise ValueError("the model is larger than any this lab trains")
    state = {}
    for name, a in packed.arrays.items():
        if any(n < 0 for n in a.shape) or int(np.prod(a.shape)) > MAX_VALUES:
            raise ValueError(f"array {name!r} has an impossible shape {a.shape}")
        try:
            raw = base64.b64decode(a.data, validate=True)
        except ValueError:
            raise ValueError(f"array {name!r} is not valid base64") from None
        if len(raw) != 4 * int(np.prod(a.shape)):
            raise ValueError(f"array {name!r} holds {len(raw)} bytes, not 4 × {a.shape}")
        state[name] = np.frombuffer(raw, dtype="<f4").reshape(a.shape)
    return _rebuild(packed.cls, packed.args, state, expected)


def to_npz(model: nn.Module, extra: dict) -> bytes:
    """The bytes of the ``.npz`` that ``nn.save`` writes, with ``extra`` added to its metadata."""
    meta = {"format": FORMAT, "class": type(model).__name__, "args": constructor_args(model), "extra": extra}
    arrays = model.state_dict()
    arrays[META_KEY] = np.array(json.dumps(meta))
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def from_npz(data: bytes, expected: type) -> tuple[nn.Module, dict]:
    """(module, extra record) from ``.npz`` bytes; ValueError if they are not an ``expected`` saved by rnnlab."""
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as npz:
            if META_KEY not in npz.files:
                raise ValueError("this .npz was not written by rnnlab (no metadata record)")
            meta = json.loads(str(npz[META_KEY]))
            state = {k: npz[k] for k in npz.files if k != META_KEY}
    except ValueError:
        raise
    except Exception as exc:  # noqa: BLE001 - zipfile, OSError, EOFError ...: not an npz
        raise ValueError(f"this is not an .npz file ({type(exc).__name__})") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise ValueError(f"this .npz has format {meta.get('format') if isinstance(meta, dict) else None!r}, expected {FORMAT!r}")
    model = _rebuild(meta.get("class"), meta.get("args") or {}, state, expected)
    return model, meta.get("extra") or {}
