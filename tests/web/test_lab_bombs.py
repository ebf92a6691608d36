"""Models and numbers sent to be believed: each is refused with a 4xx and a sentence, never a 500 or an allocation."""

import json

import numpy as np
import pytest

from rnnlab import nn
from rnnlab.experiments import _packing
from rnnlab.tasks import dates

NPZ = {"content-type": "application/octet-stream"}
JSON = {"content-type": "application/json"}
METADATA_BOMBS = [
    ({"hidden_size": 8000}, "this model's hidden size is 8000; the lab's models have at most 256"),
    ({"vocab_size": 10**7}, "this model's vocabulary size is 10000000; the lab's models have at most 256"),
    ({"num_layers": 20000}, "this model's number of layers is 20000; the lab takes 1"),
    ({"embedding_dim": 50000}, "this model's embedding size is 50000; the lab takes none"),
    ({"dtype": {"dtype": "object"}}, "this model's dtype is {'dtype': 'object'}; the lab takes float32 or float64"),
    ({"dtype": {"dtype": 5}}, "this model's dtype is {'dtype': 5}; the lab takes float32 or float64"),
]


def _detail(response, status: int) -> str:
    assert response.status_code == status, response.text
    return response.json()["detail"]


@pytest.mark.parametrize("change, message", METADATA_BOMBS)
def test_an_npz_whose_metadata_claims_a_huge_model_is_422(lab, model_files, change, message):
    r = lab.post("/api/lab/char-lm/models", content=model_files.meta_only_npz(**change), headers=NPZ)
    assert _detail(r, 422) == message


@pytest.mark.parametrize("args, message", [([1, 2], "got a list"), ("x", "got text"), (None, "got null")])
def test_an_npz_whose_arguments_are_not_an_object_is_422(lab, model_files, args, message):
    r = lab.post("/api/lab/char-lm/models", content=model_files.meta_only_npz(args=args), headers=NPZ)
    assert f"the model's arguments must be a JSON object, {message}" == _detail(r, 422)


def test_an_npz_of_another_class_is_422(lab, model_files):
    r = lab.post("/api/lab/char-lm/models", content=model_files.meta_only_npz(cls="Popen"), headers=NPZ)
    assert "this is not a CharLM model" in _detail(r, 422)


def test_a_zip_bomb_is_413_without_being_inflated(lab, model_files):
    r = lab.post("/api/lab/char-lm/models", content=model_files.zip_bomb(3 << 30), headers=NPZ)
    assert "this .npz unpacks to 3072.0 MB; a lab model takes at most" in _detail(r, 413)


def test_ten_thousand_members_are_422(lab, model_files):
    r = lab.post("/api/lab/char-lm/models", content=model_files.many_members(10_000), headers=NPZ)
    assert "holds 10000 files" in _detail(r, 422)


def test_a_real_lab_model_still_uploads(lab, model_files):
    r = lab.post("/api/lab/char-lm/models", content=model_files.char_npz(hidden_size=32, cell="lstm"), headers=NPZ)
    assert r.status_code == 200 and r.json()["hidden_size"] == 32 and r.json()["vocab"] == model_files.vocab


def _char_weights(vocab: str, **args) -> dict:
    packed = _packing.pack(nn.CharLM(len(vocab), 16, cell="gru", seed=1)).model_dump()
    packed["args"] |= args
    return packed


@pytest.mark.parametrize("route", ["/api/lab/char-lm/sample", "/api/lab/char-lm/npz"])
@pytest.mark.parametrize("change, message", METADATA_BOMBS)
def test_json_char_weights_claiming_a_huge_model_are_422(lab, model_files, route, change, message):
    body = {"weights": _char_weights(model_files.vocab, **change), "vocab": model_files.vocab}
    assert _detail(lab.post(route, json=body), 422) == message


@pytest.mark.parametrize("args", [[1, 2], "x", None])
def test_json_weights_whose_arguments_are_not_an_object_are_422(lab, model_files, args):
    body = {"weights": _char_weights(model_files.vocab) | {"args": args}, "vocab": model_files.vocab}
    assert "weights.args: must be a JSON object" in _detail(lab.post("/api/lab/char-lm/sample", json=body), 422)


