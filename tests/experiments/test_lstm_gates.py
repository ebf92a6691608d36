import json

import numpy as np
import pytest
from pydantic import ValidationError

from rnnlab import nn
from rnnlab.experiments import _gates
from rnnlab.experiments import lstm_gates as lg
from rnnlab.nn.lstm import lstm_backward, lstm_forward
from rnnlab.tasks import marked

B, T, I, H = 2, 7, 3, 4


def _case(seed=0, dtype=np.float64):
    rng = np.random.default_rng(seed)
    arrays = dict(x=rng.standard_normal((B, T, I)), h0=rng.standard_normal((B, H)), c0=rng.standard_normal((B, H)),
                  W_ih=0.5 * rng.standard_normal((4 * H, I)), W_hh=0.5 * rng.standard_normal((4 * H, H)),
                  b_ih=rng.standard_normal(4 * H), b_hh=rng.standard_normal(4 * H))
    return {k: v.astype(dtype) for k, v in arrays.items()}


def _gate(cache, block):
    return cache.ifog[:, block * H:(block + 1) * H]  # (T, H, B)


# --- the engine's gate_override (rnnlab/nn/lstm.py) ---------------------------------


def test_forget_gate_clamped_to_zero_leaves_only_what_is_written():
    a = _case()
    _, _, _, plain = lstm_forward(*a.values())
    _, _, _, cut = lstm_forward(*a.values(), gate_override={"f": (0.0, 3)})
    np.testing.assert_array_equal(cut.cs[:4], plain.cs[:4])  # c_0 (initial) … c_2 untouched
    i, g = _gate(cut, 0), cut.ifog[:, 3 * H:]
    np.testing.assert_allclose(cut.cs[4:], (i * g)[3:], atol=1e-12)  # c_t = i_t g_t for t >= 3
    assert np.all(_gate(cut, 1)[3:] == 0.0) and not np.allclose(cut.cs[4:], plain.cs[4:])


def test_forget_one_and_input_zero_freeze_the_cell_exactly():
    a = _case(1)
    _, _, cT, cache = lstm_forward(*a.values(), gate_override={"f": (1.0, 2), "i": (0.0, 2)})
    for t in range(3, T + 1):
        np.testing.assert_array_equal(cache.cs[t], cache.cs[2])
    np.testing.assert_array_equal(cT, cache.cs[2].T)


@pytest.mark.parametrize("override", [{"f": (0.3, 2)}, {"i": (1.0, 0), "o": (0.5, 4)}, {"f": (0.0, 6)}])
def test_backward_through_clamped_gates_matches_numeric_gradient(override):
    a = _case(2)
    rng = np.random.default_rng(3)
    dout, dhT, dcT = rng.standard_normal((B, T, H)), rng.standard_normal((B, H)), rng.standard_normal((B, H))

    def loss():
        out, hT, cT, _ = lstm_forward(*a.values(), gate_override=override)
        return float(np.sum(out * dout) + np.sum(hT * dhT) + np.sum(cT * dcT))

    g = lstm_backward(dout, dhT, dcT, lstm_forward(*a.values(), gate_override=override)[3])
    analytic = dict(x=g.dx, h0=g.dh0, c0=g.dc0, W_ih=g.dW_ih, W_hh=g.dW_hh, b_ih=g.db_ih, b_hh=g.db_hh)
    report = nn.gradcheck(loss, a, analytic, tol=1e-6)
    assert report.ok, report


def test_no_override_is_exactly_the_layers_forward():
    layer = nn.LSTM(I, H, dtype=np.float64, seed=4)
    x = np.random.default_rng(5).standard_normal((B, T, I))
    out, _ = layer.forward(x)
    zeros = np.zeros((B, H))
    p = layer.params
    mine, _, _, _ = lstm_forward(x, zeros, zeros, p["weight_ih_l0"], p["weight_hh_l0"], p["bias_ih_l0"],
                                 p["bias_hh_l0"], gate_override={})
    np.testing.assert_array_equal(mine, out)


@pytest.mark.parametrize("bad, words", [({"g": (0.5, 0)}, "gates among"), ({"f": (1.5, 0)}, "[0, 1]"),
                                        ({"f": (0.5, -1)}, "from_step"), ({"f": 0.5}, "(value, from_step)"),
                                        ({"f": (0.5, 1.0)}, "from_step")])
def test_bad_gate_override_is_a_value_error_saying_what_was_expected(bad, words):
    with pytest.raises(ValueError, match=words.replace("[", r"\[").replace("(", r"\(").replace(")", r"\)")):
        lstm_forward(*_case().values(), gate_override=bad)


# --- the experiment ---------------------------------------------------------------------


def _clamped_accuracy(override, T=32, clamp_from=16, n=400):
    """Held-out accuracy on strings whose marked symbol comes before clamp_from."""
    model = _gates.model("lstm")
    ids, target = marked.marked_batch(np.random.default_rng(11), n, T)
    early = np.argmax(ids == marked.ALPHABET.index(marked.MARK), axis=1) + 1 < clamp_from
    logits, _ = lg._forward(model, _gates.one_hot(ids[early]), override)
    return float(np.mean(logits.argmax(1) == target[early]))


