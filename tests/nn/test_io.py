import io
import json

import numpy as np
import pytest

from rnnlab import nn


def test_save_then_load_rebuilds_an_equal_module(tmp_path):
    layer = nn.Linear(4, 3, dtype=np.float64, seed=5)
    path = tmp_path / "linear.npz"
    nn.save(layer, path)
    loaded = nn.load(path)
    assert type(loaded) is nn.Linear and loaded.dtype == np.float64
    assert (loaded.in_features, loaded.out_features) == (4, 3)
    for k, v in layer.params.items():
        assert np.array_equal(loaded.params[k], v)


def test_load_into_existing_module_and_load_state_dict_from_raw_arrays(tmp_path):
    emb = nn.Embedding(10, 4, seed=1)
    path = tmp_path / "emb.npz"
    nn.save(emb, path)
    other = nn.Embedding(10, 4, seed=2)
    assert not np.array_equal(other.weight, emb.weight)
    assert nn.load(path, into=other) is other
    assert np.array_equal(other.weight, emb.weight)
    state, meta = nn.read_npz(path)
    assert meta["class"] == "Embedding" and meta["args"]["num_embeddings"] == 10
    third = nn.Embedding(10, 4, seed=3)
    third.load_state_dict(state)
    assert np.array_equal(third.weight, emb.weight)


def test_save_writes_exactly_the_given_path(tmp_path):
    path = tmp_path / "model.weights"
    nn.save(nn.Linear(2, 2), path)
    assert path.exists() and not (tmp_path / "model.weights.npz").exists()


def test_save_to_a_file_object_keeps_an_extra_record_that_read_npz_returns():
    layer = nn.Linear(3, 2, seed=4)
    buffer = io.BytesIO()
    nn.save(layer, buffer, extra={"vocab": "abc"})
    buffer.seek(0)
    state, meta = nn.read_npz(buffer)
    assert meta["extra"] == {"vocab": "abc"} and meta["args"]["in_features"] == 3
    assert all(np.array_equal(state[k], v) for k, v in layer.state_dict().items())
    buffer.seek(0)
    assert np.array_equal(nn.load(buffer).weight, layer.weight)


@pytest.mark.parametrize("record, message", [("{not json", "metadata record is not JSON"),
                                             ('{"format": "other/2"}', "has format 'other/2', expected 'rnnlab.nn/1'"),
                                             ("[1, 2]", "has format 'None'")])
def test_a_metadata_record_that_is_not_this_format_is_refused(tmp_path, record, message):
    path = tmp_path / "m.npz"
    np.savez(path, **{"__meta__": np.array(record)})
    with pytest.raises(ValueError, match=message):
        nn.read_npz(path)


def test_load_rejects_a_different_architecture(tmp_path):
    path = tmp_path / "linear.npz"
    nn.save(nn.Linear(4, 3), path)
    with pytest.raises(ValueError, match="in_features: file 4 vs module 5"):
        nn.load(path, into=nn.Linear(5, 3))
    with pytest.raises(ValueError, match="holds a Linear, not a Embedding"):
        nn.load(path, into=nn.Embedding(4, 3))


def test_load_rejects_a_file_not_written_by_save(tmp_path):
    path = tmp_path / "plain.npz"
    np.savez(path, weight=np.ones((3, 4)))
    with pytest.raises(ValueError, match="__meta__"):
        nn.load(path)


class Pair(nn.Module):
    def __init__(self, size, seed=0):
        super().__init__()
        self.size = size
        self.children = {"a": nn.Linear(size, size, seed=seed), "b": nn.Linear(size, 1, seed=seed + 1)}


def test_composite_module_round_trips_with_dotted_names_and_cls(tmp_path):
    model = Pair(3, seed=4)
    path = tmp_path / "pair.npz"
    nn.save(model, path)
    assert sorted(nn.read_npz(path)[0]) == ["a.bias", "a.weight", "b.bias", "b.weight"]
    with pytest.raises(ValueError, match="pass cls="):
        nn.load(path)
    loaded = nn.load(path, cls=Pair)
    for k, v in model.params.items():
        assert np.array_equal(loaded.params[k], v)


def test_recurrent_layers_round_trip_through_save_and_load(tmp_path):
    for layer in (nn.RNN(3, 4, num_layers=2, nonlinearity="relu", dtype=np.float64, seed=1),
                  nn.LSTM(3, 4, seed=2), nn.GRU(2, 5, seed=3)):
        path = tmp_path / "layer.npz"
        nn.save(layer, path)
        loaded = nn.load(path)
        assert type(loaded) is type(layer) and loaded.dtype == layer.dtype
        assert getattr(loaded, "nonlinearity", None) == getattr(layer, "nonlinearity", None)
        for k, v in layer.params.items():
            assert np.array_equal(loaded.params[k], v), k


@pytest.mark.parametrize("args", [{"in_features": 3, "out_features": 2, "dtype": {"dtype": "object"}},
                                  {"in_features": 3, "out_features": 2, "dtype": {"dtype": 5}}, [3, 2], "3, 2"])
def test_load_refuses_unusable_arguments_with_a_value_error(tmp_path, args):
    path = tmp_path / "m.npz"
    meta = {"format": "rnnlab.nn/1", "class": "Linear", "args": args}
    np.savez(path, **{"__meta__": np.array(json.dumps(meta))})
    with pytest.raises(ValueError, match="load: "):
        nn.load(path)
