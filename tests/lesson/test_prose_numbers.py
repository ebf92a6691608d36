"""Every number the lesson's prose takes from an experiment, or works out, held at the
settings the prose names. One test per claim, named for it; the tolerance is stated
in each. If a change to the engine or to a default breaks a sentence, a test here fails:
fix the sentence (and this test) or the change.

Each test quotes the sentence it holds (step and section), so the two can be found together.
"""

import math

import numpy as np
import pytest

from rnnlab import nn
from rnnlab.experiments import _applications, _gates, architecture_match, cell_race, gru_gates, hidden_state, lstm_gates, seq2seq
from rnnlab.experiments import long_range_memory, vanishing_gradients
from rnnlab.lesson import load_lesson
from rnnlab.tasks import marked
from rnnlab.tasks.adding import adding_baseline_mse, adding_batch


def _prose(step: int) -> str:
    return load_lesson().step(step).html


def _sigmoid(x: float) -> float:
    return 1 / (1 + math.exp(-x))


# --- step 2 ---------------------------------------------------------------------------------

def test_step2_one_unit_rnn_table_fades_as_printed():
    """Step 2, "Watching a memory fade": h_t = 0.762, 0.363, 0.180, 0.090, 0.045 (3 decimals)."""
    layer = nn.RNN(1, 1, dtype=np.float64)
    layer.params["weight_ih_l0"][:] = 1.0
    layer.params["weight_hh_l0"][:] = 0.5
    layer.params["bias_ih_l0"][:] = 0.0
    layer.params["bias_hh_l0"][:] = 0.0
    x = np.array([1.0, 0, 0, 0, 0]).reshape(1, 5, 1)
    h = layer.forward(x)[0][0, :, 0]
    assert np.round(h, 3).tolist() == [0.762, 0.363, 0.180, 0.090, 0.045]
    assert "0.762 | 0.363 | 0.180 | 0.090 | 0.045" in load_lesson().step(2).html.replace("</td>\n<td>", " | ")


def test_step2_character_rnn_has_32_hidden_units():
    """Step 2, "See it": "A character-level RNN (32 hidden units)"."""
    result = hidden_state.run(hidden_state.Params())
    assert len(result.hidden[0]) == 32  # (T, H)
    assert "(32 hidden units)" in _prose(2)


# --- step 4: the bound, arithmetic ----------------------------------------------------------

def test_step4_bound_table_is_09_to_the_distance():
    """Step 4, "The bound in numbers": 0.35, 0.12, 0.005, 0.00003 at 10, 20, 50, 100 (as printed)."""
    assert [round(0.9 ** 10, 2), round(0.9 ** 20, 2), round(0.9 ** 50, 3)] == [0.35, 0.12, 0.005]
    assert f"{0.9 ** 100:.0e}" == "3e-05"


def test_step4_exploding_and_clipping_arithmetic():
    """Step 4: "1.5^50 ≈ 6 × 10^8"; "a norm of 250 clipped at 5 means multiplying by 0.02";
    "σ(3) ≈ 0.95", "σ(−3) ≈ 0.05"."""
    assert f"{1.5 ** 50:.0e}" == "6e+08"
    assert 5 / 250 == 0.02
    assert round(_sigmoid(3), 2) == 0.95 and round(_sigmoid(-3), 2) == 0.05


# --- step 4: the vanishing-gradients experiment ---------------------------------------------

@pytest.fixture(scope="module")
def vg_default():
    return vanishing_gradients.run(vanishing_gradients.Params())


def test_step4_default_tanh_rnn_has_sigma_max_146_and_the_bound_grows(vg_default):
    """Step 4 core: "at the default (tanh, ρ = 0.9), σ_max ≈ 1.46, so the bound grows off the chart"."""
    r = vg_default
    assert (r.cell, r.nonlinearity, r.spectral_radius) == ("rnn", "tanh", 0.9)
    assert r.sigma_max == pytest.approx(1.46, abs=0.005)
    assert r.bound[-1] > 1e6 * max(r.grad_norm)  # far off a chart of the measurement


