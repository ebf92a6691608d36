"""Gate surgery for the LSTM (see lstm.py): which sigmoid gate is clamped to which value from
which step on, checked and spread over the steps."""

from __future__ import annotations

import numpy as np

CLAMPABLE = {"i": 0, "f": 1, "o": 2}  # the sigmoid gates and their blocks in the i, f, o, g order


def per_step(clamp_from, T: int) -> list:
    """Each step's {block: value} of clamped gates (None where no gate is clamped)."""
    if not clamp_from:
        return [None] * T
    return [{b: v for b, v, t0 in clamp_from if t >= t0} or None for t in range(T)]


def clamps(gate_override) -> tuple[tuple[int, float, int], ...]:
    """{gate: (value, from_step)} -> ((block, value, from_step), ...); ValueError on anything else."""
    clamp_from = []
    for gate, spec in dict(gate_override or {}).items():
        if gate not in CLAMPABLE:
            raise ValueError(f"gate_override: expected gates among 'i', 'f', 'o', got {gate!r}")
        try:
            value, t0 = spec
        except (TypeError, ValueError):
            raise ValueError(f"gate_override[{gate!r}]: expected (value, from_step), got {spec!r}") from None
        if isinstance(value, bool) or not isinstance(value, (int, float, np.number)) or not 0 <= value <= 1:
            raise ValueError(f"gate_override[{gate!r}]: expected a value in [0, 1], got {value!r}")
        if isinstance(t0, bool) or not isinstance(t0, (int, np.integer)) or t0 < 0:
            raise ValueError(f"gate_override[{gate!r}]: expected from_step an integer >= 0, got {t0!r}")
        clamp_from.append((CLAMPABLE[gate], float(value), int(t0)))
    return tuple(clamp_from)
