"""Uploaded .npz files are judged by their zip directory and .npy headers before anything is inflated."""

import io
import json
import tracemalloc
import zipfile

import numpy as np
import pytest

from rnnlab import nn
from rnnlab.experiments import _packing, char_lm
from rnnlab.experiments._npz_reader import read_model_npz
from rnnlab.nn.io import FORMAT, META_KEY


def _peak_mb(fn) -> tuple[object, float]:
    """(what fn returned or raised, the peak of Python allocations meanwhile, in MB)."""
    tracemalloc.start()
    try:
        out = fn()
    except Exception as exc:  # noqa: BLE001 - the test looks at it
        out = exc
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return out, peak


def _read(data: bytes):
    return read_model_npz(data, char_lm.MODEL)


def test_a_lab_model_reads_back_equal(model_files):
    model = nn.CharLM(len(model_files.vocab), 32, cell="lstm", seed=3)
    args, meta, state = _read(_packing.to_npz(model, {"vocab": model_files.vocab}))
    assert args["hidden_size"] == 32 and meta["extra"]["vocab"] == model_files.vocab
    assert all(np.array_equal(state[k], v) for k, v in model.state_dict().items())


def test_a_lying_member_inflates_only_what_it_declares(model_files):
    # zipfile's read() with no size inflates far past a member's declared size before cutting it short:
    zf = zipfile.ZipFile(io.BytesIO(model_files.lying_member(declared=100, actual=64 << 20)))
    data, peak = _peak_mb(lambda: zf.open("x.npy").read())
    assert len(data) == 100 and peak > 60
    # read(n) inflates at most max(n, 4096) per call, which is all _npz_reader ever asks for:
    data, peak = _peak_mb(lambda: zf.open("x.npy").read(1000))
    assert len(data) == 100 and peak < 1


def test_a_zip_bomb_is_refused_from_its_directory_without_inflating(model_files):
    bomb = model_files.zip_bomb(3 << 30)
    assert len(bomb) < 4 << 20
    out, peak = _peak_mb(lambda: _read(bomb))
    assert isinstance(out, ValueError) and "unpacks to 3072.0 MB" in str(out)
    assert peak < 20


def test_ten_thousand_members_are_refused(model_files):
    with pytest.raises(ValueError, match="holds 10000 files; a lab model has at most 7"):
        _read(model_files.many_members(10_000))


@pytest.mark.parametrize("change", [{"hidden_size": 8000}, {"vocab_size": 10**7}, {"num_layers": 20000},
                                    {"embedding_dim": 4096}, {"dtype": {"dtype": "object"}}, {"dtype": {"dtype": 5}}])
def test_metadata_bombs_are_refused_before_any_array_is_read(model_files, change):
    small = model_files.meta_only_npz(**change)
    assert len(small) < 2048
    out, peak = _peak_mb(lambda: _read(small))
    assert isinstance(out, ValueError) and "this model's" in str(out) and peak < 1


@pytest.mark.parametrize("args", [[1, 2], "hidden_size", None, 5])
def test_arguments_that_are_not_an_object_are_refused(model_files, args):
    with pytest.raises(ValueError, match="arguments must be a JSON object"):
        _read(model_files.meta_only_npz(args=args))


def test_another_class_is_refused(model_files):
    with pytest.raises(ValueError, match="not a CharLM model"):
        _read(model_files.meta_only_npz(cls="subprocess.Popen"))


def _resave(npz: bytes, **arrays) -> bytes:
    """The .npz with some arrays replaced (or added)."""
    with np.load(io.BytesIO(npz)) as f:
        everything = {k: f[k] for k in f.files} | arrays
    buffer = io.BytesIO()
    np.savez(buffer, **everything)
    return buffer.getvalue()