def test_step4_default_gradient_shrinks_about_073_per_step(vg_default):
    """Step 4 core: "yet the gradient shrinks about ×0.73 per step" (± 0.01)."""
    assert vg_default.decay_per_step == pytest.approx(0.73, abs=0.01)
    g = np.array(vg_default.grad_norm)
    assert g[99] < g[0] * 1e-10  # and it does vanish, 99 steps back


def test_step4_rho_half_has_sigma_max_081_and_decays_under_a_shrinking_bound():
    """Step 4, "The bound in numbers": "a tanh RNN at ρ = 0.5 has σ_max ≈ 0.81: its gradient
    falls along a straight line, under a bound that now shrinks too"."""
    r = vanishing_gradients.run(vanishing_gradients.Params(spectral_radius=0.5))
    assert r.sigma_max == pytest.approx(0.81, abs=0.005)
    g, bound = np.array(r.grad_norm), np.array(r.bound)
    assert bound[-1] < bound[0] and np.all(g <= bound * (1 + 1e-9))
    ratios = g[1:60] / g[:59]  # geometric: the step-to-step ratio stays within a narrow band
    assert ratios.max() / ratios.min() < 3


def test_step4_linear_rnn_at_rho_15_explodes_and_tanh_does_not():
    """Step 4, "Exploding gradients": linear at ρ = 1.5 "climbs by many orders of magnitude";
    "switch back to tanh at the same ρ: no explosion"."""
    linear = vanishing_gradients.run(vanishing_gradients.Params(nonlinearity="linear", spectral_radius=1.5))
    tanh = vanishing_gradients.run(vanishing_gradients.Params(spectral_radius=1.5))
    assert max(linear.grad_norm) > 1e10 * linear.grad_norm[0]
    assert linear.clipped is not None
    assert max(tanh.grad_norm) < 10 * tanh.grad_norm[0]


def _at_100(**params) -> float:
    return vanishing_gradients.run(vanishing_gradients.Params(seq_len=101, **params)).grad_norm[100]


def test_step4_lstm_forget_bias_1_keeps_orders_of_magnitude_more_than_tanh_100_steps_back():
    """Step 4 core and "Gated cells": the LSTM (bias 1) keeps "many orders of magnitude more"
    gradient 100 steps back than the tanh RNN (here: at least 10^4 times)."""
    assert _at_100(cell="lstm", gate_bias=1.0) > 1e4 * _at_100()


def test_step4_lstm_forget_bias_3_holds_steady_and_minus_3_vanishes_faster_than_tanh():
    """Step 4, "Gated cells": bias 3 "holds steady over all 100 steps" (within a factor 3 of
    where it starts); bias −3 "vanishes even faster than the tanh RNN's at ρ = 0.9"."""
    assert 1 / 3 < _at_100(cell="lstm", gate_bias=3.0) < 3
    assert _at_100(cell="lstm", gate_bias=-3.0) < 1e-3 * _at_100()


def test_step4_forget_gate_product_alone_keeps_far_less_than_measured_at_bias_1():
    """Step 4, "Gated cells": "At bias 1 the product of the forget gates alone would keep far less
    than the experiment measures" (here: the best unit's product is at least 100 times smaller)."""
    p = vanishing_gradients.Params(cell="lstm", gate_bias=1.0, seq_len=101)
    layer = vanishing_gradients.build_layer(p)
    x = np.random.default_rng([p.seed, 1]).standard_normal((1, 101, vanishing_gradients.INPUT_SIZE))
    layer.forward(x)
    f = layer.trace.gates["f"][0]  # (T, H)
    best_product = np.prod(f[1:], axis=0).max()
    assert best_product < 1e-2 * _at_100(cell="lstm", gate_bias=1.0)


def test_step6_gru_update_bias_3_keeps_orders_of_magnitude_more_than_tanh():
    """Step 6, "Why gradients survive": GRU at update-gate bias 3, 100 steps back, "stays many
    orders of magnitude larger than the tanh RNN's" (here: at least 10^6 times)."""
    assert _at_100(cell="gru", gate_bias=3.0) > 1e6 * _at_100()


