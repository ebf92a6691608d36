"""Module: the parameter-and-gradient bookkeeping every layer and model shares.

A module owns ``params`` (name -> ndarray) and ``grads`` (same keys, same
shapes). ``backward`` *adds* into ``grads``; ``zero_grad`` clears them.
Composite models list their sub-modules in ``children`` and see their
parameters under dotted names (``"rnn.weight_hh_l0"``), as torch does.
"""

from __future__ import annotations

import numpy as np


class Module:
    """Base class: own parameters in ``_params``, sub-modules in ``children``."""

    def __init__(self) -> None:
        self._params: dict[str, np.ndarray] = {}
        self._grads: dict[str, np.ndarray] = {}
        self.children: dict[str, Module] = {}

    def add_param(self, name: str, value: np.ndarray) -> np.ndarray:
        """Register an own parameter and a zeroed gradient of the same shape and dtype."""
        self._params[name] = value
        self._grads[name] = np.zeros_like(value)
        return value

    @property
    def params(self) -> dict[str, np.ndarray]:
        """Every parameter, own and children's (dotted names), as the live arrays."""
        out = dict(self._params)
        for prefix, child in self.children.items():
            out.update({f"{prefix}.{k}": v for k, v in child.params.items()})
        return out

    @property
    def grads(self) -> dict[str, np.ndarray]:
        """Gradients with the same keys and shapes as ``params`` (live arrays)."""
        out = dict(self._grads)
        for prefix, child in self.children.items():
            out.update({f"{prefix}.{k}": v for k, v in child.grads.items()})
        return out

    def zero_grad(self) -> None:
        for g in self.grads.values():
            g.fill(0)

    def num_params(self) -> int:
        return int(sum(p.size for p in self.params.values()))

    def state_dict(self) -> dict[str, np.ndarray]:
        """Copies of every parameter, keyed as ``params`` (torch's names for the layers)."""
        return {k: v.copy() for k, v in self.params.items()}

    def load_state_dict(self, state: dict) -> None:
        """Copy values in place. Accepts ndarrays or anything ``np.asarray`` takes
        (torch tensors: pass ``{k: v.numpy() for k, v in sd.items()}``).
        Raises ValueError on a missing or unexpected key or a shape mismatch."""
        params = self.params
        missing = sorted(set(params) - set(state))
        unexpected = sorted(set(state) - set(params))
        if missing or unexpected:
            raise ValueError(
                f"load_state_dict: missing keys {missing}, unexpected keys {unexpected}"
            )
        for name, value in state.items():
            value = np.asarray(value)
            if value.shape != params[name].shape:
                raise ValueError(
                    f"load_state_dict: {name} expected shape {params[name].shape}, "
                    f"got {value.shape}"
                )
            params[name][...] = value
