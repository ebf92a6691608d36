"""The bounds a learner's model is held to: taken from the training Params, shapes equal to the real modules'."""

import pytest

from rnnlab import nn
from rnnlab.experiments import char_lm, seq2seq
from rnnlab.experiments._model_bounds import charlm_shapes, seq2seq_shapes
from rnnlab.nn.io import constructor_args
from rnnlab.tasks import dates


def _shapes(model: nn.Module) -> dict:
    return {name: a.shape for name, a in model.state_dict().items()}


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
@pytest.mark.parametrize("embedding_dim, num_layers", [(None, 1), (8, 2), (None, 3)])
def test_charlm_shapes_are_the_modules_shapes(cell, embedding_dim, num_layers):
    model = nn.CharLM(11, 16, cell=cell, num_layers=num_layers, embedding_dim=embedding_dim)
    assert charlm_shapes(constructor_args(model)) == _shapes(model)


@pytest.mark.parametrize("attention", [True, False])
@pytest.mark.parametrize("cell, embedding_dim, num_layers, attention_size", [("gru", 16, 1, None), ("lstm", None, 2, 7)])
def test_seq2seq_shapes_are_the_modules_shapes(attention, cell, embedding_dim, num_layers, attention_size):
    model = nn.Seq2Seq(9, 5, 12, cell=cell, attention=attention, embedding_dim=embedding_dim,
                       num_layers=num_layers, attention_size=attention_size)
    assert seq2seq_shapes(constructor_args(model)) == _shapes(model)


@pytest.mark.parametrize("module", [char_lm, seq2seq])
def test_the_largest_hidden_size_params_allow_passes_and_one_more_is_refused(module):
    largest = module.Params.model_json_schema()["properties"]["hidden_size"]["maximum"]
    args = constructor_args(_lab_model(module, largest))
    module.MODEL.check(module.MODEL.cls.__name__, args)
    with pytest.raises(ValueError, match=f"hidden size is {largest + 1}; the lab's models have at most {largest}"):
        module.MODEL.check(module.MODEL.cls.__name__, args | {"hidden_size": largest + 1})


def _lab_model(module, hidden_size: int) -> nn.Module:
    if module is char_lm:
        return nn.CharLM(char_lm.MAX_VOCAB, hidden_size, cell="lstm")
    return nn.Seq2Seq(len(dates.SRC_VOCAB), len(dates.TGT_VOCAB), hidden_size, cell="gru", attention=True,
                      embedding_dim=seq2seq.EMBEDDING)


def test_every_cell_char_lm_trains_is_allowed_and_no_other():
    args = constructor_args(nn.CharLM(12, 16))
    for cell in char_lm.Params.model_json_schema()["properties"]["cell"]["enum"]:
        char_lm.MODEL.check("CharLM", args | {"cell": cell})
    with pytest.raises(ValueError, match="cell is 'tcn'; the lab takes 'rnn', 'lstm' or 'gru'"):
        char_lm.MODEL.check("CharLM", args | {"cell": "tcn"})


@pytest.mark.parametrize("change, message", [
    ({"hidden_size": 8000}, "hidden size is 8000; the lab's models have at most 256"),
    ({"hidden_size": 8}, "hidden size is 8; the lab's models have at least 16"),
    ({"vocab_size": 10**7}, "vocabulary size is 10000000; the lab's models have at most 256"),
    ({"num_layers": 20000}, "number of layers is 20000; the lab takes 1"),
    ({"embedding_dim": 100000}, "embedding size is 100000; the lab takes none"),
    ({"hidden_size": 10**400}, "hidden size is 1000000000"),
    ({"hidden_size": 64.0}, "hidden size is 64.0; the lab takes a whole number from 16 to 256"),
    ({"hidden_size": True}, "hidden size is True"),
    ({"hidden_size": float("nan")}, "hidden size is nan"),
    ({"dtype": {"dtype": "object"}}, "dtype is {'dtype': 'object'}; the lab takes float32 or float64"),
    ({"dtype": {"dtype": 5}}, "the lab takes float32 or float64"),
    ({"dtype": {"dtype": "float16"}}, "the lab takes float32 or float64"),
    ({"nonlinearity": "relu"}, "nonlinearity is 'relu'; the lab takes 'tanh'"),
    ({"seed": 3}, "the model's arguments include 'seed', which CharLM does not take"),
])
def test_arguments_outside_the_bounds_are_refused_with_a_sentence(change, message):
    args = constructor_args(nn.CharLM(12, 16))
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace("{", r"\{")):
        char_lm.MODEL.check("CharLM", args | change)


@pytest.mark.parametrize("args, said", [([1, 2], "a list"), ("hidden", "text"), (None, "null"), (7, "a number")])
def test_arguments_that_are_not_an_object_are_refused(args, said):
    with pytest.raises(ValueError, match=f"must be a JSON object, got {said}"):
        char_lm.MODEL.check("CharLM", args)


@pytest.mark.parametrize("name", ["Seq2Seq", "Linear", "os.system", "x" * 10_000, None, 5])
def test_another_class_is_refused(name):
    with pytest.raises(ValueError, match="this is not a CharLM model") as info:
        char_lm.MODEL.check(name, constructor_args(nn.CharLM(12, 16)))
    assert len(str(info.value)) < 200


def test_a_missing_required_argument_is_named():
    args = constructor_args(nn.CharLM(12, 16))
    del args["vocab_size"]
    with pytest.raises(ValueError, match="lack 'vocab_size'"):
        char_lm.MODEL.check("CharLM", args)


def test_seq2seq_weights_must_be_the_dates_model():
    args = constructor_args(_lab_model(seq2seq, 32))
    with pytest.raises(ValueError, match=f"source vocabulary size is 500; the lab takes {len(dates.SRC_VOCAB)}"):
        seq2seq.MODEL.check("Seq2Seq", args | {"src_vocab": 500})
    with pytest.raises(ValueError, match="attention size is 100000"):
        seq2seq.MODEL.check("Seq2Seq", args | {"attention_size": 100000})
    with pytest.raises(ValueError, match="attention is 1; the lab takes True or False"):
        seq2seq.MODEL.check("Seq2Seq", args | {"attention": 1})


def test_the_largest_allowed_model_is_small():
    assert char_lm.MODEL.most_values() == sum(a.size for a in nn.CharLM(256, 256, cell="lstm").state_dict().values())
    assert seq2seq.MODEL.most_values() * 8 < 1 << 20 and char_lm.MODEL.most_values() * 8 < 5 << 20
