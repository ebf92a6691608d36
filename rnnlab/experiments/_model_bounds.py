"""What a model sent by a learner may be, judged from its class name and arguments before anything is built.

A model that comes back from a learner (an ``.npz`` upload, the JSON weights a
page posts) names its class and its constructor arguments. ``ModelBounds.check``
holds them against the models the experiment that trains them can make — the
bounds taken from that experiment's ``Params`` fields, so they cannot drift —
and returns the shape of every array those arguments imply. Only then is an
array read or a module built: a file claiming ``hidden_size: 8000`` is refused
before a byte is allocated for it.

    MODEL = ModelBounds(nn.CharLM, {"hidden_size": (field_range(Params, "hidden_size"),), ...})
    args, shapes = MODEL.check("CharLM", {"vocab_size": 65, "hidden_size": 128, ...})
"""

from __future__ import annotations

import inspect
import itertools
import math
import typing
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

import numpy as np
from pydantic import BaseModel

GATES = {"rnn": 1, "lstm": 4, "gru": 3}  # weight blocks per cell: h~; i f g o; r z n
DTYPES = ({"dtype": "float32"}, {"dtype": "float64"})  # as nn.save records a dtype
_SHOWN = 40  # characters of a learner's value quoted back
_JSON_TYPES = {list: "a list", str: "text", int: "a number", float: "a number", bool: "true or false",
               type(None): "null"}

Shapes = dict[str, tuple[int, ...]]


def field_range(params: type[BaseModel], name: str) -> range:
    """The whole numbers a ``Params`` int field allows (its ``ge`` and ``le``)."""
    metadata = params.model_fields[name].metadata
    ge = next(m.ge for m in metadata if hasattr(m, "ge"))
    le = next(m.le for m in metadata if hasattr(m, "le"))
    return range(ge, le + 1)


def field_choices(params: type[BaseModel], name: str) -> tuple:
    """The values a ``Params`` Literal field allows."""
    return typing.get_args(params.model_fields[name].annotation)


def recurrent_shapes(prefix: str, cell: str, I: int, H: int, L: int) -> Shapes:
    """The arrays of nn.RNN / nn.LSTM / nn.GRU (input size I, hidden size H, L layers)."""
    G = GATES[cell] * H
    shapes = {}
    for layer in range(L):
        shapes |= {f"{prefix}.weight_ih_l{layer}": (G, I if layer == 0 else H), f"{prefix}.weight_hh_l{layer}": (G, H),
                   f"{prefix}.bias_ih_l{layer}": (G,), f"{prefix}.bias_hh_l{layer}": (G,)}
    return shapes


def charlm_shapes(a: Mapping[str, Any]) -> Shapes:
    """nn.CharLM: [embedding (V, E)] -> recurrent layer -> linear (V, H)."""
    V, H, E = a["vocab_size"], a["hidden_size"], a["embedding_dim"]
    shapes = {} if E is None else {"embedding.weight": (V, E)}
    shapes |= recurrent_shapes("rnn", a["cell"], V if E is None else E, H, a["num_layers"])
    return shapes | {"linear.weight": (V, H), "linear.bias": (V,)}


def seq2seq_shapes(a: Mapping[str, Any]) -> Shapes:
    """nn.Seq2Seq: embeddings, encoder, decoder, [attention (A, H), (A, H), (A,)], linear (V_tgt, H or 2H)."""
    H, L, cell = a["hidden_size"], a["num_layers"], a["cell"]
    E = H if a["embedding_dim"] is None else a["embedding_dim"]
    A = H if a["attention_size"] is None else a["attention_size"]
    shapes = {"src_embedding.weight": (a["src_vocab"], E), **recurrent_shapes("encoder", cell, E, H, L),
              "tgt_embedding.weight": (a["tgt_vocab"], E), **recurrent_shapes("decoder", cell, E, H, L)}
    if a["attention"]:
        shapes |= {"attention.W_q": (A, H), "attention.W_k": (A, H), "attention.v": (A,)}
    out_in = 2 * H if a["attention"] else H
    return shapes | {"linear.weight": (a["tgt_vocab"], out_in), "linear.bias": (a["tgt_vocab"],)}


