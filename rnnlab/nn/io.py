"""Save and load modules as ``.npz``: the state dict plus a JSON metadata record.

    nn.save(model, "model.npz")
    nn.save(model, buffer, extra={"vocab": "ab"})  # a file object too; ``extra`` rides in the metadata
    model2 = nn.load("model.npz")                 # rebuilt from the class name and its arguments
    nn.load("model.npz", into=model)              # or loaded into an existing module
    state, meta = nn.read_npz("model.npz")        # raw arrays: model.load_state_dict(state)

The metadata record (the ``__meta__`` member) is JSON: the format, the class
name, the constructor arguments, read back from the module's attributes of the
same names (every rnnlab module keeps its arguments as attributes), and
``extra`` if the writer gave one. Only classes exported by ``rnnlab.nn`` are
rebuilt by name; pass ``cls=`` for others. Nothing is unpickled.

``read_npz`` trusts the file as ``np.load`` does (it inflates each member and
allocates what its header declares): for your own files. A file from someone
else goes through the lab's bounded reader (``rnnlab/experiments/_npz_reader.py``),
which judges the zip directory and every header first and then reads the
metadata record with ``parse_meta`` below.
"""

from __future__ import annotations

import inspect
import json
from pathlib import Path

import numpy as np

from rnnlab.nn.module import Module

META_KEY = "__meta__"
FORMAT = "rnnlab.nn/1"


def _encode(value):
    """A constructor argument as JSON; dtypes become {"dtype": name}."""
    if isinstance(value, np.dtype) or (isinstance(value, type) and issubclass(value, np.generic)):
        return {"dtype": np.dtype(value).name}
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, tuple):
        return [_encode(v) for v in value]
    return value


def _decode(value):
    if isinstance(value, dict) and set(value) == {"dtype"}:
        if value["dtype"] not in ("float32", "float64"):
            raise ValueError(f"load: the file's dtype {str(value['dtype'])[:40]!r} is not float32 or float64")
        return np.dtype(value["dtype"])
    return value


def constructor_args(module: Module) -> dict:
    """The module's constructor arguments, read from its attributes of the same names.
    Arguments the module does not keep (e.g. ``seed``) are left out: they only
    decide the initial values, which the saved arrays replace."""
    args = {}
    for name, p in inspect.signature(type(module).__init__).parameters.items():
        if name == "self" or p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            continue
        if hasattr(module, name):
            args[name] = _encode(getattr(module, name))
        elif p.default is inspect.Parameter.empty:
            raise ValueError(
                f"save: {type(module).__name__} does not keep its required argument "
                f"{name!r} as an attribute, so it could not be rebuilt on load"
            )
    json.dumps(args)  # fails here, not on load, if an argument is not JSON
    return args


def save(module: Module, file, extra: dict | None = None) -> None:
    """Write ``module.state_dict()`` and the metadata record to ``file``: a path (exactly
    that name) or a binary file object. ``extra``, if given, is kept in the record (JSON)."""
    if not isinstance(module, Module):
        raise ValueError(f"save: expected an rnnlab.nn Module, got {type(module).__name__}")
    meta = {"format": FORMAT, "class": type(module).__name__, "args": constructor_args(module)}
    if extra is not None:
        meta["extra"] = extra
    arrays = module.state_dict()
    arrays[META_KEY] = np.array(json.dumps(meta))
    if hasattr(file, "write"):
        np.savez(file, **arrays)
        return
    with open(Path(file), "wb") as f:
        np.savez(f, **arrays)


def parse_meta(text: str, where: str) -> dict:
    """The metadata record's JSON ``text`` as a dict; ValueError naming ``where`` if it is
    not JSON, not an object, or of another format than this module writes."""
    try:
        meta = json.loads(text)
    except ValueError:  # JSONDecodeError
        raise ValueError(f"{where}'s metadata record is not JSON") from None
    shown = meta.get("format") if isinstance(meta, dict) else None
    if shown != FORMAT:
        raise ValueError(f"{where} has format {str(shown)[:40]!r}, expected {FORMAT!r}")
    return meta


def read_npz(file) -> tuple[dict[str, np.ndarray], dict]:
    """(state dict, metadata) from a file written by ``save`` (a path or a binary file object)."""
    with np.load(file if hasattr(file, "read") else Path(file), allow_pickle=False) as data:
        if META_KEY not in data.files:
            raise ValueError(f"load: {file} has no {META_KEY} record; was it written by nn.save?")
        meta = parse_meta(str(data[META_KEY]), f"load: {file}")
        state = {k: data[k] for k in data.files if k != META_KEY}
    return state, meta


def load(path, into: Module | None = None, cls: type | None = None) -> Module:
    """Rebuild the saved module (or fill ``into``) from ``path`` and return it.

    Raises ValueError when the file holds another class or other constructor
    arguments than ``into``, or arrays of other names or shapes."""
    state, meta = read_npz(path)
    if not isinstance(meta.get("args"), dict):
        raise ValueError(f"load: {path} records no constructor arguments (a JSON object)")
    args = {k: _decode(v) for k, v in meta["args"].items()}
    if into is None:
        cls = cls or _class_by_name(meta["class"])
        into = cls(**args)
    elif type(into).__name__ != meta["class"]:
        raise ValueError(f"load: {path} holds a {meta['class']}, not a {type(into).__name__}")
    else:
        mine = {k: _decode(v) for k, v in constructor_args(into).items()}
        diff = {k: (args.get(k), mine.get(k)) for k in set(args) | set(mine)
                if args.get(k) != mine.get(k) and k != "dtype"}
        if diff:
            rows = ", ".join(f"{k}: file {a!r} vs module {b!r}" for k, (a, b) in sorted(diff.items()))
            raise ValueError(f"load: {path} is for a different architecture ({rows})")
    into.load_state_dict(state)
    return into


def _class_by_name(name: str) -> type:
    from rnnlab import nn

    cls = getattr(nn, name, None)
    if not (isinstance(cls, type) and issubclass(cls, Module)):
        raise ValueError(f"load: {name!r} is not a module class in rnnlab.nn; pass cls=")
    return cls
