"""Every experiment the lesson, the API and the CLI know, by id.

An explicit list: to add an experiment, import its module here and append it
to ``MODULES`` (keep the lesson's step order).
"""

from __future__ import annotations

from types import ModuleType

from rnnlab.experiments import bptt, hidden_state, long_range_memory, order_matters, vanishing_gradients
from rnnlab.experiments import char_lm, seq2seq
from rnnlab.experiments import architecture_match, cell_race, gru_gates, lstm_gates

MODULES: list[ModuleType] = [
    order_matters,
    hidden_state,
    bptt,
    vanishing_gradients,
    long_range_memory,
    lstm_gates,
    gru_gates,
    cell_race,
    seq2seq,
    architecture_match,
    char_lm,
]

EXPERIMENTS: dict[str, ModuleType] = {module.ID: module for module in MODULES}


def get(experiment_id: str) -> ModuleType:
    """The module registered as ``experiment_id``; raises KeyError if there is none."""
    return EXPERIMENTS[experiment_id]