SHAPES: dict[str, Callable[[Mapping[str, Any]], Shapes]] = {"CharLM": charlm_shapes, "Seq2Seq": seq2seq_shapes}


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= _SHOWN else text[: _SHOWN - 1] + "…"


def _fits(value: Any, allowed: range | Any) -> bool:
    if isinstance(allowed, range):
        return type(value) is int and value in allowed
    return type(value) is type(allowed) and value == allowed  # True is not 1, 16.0 is not 16


def _said(allowed: range | Any) -> str:
    if isinstance(allowed, range):
        return f"a whole number from {allowed[0]} to {allowed[-1]}"
    if isinstance(allowed, dict):
        return allowed["dtype"]
    return "none" if allowed is None else _shown(allowed)


@dataclass(frozen=True)
class ModelBounds:
    """The models an experiment can train: each constructor argument -> the values it may take
    (ranges of whole numbers or single values). Arguments left out of ``allowed`` keep their default."""

    cls: type  # a Module class of rnnlab.nn with a shape function in SHAPES
    allowed: Mapping[str, tuple]
    labels: Mapping[str, str] = field(default_factory=dict)  # "vocab_size" -> "vocabulary size"

    def _problem(self, name: str, value: Any) -> str:
        label = self.labels.get(name, name.replace("_", " "))
        allowed = self.allowed[name]
        if len(allowed) == 1 and isinstance(allowed[0], range) and type(value) is int:
            limit = f"at most {allowed[0][-1]}" if value > allowed[0][-1] else f"at least {allowed[0][0]}"
            return f"this model's {label} is {_shown(value)}; the lab's models have {limit}"
        said = [_said(a) for a in allowed]
        said = said[0] if len(said) == 1 else ", ".join(said[:-1]) + " or " + said[-1]
        return f"this model's {label} is {_shown(value)}; the lab takes {said}"

    def check(self, cls_name: Any, args: Any) -> tuple[dict[str, Any], Shapes]:
        """(the constructor arguments to build with, the shape of every array they imply);
        ValueError with a sentence for a learner when the class or an argument is not one the lab trains."""
        name = self.cls.__name__
        if cls_name != name:
            raise ValueError(f"this is not a {name} model (it says it is a {_shown(cls_name)}); "
                             f"the lab takes {name} models here")
        if not isinstance(args, dict):
            got = _JSON_TYPES.get(type(args), "something else")
            raise ValueError(f"the model's arguments must be a JSON object, got {got}")
        unknown = sorted(k for k in args if k not in self.allowed)
        if unknown:
            raise ValueError(f"the model's arguments include {_shown(unknown[0])}, which {name} does not take")
        defaults = inspect.signature(self.cls.__init__).parameters
        full = {}
        for arg, allowed in self.allowed.items():
            value = args.get(arg, defaults[arg].default)
            if value is inspect.Parameter.empty:
                raise ValueError(f"the model's arguments lack {arg!r}, which {name} needs")
            if not any(_fits(value, a) for a in allowed):
                raise ValueError(self._problem(arg, value))
            full[arg] = value
        shapes = SHAPES[name](full)
        return {k: np.dtype(v["dtype"]) if k == "dtype" else v for k, v in full.items()}, shapes

    def extremes(self) -> list[Shapes]:
        """The arrays of the largest allowed models: every range at its top, every choice tried."""
        options = [[a[-1] if isinstance(a, range) else a for a in allowed] for allowed in self.allowed.values()]
        return [SHAPES[self.cls.__name__](dict(zip(self.allowed, combo))) for combo in itertools.product(*options)]

    def most_arrays(self) -> int:
        return max(len(shapes) for shapes in self.extremes())

    def most_values(self) -> int:
        """The most numbers any allowed model holds."""
        return max(sum(math.prod(s) for s in shapes.values()) for shapes in self.extremes())
