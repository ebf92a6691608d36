"""The lab's routes on the real registry: text upload limits and types, model files, sampling, decoding."""

import io
import json
import time

import numpy as np
import pytest
from fastapi.testclient import TestClient

from rnnlab import nn
from rnnlab.experiments import _packing, char_lm, seq2seq
from rnnlab.tasks.corpora import CharVocab
from rnnlab.web.app import create_app
from rnnlab.web.settings import Settings, sqlite_url

TEXT = "The quick brown fox jumps over the lazy dog.\n" * 40
VOCAB = "".join(CharVocab.from_text(TEXT).chars)


@pytest.fixture
def lab(tmp_path):
    app = create_app(Settings(db_url=sqlite_url(tmp_path / "p.db"), job_grace_s=1.0, progress_interval_s=0.05))
    with TestClient(app, base_url="http://127.0.0.1") as client:
        yield client


@pytest.fixture
def packed():
    return _packing.pack(nn.CharLM(len(VOCAB), 16, cell="gru", seed=1)).model_dump()


def test_a_text_file_comes_back_checked(lab):
    r = lab.post("/api/lab/texts", content=TEXT.encode(), headers={"content-type": "text/plain; charset=utf-8"})
    assert r.status_code == 200
    assert r.json() == {"text": TEXT, "chars": len(TEXT), "vocab_size": len(VOCAB)}


def test_text_over_one_megabyte_is_refused_with_413(lab):
    r = lab.post("/api/lab/texts", content=b"a" * (char_lm.MAX_TEXT_BYTES + 1), headers={"content-type": "text/plain"})
    assert r.status_code == 413 and "1.0 MB" in r.json()["detail"]


@pytest.mark.parametrize("body, kind, status, message", [
    (b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8, "application/octet-stream", 415, "not UTF-8"),
    (("abc\0" * 400).encode(), "text/plain", 415, "binary"),
    (TEXT.encode(), "image/png", 415, "not image/png"),
    (TEXT.encode("utf-16"), "text/plain", 415, "not UTF-8"),
    (b"too short", "text/plain", 422, "at least 1000"),
])
def test_other_files_are_refused_with_a_clear_4xx(lab, body, kind, status, message):
    r = lab.post("/api/lab/texts", content=body, headers={"content-type": kind})
    assert r.status_code == status and message in r.json()["detail"]


def test_model_download_loads_with_nn_load_and_uploads_again(lab, packed, tmp_path):
    r = lab.post("/api/lab/char-lm/npz", json={"weights": packed, "vocab": VOCAB})
    assert r.status_code == 200 and "attachment" in r.headers["content-disposition"]
    path = tmp_path / "m.npz"
    path.write_bytes(r.content)
    model = nn.load(path)
    assert isinstance(model, nn.CharLM) and model.cell == "gru"
    assert nn.read_npz(path)[1]["extra"]["vocab"] == VOCAB
    back = lab.post("/api/lab/char-lm/models", content=r.content).json()
    assert back["vocab"] == VOCAB and back["cell"] == "gru" and back["hidden_size"] == 16
    assert back["weights"] == packed


def test_not_an_npz_is_refused(lab, packed):
    assert lab.post("/api/lab/char-lm/models", content=b"hello").status_code == 422
    buffer = io.BytesIO()
    np.savez(buffer, x=np.zeros(3))
    r = lab.post("/api/lab/char-lm/models", content=buffer.getvalue())
    assert r.status_code == 422 and "not written by rnnlab" in r.json()["detail"]
    r = lab.post("/api/lab/char-lm/npz", json={"weights": packed, "vocab": VOCAB[:-1]})
    assert r.status_code == 422 and "vocabulary" in r.json()["detail"]


def test_sampling_from_a_model(lab, packed):
    r = lab.post("/api/lab/char-lm/sample", json={"weights": packed, "vocab": VOCAB, "length": 50, "prime": "The"})
    body = r.json()
    assert r.status_code == 200 and body["text"].startswith("The") and len(body["text"]) == 53
    assert set(body["text"]) <= set(VOCAB) and len(body["activations"]) == 16
    r = lab.post("/api/lab/char-lm/sample", json={"weights": packed, "vocab": VOCAB, "prime": "Ω"})
    assert r.status_code == 422 and "not in the vocabulary" in r.json()["detail"]
    r = lab.post("/api/lab/char-lm/sample", json={"weights": packed, "vocab": VOCAB, "temperature": 9})
    assert r.status_code == 422


def _events(lab, job_id):
    with lab.stream("GET", f"/api/jobs/{job_id}/events") as stream:
        kind = None
        for line in stream.iter_lines():
            if line.startswith("event: "):
                kind = line[7:]
            elif line.startswith("data: ") and kind in ("result", "error", "cancelled"):
                return kind, json.loads(line[6:])
    return None, None


def test_a_char_lm_job_on_the_learners_text_returns_weights(lab):
    params = {"text": TEXT, "hidden_size": 16, "seq_len": 16, "steps": 40}
    r = lab.post("/api/lab/char-lm/jobs", json={"params": params})
    assert r.status_code == 201, r.text
    kind, data = _events(lab, r.json()["id"])
    assert kind == "result", data
    result = data["result"]
    assert result["source"] == "your text" and result["weights"]["cls"] == "CharLM" and result["vocab"] == VOCAB
    again = lab.post("/api/lab/char-lm/jobs", json={"params": {**params, "init": result["weights"], "vocab": VOCAB}})
    assert again.status_code == 201
    assert _events(lab, again.json()["id"])[0] == "result"
    bad = lab.post("/api/lab/char-lm/jobs", json={"params": {"text": "short"}})
    assert bad.status_code == 422 and "at least 1000" in json.dumps(bad.json())
    assert lab.post("/api/lab/char-lm/jobs", json={"params": 5}).status_code == 422
    assert lab.post("/api/lab/char-lm/jobs", json=[1, 2]).status_code == 422


def test_decoding_with_trained_seq2seq_weights(lab):
    trained = seq2seq.run(seq2seq.Params(models="attention", hidden_size=16, steps=50, learning_rate=0.01))
    weights = {k: v.model_dump() for k, v in trained.weights.items()}
    r = lab.post("/api/lab/seq2seq/decode", json={"text": "14 March 2021", "weights": weights})
    assert r.status_code == 200, r.text
    assert r.json()["spec"]["datasets"] and len(r.json()["result"]["decodings"][0]["attention"][0]) == 13
    assert lab.post("/api/lab/seq2seq/decode", json={"text": "", "weights": weights}).status_code == 422
    assert lab.post("/api/lab/seq2seq/decode", json={"text": "1 May 2000\0", "weights": weights}).status_code == 200
    broken = json.loads(json.dumps(weights))
    broken["with attention"]["arrays"]["linear.weight"]["data"] = "AAAA"
    r = lab.post("/api/lab/seq2seq/decode", json={"text": "1 May 2000", "weights": broken})
    assert r.status_code == 422 and "bytes" in r.json()["detail"]
