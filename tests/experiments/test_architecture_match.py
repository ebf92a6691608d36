import json

import numpy as np
import pytest
from pydantic import ValidationError

from rnnlab.experiments import _applications as apps
from rnnlab.experiments import architecture_match as am
from rnnlab.tasks import dates


def _run(pattern, text=""):
    return am.run(am.Params(pattern=pattern, text=text))


def test_sentiment_model_is_well_above_chance_and_both_accuracies_are_reported():
    _, _, _, rnn_acc, bow_acc = apps.sentiment()
    print(f"held-out sentiment accuracy: GRU {rnn_acc:.3f}, bag of words {bow_acc:.3f}")
    assert rnn_acc >= 0.70 and bow_acc >= 0.70
    r = _run("many-to-one", "I loved it, great phone and a fair price.")
    assert r.accuracy == round(rnn_acc, 4) and r.baseline_accuracy == round(bow_acc, 4)
    assert f"GRU {rnn_acc:.0%}" in r.detail and f"bag of words {bow_acc:.0%}" in r.detail
    assert r.outputs == ["positive"]


def test_bag_of_words_answer_ignores_word_order_and_the_gru_does_not():
    a = _run("many-to-one", "not good, it was bad")
    b = _run("many-to-one", "not bad, it was good")
    assert a.baseline_answer == b.baseline_answer  # the same words: the same counts
    data, rnn, _, _, _ = apps.sentiment()
    encoded = [data.encode([t]) for t in ("not good, it was bad", "not bad, it was good")]
    scores = [rnn.forward(ids, lengths=lengths)[0] for ids, lengths in encoded]
    assert not np.allclose(scores[0], scores[1])


def test_sentiment_split_is_seeded_and_held_out():
    data = apps.Reviews()
    assert len(data.test) == apps.HELD_OUT and len(data.train) == 3000 - apps.HELD_OUT
    assert data.test == apps.Reviews().test
    assert {"<pad>", "<unk>"} <= set(data.vocab[:2])


def test_many_to_one_reads_every_word_and_answers_once():
    r = _run("many-to-one", "The food was cold and the service was slow.")
    assert r.inputs == ["the", "food", "was", "cold", "and", "the", "service", "was", "slow"]
    assert r.outputs == ["negative"] and "(1, 9)" in r.input_shape and "(1, 2)" in r.output_shape


def test_many_to_many_tags_every_word_by_its_position():
    r = _run("many-to-many", "fish fish fish")
    assert r.outputs == ["NOUN", "VERB", "NOUN"] and "(1, 3, 4)" in r.output_shape
    _, acc, ambiguous = apps.tagger()
    print(f"tagger held-out accuracy {acc:.3f}, on ambiguous words {ambiguous:.3f}")
    assert acc >= 0.95 and ambiguous >= 0.9


def test_one_to_many_generates_from_a_seed_character():
    r = _run("one-to-many", "T")
    assert r.inputs == ["T"] and len(r.outputs) == am.GENERATE and r.answer == "T" + "".join(r.outputs)
    assert _run("one-to-many", "T") == r  # seeded


def test_encoder_decoder_translates_dates_it_never_saw():
    r = _run("encoder-decoder", "14 March 2021")
    assert r.answer == "2021-03-14" and r.outputs[-1] == "end" and "(1, 11)" in r.output_shape
    sources, targets = dates.sample_pairs(np.random.default_rng(3), 30, "test")
    hits = [_run("encoder-decoder", s).answer == t for s, t in zip(sources, targets)]
    print(f"encoder-decoder on 30 held-out dates, one at a time: {np.mean(hits):.2f}")
    assert np.mean(hits) >= 0.9


def test_empty_input_uses_the_patterns_example():
    for pattern, example in am.EXAMPLES.items():
        assert am.Params(pattern=pattern).text == example


@pytest.mark.parametrize("pattern, text", [
    ("many-to-one", "!!! ..."), ("many-to-many", "the cow sees a dog"), ("many-to-many", "dogs " * 13),
    ("one-to-many", "x" * 11), ("one-to-many", "é"), ("encoder-decoder", "1" * 41), ("sideways", "a"),
])
def test_inputs_that_do_not_fit_the_pattern_are_rejected(pattern, text):
    with pytest.raises(ValidationError):
        am.Params(pattern=pattern, text=text)


def test_unknown_word_message_lists_the_taggers_words():
    with pytest.raises(ValidationError) as err:
        am.Params(pattern="many-to-many", text="the cow sees a dog")
    assert "'cow'" in str(err.value) and "fish" in str(err.value)


@pytest.mark.parametrize("pattern", list(am.EXAMPLES))
def test_result_is_json_and_chart_draws_a_box_per_token_with_the_shapes(pattern):
    r = _run(pattern)
    json.loads(r.model_dump_json())
    spec = am.chart(r).to_dict()
    assert pattern in spec["title"]["text"][0]
    boxes = spec["datasets"]["boxes"]
    assert sum(b["row"] == "input" for b in boxes) == len(r.inputs)
    assert sum(b["row"] == "output" for b in boxes) == len(r.outputs)
    captions = " ".join(c["caption"] for c in spec["datasets"]["captions"])
    assert r.input_shape in captions and r.output_shape in captions
    assert spec["layer"][0]["encoding"]["color"]["legend"]["orient"] == "bottom"