# --- step 4: the adding problem -------------------------------------------------------------

def test_step4_adding_baseline_is_one_sixth_and_the_second_value_alone_halves_it():
    """Step 4, "A task that needs long memory": guessing 1 scores 1/6 ≈ 0.167; answering the
    second marked value plus 0.5 scores 1/12 ≈ 0.083 (± 0.003 on 20,000 sequences)."""
    rng = np.random.default_rng(0)
    assert adding_baseline_mse(rng, 100) == pytest.approx(1 / 6, abs=0.003)
    x, y = adding_batch(rng, 20_000, 100)  # x (B, T, 2): value, marker
    marked_values = x[:, :, 0] * x[:, :, 1]
    second = marked_values[:, 50:].sum(axis=1)  # one marked value in each half
    assert np.mean((second + 0.5 - y[:, 0]) ** 2) == pytest.approx(1 / 12, abs=0.003)


@pytest.mark.slow
def test_step4_at_length_100_the_lstm_learns_and_the_tanh_rnn_stays_at_the_baseline():
    """Step 4, the adding problem at the default length 100: "the LSTM's loss falls far below the
    baseline while the tanh RNN's stays near it — it has not learned even the short-range half"
    (LSTM below 10 % of the baseline; the RNN above the 1/12 that the second value alone gives)."""
    r = long_range_memory.run(long_range_memory.Params())
    assert r.seq_len == 100
    assert r.lstm_eval < 0.1 * r.baseline
    assert r.rnn_eval > 1 / 12 and r.rnn_eval > 0.8 * r.baseline


@pytest.mark.slow
def test_step4_at_length_10_the_tanh_rnn_learns_the_task_too():
    """Step 4: "shorten the sequence to 10 and train again: ... the vanilla RNN can learn the
    task too" (below 1/12, which the second value alone would give)."""
    r = long_range_memory.run(long_range_memory.Params(seq_len=10))
    assert r.rnn_eval < 1 / 12


# --- step 5 ---------------------------------------------------------------------------------

def test_step5_forget_gate_arithmetic():
    """Step 5: "0.99^100 ≈ 0.37", "0.9^100 ≈ 0.00003", "0.5^10 ≈ 0.001", "σ(1) ≈ 0.73"."""
    assert round(0.99 ** 100, 2) == 0.37
    assert f"{0.9 ** 100:.0e}" == "3e-05"
    assert round(0.5 ** 10, 3) == 0.001
    assert round(_sigmoid(1), 2) == 0.73


@pytest.fixture(scope="module")
def lstm_preset():
    r = lstm_gates.run(lstm_gates.Params())
    mark = r.chars.index(marked.MARK)
    return r, mark, np.array(r.gates["f"]), np.array(r.gates["i"]), np.array(r.cell)


def test_step5_lstm_is_right_on_all_held_out_strings(lstm_preset):
    """Step 5, "The experiment in detail": "On held-out strings this LSTM is right 100 % of the time"."""
    assert lstm_preset[0].accuracy == 1.0


def test_step5_at_the_mark_most_forget_gates_drop_below_015(lstm_preset):
    """Step 5: "At the `*` the forget gates of most units drop below 0.15"."""
    _, mark, f, _, _ = lstm_preset
    assert np.sum(f[:, mark] < 0.15) > f.shape[0] / 2


def test_step5_after_the_mark_most_input_gates_open_above_09(lstm_preset):
    """Step 5: "At the symbol right after it, most input gates open above 0.9"."""
    _, mark, _, i, _ = lstm_preset
    assert np.sum(i[:, mark + 1] > 0.9) > i.shape[0] / 2


def test_step5_a_unit_holds_its_forget_gate_above_095_to_the_query(lstm_preset):
    """Step 5: "one unit holds f above 0.95 at every step from then to the query, and two more
    stay above 0.85"."""
    _, mark, f, _, _ = lstm_preset
    held = f[:, mark + 2:].min(axis=1)
    assert np.sum(held > 0.95) == 1 and np.sum(held > 0.85) == 3


