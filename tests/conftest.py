"""Hostile model files, shared by tests/experiments and tests/web: small to send, huge if believed."""

import io
import json
import struct
import types
import zipfile
import zlib

import numpy as np
import pytest

from rnnlab import nn
from rnnlab.experiments import _packing
from rnnlab.nn.io import FORMAT, META_KEY

VOCAB = "abcdefghij \n"  # 12 characters


def char_npz(hidden_size: int = 16, cell: str = "gru", vocab: str = VOCAB) -> bytes:
    """A real CharLM saved as the lab saves it."""
    return _packing.to_npz(nn.CharLM(len(vocab), hidden_size, cell=cell, seed=1), {"vocab": vocab})


_LAB_ARGS = object()


def meta_only_npz(args=_LAB_ARGS, cls="CharLM", vocab: str = VOCAB, **changes) -> bytes:
    """An .npz of a few hundred bytes: only the metadata record, whose arguments say what ``changes`` say."""
    if args is _LAB_ARGS:
        args = {"vocab_size": len(vocab), "hidden_size": 16, "cell": "gru", "num_layers": 1,
                "embedding_dim": None, "nonlinearity": "tanh", "dtype": {"dtype": "float32"}} | changes
    buffer = io.BytesIO()
    meta = {"format": FORMAT, "class": cls, "args": args, "extra": {"vocab": vocab}}
    np.savez(buffer, **{META_KEY: np.array(json.dumps(meta))})
    return buffer.getvalue()


def _zip(members: list[tuple[str, bytes, int, int, int]]) -> bytes:
    """A zip written by hand, so that a member can declare any size: (name, raw bytes, method, crc, declared size)."""
    out, central = io.BytesIO(), io.BytesIO()
    for name, raw, method, crc, size in members:
        offset = out.tell()
        fields = (20, 0, method, 0, 0, crc, len(raw), size, len(name), 0)
        out.write(struct.pack("<4s5HLLLHH", b"PK\x03\x04", *fields) + name.encode() + raw)
        central.write(struct.pack("<4s6HLLLHHHHHLL", b"PK\x01\x02", 20, *fields, 0, 0, 0, 0, offset) + name.encode())
    n, start = len(members), out.tell()
    out.write(central.getvalue())
    out.write(struct.pack("<4s4HLLH", b"PK\x05\x06", 0, 0, n, n, len(central.getvalue()), start, 0))
    return out.getvalue()


def deflated_zeros(size: int, prefix: bytes = b"") -> bytes:
    """A raw deflate stream of ``prefix`` and zeros, ``size`` bytes in all, built from one
    compressed 16 MB block repeated (each block full-flushed, so it stands alone): fast for gigabytes."""
    chunk = 1 << 24
    first = zlib.compressobj(9, zlib.DEFLATED, -15)
    head = first.compress(prefix + bytes(min(size, chunk) - len(prefix))) + first.flush(zlib.Z_FULL_FLUSH)
    again = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = again.compress(bytes(chunk)) + again.flush(zlib.Z_FULL_FLUSH)
    tail = zlib.compressobj(9, zlib.DEFLATED, -15)
    rest, remainder = divmod(max(size - chunk, 0), chunk)
    last = tail.compress(bytes(remainder)) + tail.flush()
    return head + block * rest + last


def zip_bomb(size: int = 3 << 30) -> bytes:
    """A valid lab metadata record and one array member that inflates to ``size`` bytes of zeros (≈ size / 1000 sent)."""
    meta = zipfile.ZipFile(io.BytesIO(meta_only_npz())).read(META_KEY + ".npy")
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(header, {"descr": "<f4", "fortran_order": False, "shape": (size // 4 - 32,)})
    zeros = deflated_zeros(size, prefix=header.getvalue())
    return _zip([(META_KEY + ".npy", meta, 0, zlib.crc32(meta), len(meta)),
                 ("rnn.weight_ih_l0.npy", zeros, 8, 0, size)])  # CRC left wrong: computing it would inflate it


def lying_member(declared: int, actual: int) -> bytes:
    """A zip whose one member says it holds ``declared`` bytes and inflates to ``actual`` (zeros)."""
    return _zip([("x.npy", deflated_zeros(actual), 8, zlib.crc32(bytes(declared)), declared)])


def many_members(n: int = 10_000) -> bytes:
    return _zip([(f"a{i}.npy", b"", 0, 0, 0) for i in range(n)])


@pytest.fixture
def model_files():
    return types.SimpleNamespace(char_npz=char_npz, meta_only_npz=meta_only_npz, zip_bomb=zip_bomb,
                                 lying_member=lying_member, many_members=many_members, deflated_zeros=deflated_zeros,
                                 vocab=VOCAB)
