"""What a predict check measures: named functions from an experiment's ``Result``
to the number or choice the learner predicted.

Each takes the result (duck-typed: this module imports no experiment) and
returns ``{"value": number or option id, ...}``; the other keys are facts the
check's feedback may quote as ``{{name}}``. A check names its measure in YAML
(``measure: gradient_left_at_50``); only the functions in ``MEASURES`` can be named.
"""

from __future__ import annotations

import math
from typing import Any, Callable


def first_character_pull(result: Any) -> dict[str, Any]:
    """hidden-state: ‖∂h_t/∂x_1‖ / ‖∂h_t/∂x_t‖, how much the first character still moves h_t
    compared with the latest one, and the average factor per character back."""
    memory, t = result.memory, result.step
    ratio = memory[0] / memory[-1]
    return {"value": ratio, "t": t, "per_step": ratio ** (1 / (t - 1)) if t > 1 and ratio > 0 else ratio}


def gradient_left_at_50(result: Any) -> dict[str, Any]:
    """vanishing-gradients: ‖∂L/∂h_{T−50}‖ / ‖∂L/∂h_T‖, the fraction left 50 steps back."""
    norms = result.grad_norm
    return {"value": norms[50] / norms[0], "decay": result.decay_per_step, "sigma_max": result.sigma_max,
            "rho_50": result.spectral_radius ** 50}


def surgery_accuracy(result: Any) -> dict[str, Any]:
    """lstm-gates: held-out accuracy with the gate clamped (chance is 1 / 4 symbols)."""
    return {"value": result.surgery_accuracy, "intact": result.accuracy, "chance": 1 / len(result.probs)}


def bag_of_words_answer(result: Any) -> dict[str, Any]:
    """order-matters: the noun the bag-of-words model names (an option id), and the RNN's."""
    return {"value": result.bow_answer, "rnn": result.rnn_answer}


def largest_move_where_z_high(result: Any) -> dict[str, Any]:
    """gru-gates: the largest |h_t − h_{t−1}| over units and steps where z_t > 0.9, as a
    band (an option id: "small" below 0.2, "middling" up to 1, "large" above 1), with the number itself."""
    moves = [m for z_row, m_row in zip(result.gates["z"], result.move) for z, m in zip(z_row, m_row) if z > 0.9]
    top = max(moves) if moves else 0.0
    band = "small" if top < 0.2 else "middling" if top <= 1 else "large"
    return {"value": band, "largest": top, "cells": len(moves)}


MEASURES: dict[str, Callable[[Any], dict[str, Any]]] = {
    f.__name__: f for f in (first_character_pull, gradient_left_at_50, surgery_accuracy, bag_of_words_answer,
                            largest_move_where_z_high)
}


def fmt(x: Any) -> str:
    """A measured number as the feedback prints it: 3 significant digits, or 2 in e-notation."""
    if not isinstance(x, (int, float)) or isinstance(x, bool):
        return str(x)
    if x == 0 or 1e-3 <= abs(x) < 1e4:
        return f"{x:.3g}"
    return f"{x:.2g}" if math.isfinite(x) else str(x)