def _rezip(npz: bytes, **members: bytes | None) -> bytes:
    """The .npz with some members' raw bytes replaced, added, or (None) dropped: no numpy in the way."""
    with zipfile.ZipFile(io.BytesIO(npz)) as zf:
        everything = {i.filename: zf.read(i) for i in zf.infolist()}
    everything |= {f"{name}.npy": data for name, data in members.items()}
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        for name, data in everything.items():
            if data is not None:
                zf.writestr(name, data)
    return out.getvalue()


def _rezip_member(npz: bytes, name: str) -> bytes:
    with zipfile.ZipFile(io.BytesIO(npz)) as zf:
        return zf.read(f"{name}.npy")


def _header(descr: str, shape: tuple) -> bytes:
    buffer = io.BytesIO()
    np.lib.format.write_array_header_1_0(buffer, {"descr": descr, "fortran_order": False, "shape": shape})
    return buffer.getvalue()


def test_an_array_whose_header_declares_a_huge_shape_is_refused_unread(model_files):
    huge = _rezip(model_files.char_npz(), **{"linear.bias": _header("<f4", (10**6, 10**6)) + bytes(64)})
    with pytest.raises(ValueError, match=r"'linear.bias' has shape \(1000000, 1000000\); this model's arguments imply \(12,\)"):
        _read(huge)


@pytest.mark.parametrize("array, message", [
    (np.zeros((12,), dtype=np.int64), "holds int64"),
    (np.zeros((12,), dtype=np.float16), "holds float16"),
    (np.zeros((13,), dtype=np.float32), r"has shape \(13,\)"),
    (np.array([object()] * 12, dtype=object), "holds object"),
])
def test_arrays_of_another_dtype_or_shape_are_refused(model_files, array, message):
    if array.dtype == object:  # np.savez would pickle it: the header and a pickle's start by hand
        data = _rezip(model_files.char_npz(), **{"linear.bias": _header("|O", (12,)) + b"\x80\x04cos\nsystem\n"})
    else:
        data = _resave(model_files.char_npz(), **{"linear.bias": array})
    with pytest.raises(ValueError, match=message):
        _read(data)


def test_a_missing_or_extra_array_is_refused(model_files):
    npz = model_files.char_npz()
    swapped = _rezip(npz, **{"linear.bias": None, "extra": _rezip_member(npz, "linear.weight")})
    with pytest.raises(ValueError, match=r"missing \['linear.bias'\], unexpected \['extra'\]"):
        _read(swapped)
    with pytest.raises(ValueError, match="holds 8 files; a lab model has at most 7"):
        _read(_resave(model_files.char_npz(), extra=np.zeros(3, dtype=np.float32)))


def test_float64_and_fortran_order_arrays_are_read(model_files):
    model = nn.CharLM(len(model_files.vocab), 16, cell="rnn", dtype=np.float64, seed=2)
    state = {k: np.asfortranarray(v) for k, v in model.state_dict().items()}
    meta = {"format": FORMAT, "class": "CharLM", "args": _packing.constructor_args(model), "extra": {}}
    buffer = io.BytesIO()
    np.savez(buffer, **state, **{META_KEY: np.array(json.dumps(meta))})
    args, _, back = _read(buffer.getvalue())
    assert args["dtype"] == np.float64 and all(np.array_equal(back[k], v) for k, v in state.items())


@pytest.mark.parametrize("data", [b"", b"PK\x05\x06" + bytes(18), b"not a zip at all", b"\x00" * 100])
def test_what_is_not_a_zip_is_refused(data):
    with pytest.raises(ValueError, match="not an .npz|not written by rnnlab"):
        _read(data)


def test_bzip2_members_are_refused(model_files):
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(model_files.char_npz())) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_BZIP2) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, src.read(info))
    with pytest.raises(ValueError, match="compressed in a way numpy does not write"):
        _read(out.getvalue())


def test_a_deflated_npz_as_savez_compressed_writes_is_read(model_files):
    with np.load(io.BytesIO(model_files.char_npz())) as f:
        arrays = {k: f[k] for k in f.files}
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **arrays)
    _read(buffer.getvalue())