def test_step5_a_counting_unit_reaches_minus_23_on_the_preset(lstm_preset):
    """Step 5: "on the preset one reaches −23 by the query" (−23 ± 0.5)."""
    _, _, _, _, c = lstm_preset
    assert c[:, -1].min() == pytest.approx(-23, abs=0.5)


def test_step5_forget_surgery_from_step_8_collapses_the_cell_and_accuracy_to_a_third(lstm_preset):
    """Step 5: clamping f to 0 from step 8 (the default) leaves |c| < 1, and held-out accuracy
    "falls from 100 % to about a third — chance is 25 %" (0.28 to 0.40)."""
    r = lstm_preset[0]
    assert (r.surgery, r.clamp_value, r.clamp_from) == ("forget", 0.0, 8)
    assert np.abs(np.array(r.surgery_cell)[:, 8:]).max() < 1
    assert r.answer == r.target and r.surgery_answer != r.target  # "the answer goes wrong"
    assert 0.28 <= r.surgery_accuracy <= 0.40


def test_step5_cell_gradient_keeps_about_7_times_more_than_the_hidden_gradient():
    """Step 5: from the query back to step 0, on strings of 33–48 characters, the cell-state
    gradient keeps "typically about 7 times more" of its size than the hidden-state gradient
    (the median over 200 held-out strings per length, 5 to 10)."""
    model = _gates.model("lstm")
    ratios = []
    for T in range(33, 49, 3):
        ids, target = marked.marked_batch(np.random.default_rng(T), 200, T)
        model.forward(_gates.one_hot(ids))
        model.backward(np.eye(_gates.K, dtype=np.float32)[target])
        dc, dh = np.linalg.norm(model.trace.dc, axis=2), np.linalg.norm(model.trace.dh, axis=2)  # (B, T)
        ratios.append((dc[:, 0] / dc[:, -1]) / (dh[:, 0] / dh[:, -1]))
    assert 5 <= np.median(np.concatenate(ratios)) <= 10


# --- step 6 ---------------------------------------------------------------------------------

def test_step6_parameter_table_counts_the_engines_layers():
    """Step 6, "Fewer parameters": I = 1, H = 32: RNN 1,120, GRU 3,360, LSTM 4,480."""
    counts = {name: sum(p.size for p in layer(1, 32).params.values())
              for name, layer in (("RNN", nn.RNN), ("GRU", nn.GRU), ("LSTM", nn.LSTM))}
    assert counts == {"RNN": 1120, "GRU": 3360, "LSTM": 4480}


@pytest.fixture(scope="module")
def gru_preset():
    r = gru_gates.run(gru_gates.Params())
    return r, r.chars.index(marked.MARK), np.array(r.gates["z"]), np.array(r.move)


def test_step6_after_the_mark_z_falls_close_to_0_in_almost_every_unit(gru_preset):
    """Step 6 core: "at the symbol right after the `*`, z falls close to 0 in almost every unit"
    (below 0.2 in all of them)."""
    _, mark, z, _ = gru_preset
    assert np.all(z[:, mark + 1] < 0.2)


def test_step6_one_unit_keeps_z_at_099_to_1_the_whole_way(gru_preset):
    """Step 6: "one unit sits at 0.99–1 the whole way from the `*` to the `?`" (after the write)."""
    _, mark, z, _ = gru_preset
    assert np.sum(z[:, mark + 2:].min(axis=1) >= 0.985) == 1


def test_step6_states_with_high_z_move_0006_and_low_z_about_02(gru_preset):
    """Step 6: "states with z > 0.9 moved by 0.006 on average, those with z < 0.5 by about 0.2"."""
    _, _, z, move = gru_preset
    assert move[z > 0.9].mean() == pytest.approx(0.006, abs=0.0015)
    assert move[z < 0.5].mean() == pytest.approx(0.2, abs=0.03)


def test_step6_cell_race_buys_the_rnn_34_units_against_the_lstms_16():
    """Step 6, "Three cells, one race": "about twice as many hidden units as the LSTM (34 against 16)"."""
    sizes = {r.cell: r.hidden_size for r in cell_race._racers(cell_race.Params().lstm_hidden)}
    assert (sizes["rnn"], sizes["lstm"]) == (34, 16)
    assert cell_race.Params().seq_len == 100


