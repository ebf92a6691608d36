import json

import numpy as np
import pytest
from pydantic import ValidationError

from rnnlab.experiments import _gates
from rnnlab.experiments import gru_gates as gg
from rnnlab.tasks import marked


@pytest.fixture(scope="module")
def held_out():
    """The trained GRU's trace on 300 held-out strings of length 32: ids, h, h_prev, z, n (B, T, H)."""
    model = _gates.model("gru")
    ids, _ = marked.marked_batch(np.random.default_rng(21), 300, 32)
    model.forward(_gates.one_hot(ids))
    h = np.asarray(model.trace.h, dtype=np.float64)
    h_prev = np.concatenate([np.zeros_like(h[:, :1]), h[:, :-1]], axis=1)
    z, n = (np.asarray(model.trace.gates[g], dtype=np.float64) for g in "zn")
    return ids, h, h_prev, z, n


def test_trained_gru_solves_the_task_on_held_out_strings():
    acc = _gates.trained("gru")[1]
    longest = _gates.accuracy(_gates.model("gru").forward, marked.MAX_LEN, np.random.default_rng(22))
    print(f"held-out accuracy: {acc:.3f} over lengths, {longest:.3f} at length {marked.MAX_LEN}")
    assert acc >= 0.95 and longest >= 0.95


def test_each_new_state_lies_between_the_old_one_and_the_candidate_as_z_says(held_out):
    _, h, h_prev, z, n = held_out
    np.testing.assert_allclose(h, (1 - z) * n + z * h_prev, atol=1e-5)


def test_the_state_barely_moves_where_z_is_near_one(held_out):
    _, h, h_prev, z, _ = held_out
    move = np.abs(h - h_prev)
    kept, rewritten = move[z > 0.9].mean(), move[z < 0.5].mean()
    print(f"mean |h_t - h_(t-1)|: {kept:.4f} where z > 0.9, {rewritten:.4f} where z < 0.5")
    assert np.all(move <= 2 * (1 - z) + 1e-5)
    assert kept < 0.1 * rewritten


def test_a_memory_unit_holds_z_near_one_from_the_marked_symbol_to_the_query(held_out):
    ids, _, _, z, _ = held_out
    after = np.arange(ids.shape[1])[None, :] > np.argmax(ids == marked.ALPHABET.index(marked.MARK), axis=1)[:, None] + 1
    per_unit = np.array([[z[b, after[b], u].mean() for u in range(z.shape[2])] for b in range(len(ids))]).mean(0)
    print(f"mean z after the marked symbol, per unit: {np.round(per_unit, 3)}")
    assert per_unit.max() >= 0.95


def test_result_matches_the_trace_for_the_learners_string():
    r = gg.run(gg.Params(sequence="ab*cdd"))
    model = _gates.model("gru")
    ids, _ = marked.parse("ab*cdd")
    model.forward(_gates.one_hot(ids[None]))
    np.testing.assert_allclose(r.gates["z"], model.trace.gates["z"][0].T, atol=6e-4)
    np.testing.assert_allclose(r.hidden, model.trace.h[0].T, atol=6e-4)
    assert r.chars == list("ab*cdd?") and r.target == "c" and r.identity_error < 1e-5
    assert len(r.move) == 8 and len(r.move[0]) == 7


@pytest.mark.parametrize("text", ["ab*cx?", "a*b*c?", "abc*?", "", "a*b" + "c" * 60])
def test_bad_sequences_are_rejected(text):
    with pytest.raises(ValidationError):
        gg.Params(sequence=text)


def test_unknown_params_are_rejected():
    with pytest.raises(ValidationError):
        gg.Params(surgery="forget")


def test_result_is_json_and_chart_has_titles_axes_and_legends():
    r = gg.run(gg.Params())
    json.loads(r.model_dump_json())
    spec = gg.chart(r).to_dict()
    heat, hidden, scatter = spec["vconcat"]
    assert "gate z" in heat["title"]["text"] and "Hidden state" in hidden["title"]["text"]  # panel titles: one string
    for panel in (heat, hidden):
        assert panel["encoding"]["x"]["title"] and panel["encoding"]["y"]["title"]
    dots = scatter["layer"][1]["encoding"]
    assert "update gate" in dots["x"]["title"] and "|h_t" in dots["y"]["title"]
    assert dots["color"]["legend"]["orient"] == "bottom"
    assert spec["datasets"]["bound"][0] == {"z": 0.0, "move": 2.0, "what": "largest possible move 2 (1 − z)"}
