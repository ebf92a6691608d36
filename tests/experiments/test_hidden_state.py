import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from rnnlab.experiments import hidden_state as hs


def test_model_learned_shakespeare_well_beyond_guessing():
    r = hs.run(hs.Params(text="To be, or not to b"))
    assert r.train_loss < r.uniform_loss - 1.5
    assert "e" in r.next_chars[:2]


def test_memory_matches_one_backward_per_hidden_unit():
    m = hs.model()
    ids = hs.vocab().encode("First Citizen:")
    x = np.eye(len(hs.vocab()), dtype=np.float32)[ids][None]
    t = 9
    got = hs.memory(m, x, t)
    squares = np.zeros(t + 1)
    for unit in range(m.hidden_size):
        m.rnn.forward(x[:, : t + 1])
        dout = np.zeros((1, t + 1, m.hidden_size), dtype=np.float32)
        dout[0, t, unit] = 1.0
        dx, _ = m.rnn.backward(dout)
        squares += np.sum(dx[0].astype(np.float64) ** 2, axis=1)
    assert np.allclose(got, np.sqrt(squares), rtol=1e-5)


def test_memory_fades_with_distance():
    r = hs.run(hs.Params(text="Now is the winter of our discontent made glorious summer"))
    mem = np.array(r.memory)
    assert len(mem) == r.step == 56
    assert mem[-1] > 1e3 * mem[0]
    assert np.mean(mem[-10:]) > 100 * np.mean(mem[:10])


def test_memory_of_the_first_of_200_characters_is_tiny_but_not_zero():
    from rnnlab.tasks.corpora import shakespeare

    r = hs.run(hs.Params(text=shakespeare()[1000:1200]))
    assert len(r.memory) == 200
    assert 0 < r.memory[0] < 1e-20


def test_hidden_state_grid_covers_every_character_and_unit():
    r = hs.run(hs.Params(text="abc de", step=3))
    h = np.array(r.hidden)
    assert h.shape == (6, hs.HIDDEN)
    assert np.all(np.abs(h) <= 1.0)
    assert r.step == 3 and len(r.memory) == 3


def test_step_beyond_the_text_is_clamped_to_its_end():
    assert hs.run(hs.Params(text="hello", step=150)).step == 5


def test_run_is_deterministic():
    assert hs.run(hs.Params()) == hs.run(hs.Params())


@pytest.mark.parametrize("bad", [{"text": "price: 42 €"}, {"text": "x" * 201}, {"text": "a"},
                                 {"step": -1}, {"step": 201}, {"mode": "x"}])
def test_bad_params_are_rejected(bad):
    with pytest.raises(ValidationError):
        hs.Params(**bad)


def test_unknown_characters_are_named_in_the_error():
    with pytest.raises(ValidationError) as err:
        hs.Params(text="I owe you 42 €")
    assert "'24€'" in str(err.value)


def test_result_is_json_and_chart_has_titles_axes_and_legends():
    r = hs.run(hs.Params())
    json.loads(r.model_dump_json())
    spec = hs.chart(r).to_dict()
    heat, mem = spec["vconcat"]
    assert heat["title"]["text"] and mem["title"]["text"]
    assert heat["layer"][0]["encoding"]["x"]["title"] and heat["layer"][0]["encoding"]["y"]["title"]
    assert heat["layer"][0]["encoding"]["color"]["legend"]["orient"] == "bottom"
    assert mem["encoding"]["y"]["scale"]["type"] == "log"
    assert mem["encoding"]["color"]["legend"]["orient"] == "bottom"


@settings(max_examples=10, deadline=None)
@given(text=st.text(alphabet="".join(hs.vocab().chars), min_size=2, max_size=200), step=st.integers(0, 200))
def test_any_text_in_the_alphabet_gives_finite_json(text, step):
    r = hs.run(hs.Params(text=text, step=step))
    assert len(r.hidden) == len(text) and 1 <= r.step <= len(text) and len(r.memory) == r.step
    assert np.all(np.isfinite(r.memory)) and np.all(np.array(r.memory) > 0)
    json.loads(r.model_dump_json())
