import itertools
import json

import numpy as np
import pytest
from pydantic import ValidationError

from rnnlab.experiments import order_matters as om
from rnnlab.tasks import order


def test_bag_of_words_gives_identical_outputs_for_every_reordering():
    _, bow = om.models()
    words = ["the", "dog", "is", "bitten", "by", "the", "man"]
    outputs = {bow.forward(order.encode(list(p))[None]).tobytes()
               for p in itertools.permutations(words)}
    assert len(outputs) == 1


def test_rnn_answers_differ_when_only_the_order_differs():
    a = om.run(om.Params(sentence="man bites dog"))
    b = om.run(om.Params(sentence="dog bites man"))
    assert (a.rnn_answer, b.rnn_answer) == ("man", "dog")
    assert a.bow_probs == b.bow_probs


def test_rnn_reads_the_passive_voice():
    r = om.run(om.Params(sentence="The cat is chased by the bird.", question="agent"))
    assert r.rnn_answer == "bird"
    r = om.run(om.Params(sentence="the cat is chased by the bird", question="patient"))
    assert r.rnn_answer == "cat"


def test_rnn_beats_95_percent_held_out_while_bag_of_words_stays_near_chance():
    _, _, rnn_acc, bow_acc = om.trained_weights()
    print(f"held-out accuracy: RNN {rnn_acc}, bag of words {bow_acc}")
    for q in ("agent", "patient"):
        assert rnn_acc[q] >= 0.95
        assert 0.40 <= bow_acc[q] <= 0.60


def test_held_out_events_are_never_trained_on_and_splits_are_symmetric():
    train = {tuple(t) for t in order._triples("train")}
    test = {tuple(t) for t in order._triples("test")}
    assert train.isdisjoint(test) and len(test) > 0
    assert all((p, v, a) in test for a, v, p in test)


def test_order_batch_sentences_name_their_agent_and_patient():
    ids, agent, patient = order.order_batch(np.random.default_rng(0), 16)
    for row, a, p in zip(ids, agent, patient):
        words = [order.VOCAB[i] for i in row]
        nouns = [w for w in words if w in order.NOUNS]
        first, second = (p, a) if "by" in words else (a, p)
        assert nouns == [order.NOUNS[first], order.NOUNS[second]]


@pytest.mark.parametrize("bad", [
    {"sentence": "the cow eats grass"}, {"sentence": "dog"}, {"sentence": "dog " * 13},
    {"sentence": ""}, {"question": "verb"}, {"extra": 1},
])
def test_bad_params_are_rejected(bad):
    with pytest.raises(ValidationError):
        om.Params(**bad)


def test_unknown_word_error_lists_the_vocabulary():
    with pytest.raises(ValidationError) as err:
        om.Params(sentence="the cow bites the man")
    message = str(err.value)
    assert "'cow'" in message and "bites" in message and "woman" in message


def test_result_is_json_and_chart_has_title_axes_and_legend():
    r = om.run(om.Params(sentence="the dog is seen by the woman", question="patient"))
    json.loads(r.model_dump_json())
    spec = om.chart(r).to_dict()
    assert "the dog is seen by the woman" in " ".join(spec["title"]["text"])
    assert spec["encoding"]["x"]["title"] and spec["encoding"]["y"]["title"]
    assert spec["encoding"]["color"]["legend"]["orient"] == "bottom"
    assert len(spec["datasets"]["answers"]) == 2 * len(order.NOUNS)