def test_an_array_shape_other_than_the_arguments_imply_is_422(lab, model_files):
    weights = _char_weights(model_files.vocab)
    weights["arrays"]["linear.bias"]["shape"] = [10**6, 10**6]
    r = lab.post("/api/lab/char-lm/sample", json={"weights": weights, "vocab": model_files.vocab})
    assert "'linear.bias' has shape (1000000, 1000000); this model's arguments imply (12,)" in _detail(r, 422)


def test_continuing_training_from_a_huge_model_is_422_before_any_job_starts(lab, model_files):
    params = {"steps": 20, "init": _char_weights(model_files.vocab, hidden_size=8000), "vocab": model_files.vocab}
    r = lab.post("/api/lab/char-lm/jobs", json={"params": params})
    assert _detail(r, 422) == "init: this model's hidden size is 8000; the lab's models have at most 256"


def _date_weights(**args) -> dict:
    model = nn.Seq2Seq(len(dates.SRC_VOCAB), len(dates.TGT_VOCAB), 16, cell="gru", attention=True, embedding_dim=16)
    packed = _packing.pack(model).model_dump()
    packed["args"] |= args
    return packed


@pytest.mark.parametrize("change, message", [
    ({"hidden_size": 8000}, "this model's hidden size is 8000; the lab's models have at most 96"),
    ({"num_layers": 20000}, "this model's number of layers is 20000; the lab takes 1"),
    ({"src_vocab": 10**7}, f"this model's source vocabulary size is 10000000; the lab takes {len(dates.SRC_VOCAB)}"),
    ({"attention_size": 10**5}, "this model's attention size is 100000"),
    ({"dtype": {"dtype": "object"}}, "the lab takes float32 or float64"),
])
def test_date_weights_claiming_a_huge_model_are_422(lab, change, message):
    r = lab.post("/api/lab/seq2seq/decode", json={"text": "1 May 2000", "weights": {"m": _date_weights(**change)}})
    assert message in _detail(r, 422)


def test_date_weights_holding_nan_are_422(lab):
    weights = _date_weights()
    nan = np.full(weights["arrays"]["linear.bias"]["shape"], np.nan, dtype="<f4")
    weights["arrays"]["linear.bias"]["data"] = _packing.base64.b64encode(nan.tobytes()).decode()
    r = lab.post("/api/lab/seq2seq/decode", json={"text": "1 May 2000", "weights": {"m": weights}})
    assert "holds NaN or infinite values" in _detail(r, 422)


@pytest.mark.parametrize("number", ["NaN", "Infinity", "-Infinity", "1e400", "1" + "0" * 400, "-" + "9" * 400])
def test_a_numeric_answer_that_is_not_a_finite_number_is_422(lab, number):
    r = lab.post("/api/checks/step2-by-hand", content=f'{{"value": {number}}}', headers=JSON)
    assert _detail(r, 422).startswith("value: must be a finite number")


def test_a_numeric_answer_still_grades(lab):
    r = lab.post("/api/checks/step2-by-hand", json={"value": 12345})
    assert r.status_code == 200 and r.json()["correct"] is False


@pytest.mark.parametrize("number", ["NaN", "Infinity", "1e400", "1" + "0" * 400])
@pytest.mark.parametrize("route, field", [("/api/experiments/vanishing-gradients", "spectral_radius"),
                                          ("/api/experiments/lstm-gates", "clamp_value")])
def test_a_params_float_that_is_not_a_finite_number_is_422(lab, route, field, number):
    r = lab.post(route, content=f'{{"{field}": {number}}}', headers=JSON)
    assert _detail(r, 422).startswith(f"{field}: must be a finite number")


@pytest.mark.parametrize("number", ["NaN", "-Infinity", "1e400", "1" + "0" * 400])
def test_a_job_params_float_that_is_not_a_finite_number_is_422(lab, number):
    body = f'{{"experiment": "seq2seq", "params": {{"learning_rate": {number}}}}}'
    assert _detail(lab.post("/api/jobs", content=body, headers=JSON), 422).startswith("learning_rate: must be a finite number")
    body = f'{{"params": {{"temperature": {number}}}}}'
    r = lab.post("/api/lab/char-lm/jobs", content=body, headers=JSON)
    assert _detail(r, 422).startswith("temperature: must be a finite number")


def test_answers_and_params_never_echo_nan_back(lab):
    r = lab.post("/api/checks/step1-bag-of-words", content='{"choice": NaN}', headers=JSON)
    assert r.status_code == 422 and json.loads(r.text)
