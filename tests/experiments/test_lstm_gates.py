import json

import numpy as np
import pytest
from pydantic import ValidationError

from rnnlab import nn
from rnnlab.experiments import _gates
from rnnlab.experiments import lstm_gates as lg
from rnnlab.tasks import marked

B, T, I, H = 2, 7, 3, 4
IMPLS = pytest.mark.parametrize("impl", nn.recurrent.IMPLS)


def _case(impl, seed=0):
    """A float64 nn.LSTM with weights large enough to keep the gates apart, x (B, T, I) and a
    random initial state (h0, c0), each (1, B, H)."""
    rng = np.random.default_rng(seed)
    layer = nn.LSTM(I, H, dtype=np.float64, impl=impl)
    layer.load_state_dict(dict(weight_ih_l0=0.5 * rng.standard_normal((4 * H, I)),
                               weight_hh_l0=0.5 * rng.standard_normal((4 * H, H)),
                               bias_ih_l0=rng.standard_normal(4 * H), bias_hh_l0=rng.standard_normal(4 * H)))
    x = rng.standard_normal((B, T, I))
    state0 = (rng.standard_normal((1, B, H)), rng.standard_normal((1, B, H)))
    return layer, x, state0


# --- the engine's gate_override (nn.LSTM.forward, rnnlab/nn/lstm.py) -------------------


@IMPLS
def test_forget_gate_clamped_to_zero_leaves_only_what_is_written(impl):
    layer, x, state0 = _case(impl)
    layer.forward(x, state0)
    plain = layer.trace
    layer.forward(x, state0, gate_override={"f": (0.0, 3)})
    cut = layer.trace  # c[:, t] is c_t after step t
    np.testing.assert_array_equal(cut.c[:, :3], plain.c[:, :3])  # steps 0, 1, 2 untouched
    i, g = cut.gates["i"], cut.gates["g"]
    np.testing.assert_allclose(cut.c[:, 3:], (i * g)[:, 3:], atol=1e-12)  # c_t = i_t g_t for t >= 3
    assert np.all(cut.gates["f"][:, 3:] == 0.0) and not np.allclose(cut.c[:, 3:], plain.c[:, 3:])


@IMPLS
def test_forget_one_and_input_zero_freeze_the_cell_exactly(impl):
    layer, x, state0 = _case(impl, 1)
    _, (_, cT) = layer.forward(x, state0, gate_override={"f": (1.0, 2), "i": (0.0, 2)})
    c = layer.trace.c
    for t in range(2, T):
        np.testing.assert_array_equal(c[:, t], c[:, 1])
    np.testing.assert_array_equal(cT[0], c[:, 1])


@IMPLS
@pytest.mark.parametrize("override", [{"f": (0.3, 2)}, {"i": (1.0, 0), "o": (0.5, 4)}, {"f": (0.0, 6)}])
def test_backward_through_clamped_gates_matches_numeric_gradient(impl, override):
    layer, x, state0 = _case(impl, 2)
    rng = np.random.default_rng(3)
    dout, dstate = rng.standard_normal((B, T, H)), (rng.standard_normal((1, B, H)), rng.standard_normal((1, B, H)))

    def loss():
        out, (hT, cT) = layer.forward(x, state0, gate_override=override)
        return float(np.sum(out * dout) + np.sum(hT * dstate[0]) + np.sum(cT * dstate[1]))

    layer.forward(x, state0, gate_override=override)
    dx, (dh0, dc0) = layer.backward(dout, dstate)
    arrays = dict(layer.params, x=x, h0=state0[0], c0=state0[1])
    report = nn.gradcheck(loss, arrays, dict(layer.grads, x=dx, h0=dh0, c0=dc0), tol=1e-6)
    assert report.ok, report


@IMPLS
def test_an_empty_override_is_exactly_no_override(impl):
    layer, x, state0 = _case(impl, 4)
    out, _ = layer.forward(x, state0)
    mine, _ = layer.forward(x, state0, gate_override={})
    np.testing.assert_array_equal(mine, out)


@IMPLS
@pytest.mark.parametrize("bad, words", [({"g": (0.5, 0)}, "gates among"), ({"f": (1.5, 0)}, "[0, 1]"),
                                        ({"f": (0.5, -1)}, "from_step"), ({"f": 0.5}, "(value, from_step)"),
                                        ({"f": (0.5, 1.0)}, "from_step")])
def test_bad_gate_override_is_a_value_error_saying_what_was_expected(impl, bad, words):
    layer, x, _ = _case(impl)
    with pytest.raises(ValueError, match=words.replace("[", r"\[").replace("(", r"\(").replace(")", r"\)")):
        layer.forward(x, gate_override=bad)


def test_a_gru_has_no_gate_to_clamp():
    with pytest.raises(ValueError, match="gate surgery clamps an LSTM's i, f or o gate"):
        nn.GRU(I, H).forward(np.zeros((B, T, I)), gate_override={"z": (1.0, 0)})


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