# --- step 7 ---------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def dates_default():
    return seq2seq.run(seq2seq.Params())


@pytest.mark.slow
def test_step7_attention_soon_gets_nearly_every_held_out_date_right(dates_default):
    """Step 7 core: "the model with attention soon gets nearly all of them right" (at the
    defaults: at least 95 % exact match by the end)."""
    attention = next(c for c in dates_default.curves if c.model == "with attention")
    assert attention.accuracy[-1] >= 0.95


@pytest.mark.slow
def test_step7_without_attention_only_the_year_is_reliably_right(dates_default):
    """Step 7 core: "without attention only the year, which every input writes last, comes out
    right most of the time" (at least 85 %); "The bottleneck": the day and the month "rarely (at
    the defaults, under one time in five)"; with attention every field is right (at least 95 %)."""
    fields = {(f.model, f.field): f for f in dates_default.by_field}
    assert fields["without attention", "year"].accuracy >= 0.85
    assert fields["without attention", "day"].accuracy < 0.2
    assert fields["without attention", "month"].accuracy < 0.2
    assert all(fields["with attention", f].accuracy >= 0.95 for f in ("day", "month", "year"))


@pytest.mark.slow
def test_step7_the_day_is_right_as_often_when_written_first_as_overall(dates_default):
    """Step 7, "The bottleneck": the day's accuracy on the dates that write it first "is about the
    same as overall" (within 5 percentage points)."""
    day = next(f for f in dates_default.by_field if f.model == "without attention" and f.field == "day")
    assert abs(day.read_first - day.accuracy) <= 0.05


# --- step 8 ---------------------------------------------------------------------------------

def test_step8_speech_rate_is_12_to_15_characters_a_second():
    """Step 8: "about 12 to 15 characters a second of speech, some 150 words a minute": 150 words
    a minute at about 5 to 6 characters a word, spaces included."""
    for chars_per_word in (5, 6):
        assert 12 <= 150 * chars_per_word / 60 <= 15


def test_step8_sentiment_model_reads_order_the_bag_of_words_cannot():
    """Step 8 core: "the plot was not great but fun" vs "the plot was great but not fun": "The GRU
    calls the first positive and the second negative; the bag of words ... must give both the
    same answer"."""
    first = architecture_match.run(architecture_match.Params(pattern="many-to-one",
                                                             text="the plot was not great but fun"))
    second = architecture_match.run(architecture_match.Params(pattern="many-to-one",
                                                              text="the plot was great but not fun"))
    assert (first.outputs, second.outputs) == (["positive"], ["negative"])
    assert first.baseline_answer == second.baseline_answer


def test_step8_bag_of_words_80_and_gru_78_on_600_held_out_reviews_from_2400():
    """Step 8, "The experiment in detail": "on the same 600 held-out reviews the bag of words is
    right 80 % of the time and the GRU 78 %"; "only 2,400 training sentences" (whole percents)."""
    data, _, _, rnn_acc, bow_acc = _applications.sentiment()
    assert (len(data.test), len(data.train)) == (600, 2400)
    assert (round(100 * bow_acc), round(100 * rnn_acc)) == (80, 78)


def test_step8_generator_is_step2s_model_at_205_nats_per_character():
    """Step 8: the generator "is step 2's small character model, 2.05 nats per character" (± 0.005)."""
    assert hidden_state.run(hidden_state.Params()).train_loss == pytest.approx(2.05, abs=0.005)


def test_step5_and_6_gate_models_have_8_units_and_chance_is_one_in_four():
    """Steps 5 and 6: "This LSTM (8 units)", "a GRU of 8 units"; "chance is 25 %" (4 symbols)."""
    assert lstm_gates.run(lstm_gates.Params()).hidden_size == 8
    assert gru_gates.run(gru_gates.Params()).hidden_size == 8
    assert len(marked.SYMBOLS) == 4
    assert "(8 units)" in _prose(5) and "GRU of 8 units" in _prose(6)