def test_trained_lstm_solves_the_task_on_held_out_strings():
    acc = _gates.trained("lstm")[1]
    model = _gates.model("lstm")
    longest = _gates.accuracy(model.forward, marked.MAX_LEN, np.random.default_rng(12))
    print(f"held-out accuracy: {acc:.3f} over lengths, {longest:.3f} at length {marked.MAX_LEN}")
    assert acc >= 0.95 and longest >= 0.95


def test_forget_gate_clamped_to_zero_after_the_mark_destroys_the_memory():
    intact = _clamped_accuracy({})
    cut = _clamped_accuracy({"f": (0.0, 16)})
    print(f"accuracy intact {intact:.3f}, forget gate 0 from step 16: {cut:.3f} (chance 0.25)")
    assert intact >= 0.95 and cut <= 0.45


def test_input_gate_closed_from_the_start_leaves_nothing_to_remember():
    assert _clamped_accuracy({"i": (0.0, 0)}) <= 0.35


def test_cell_state_gradient_keeps_far_more_of_itself_than_the_hidden_state_gradient():
    """From the query back 30+ steps, ‖∂L/∂c_k‖ shrinks by a smaller factor than ‖∂L/∂h_k‖."""
    model = _gates.model("lstm")
    ids, target = marked.marked_batch(np.random.default_rng(13), 200, 40)
    model.forward(_gates.one_hot(ids))
    model.backward(np.eye(_gates.K, dtype=np.float32)[target])  # L = z_y for every string
    dc, dh = (np.linalg.norm(model.trace.dc, axis=2), np.linalg.norm(model.trace.dh, axis=2))  # (B, T)
    keep_c, keep_h = dc[:, :8].mean(1) / dc[:, -1], dh[:, :8].mean(1) / dh[:, -1]  # distance >= 32
    ratio = keep_c / keep_h
    print(f"median (cell keeps) / (hidden keeps) at distance >= 32: {np.median(ratio):.1f}")
    assert np.median(ratio) >= 5 and np.mean(ratio > 1) >= 0.95


def test_result_shows_the_traces_gates_and_cell_for_the_learners_string():
    r = lg.run(lg.Params(sequence="ab*cdd?", surgery="none"))
    model = _gates.model("lstm")
    ids, _ = marked.parse("ab*cdd?")
    model.forward(_gates.one_hot(ids[None]))
    np.testing.assert_allclose(r.gates["f"], model.trace.gates["f"][0].T, atol=0.006)
    np.testing.assert_allclose(r.cell, model.trace.c[0].T, atol=0.006)
    assert len(r.cell) == 8 and len(r.cell[0]) == 7 and r.target == "c"
    assert r.surgery_cell is None and r.surgery_accuracy is None
    assert len(r.grad_c) == len(r.grad_h) == 7


def test_surgery_from_after_the_end_changes_nothing():
    r = lg.run(lg.Params(sequence="ab*cdd?", surgery="forget", clamp_from=20))
    assert r.surgery_cell == r.cell and r.surgery_probs == pytest.approx(r.probs, abs=1e-4)


def test_the_query_is_added_when_missing():
    assert lg.Params(sequence="a*bcd").sequence == "a*bcd?"


@pytest.mark.parametrize("text, words", [("ab*cx?", "use only"), ("a*b*c?", "exactly one mark"),
                                         ("abcd?", "exactly one mark"), ("abc*?", "followed by a symbol"),
                                         ("a*b" + "c" * 60, "characters"), ("a?b*c?", "exactly one")])
def test_bad_sequences_are_rejected_with_a_readable_message(text, words):
    with pytest.raises(ValidationError, match=words):
        lg.Params(sequence=text)


@pytest.mark.parametrize("bad", [{"surgery": "reset"}, {"clamp_value": 1.5}, {"clamp_from": -1},
                                 {"clamp_from": 48}, {"other": 1}])
def test_out_of_range_params_are_rejected(bad):
    with pytest.raises(ValidationError):
        lg.Params(**bad)


def test_result_is_json_and_chart_has_titles_axes_and_legends():
    r = lg.run(lg.Params())
    json.loads(r.model_dump_json())
    spec = lg.chart(r).to_dict()
    gates_panel, cells, grads = spec["vconcat"]
    assert "Gates" in gates_panel["title"]["text"] and "Cell state" in cells["title"]["text"]  # panel titles: one string
    assert "surgery" in cells["title"]["subtitle"]
    for panel in spec["vconcat"]:
        view = panel["layer"][0] if "layer" in panel else panel
        assert view["encoding"]["x"]["title"] and view["encoding"]["y"]["title"]
        assert panel["width"] == "container"
    marker = spec["datasets"][cells["layer"][1]["data"]["name"]]
    assert marker[0]["t"] == r.clamp_from  # the line where surgery begins
    assert grads["encoding"]["y"]["scale"]["type"] == "log"
    assert grads["encoding"]["color"]["legend"]["orient"] == "bottom"
