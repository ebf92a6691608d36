"""Reading an ``.npz`` a learner uploads without letting it decide how much memory that takes.

An ``.npz`` is a zip of ``.npy`` members. ``np.load`` trusts both layers: it
inflates a member in full and allocates whatever shape an ``.npy`` header
declares. Here the zip directory is judged first (member count, names, each
member's declared size and their total, stored or deflated only), then each
member's ``.npy`` header (dtype, shape) before a byte of its data is read, and
every read asks for at most what the member still declares.

Can zipfile be made to inflate more than a member's declared ``file_size``?
Yes, for one call: ``ZipExtFile.read()`` (no size; ``np.load`` and
``ZipFile.read`` do this) decompresses up to 1 GiB in one go and only then cuts
the result to ``file_size``, so a member that says "100 bytes" and holds
gigabytes of deflated zeros is inflated up to 1 GiB before the CRC check fails.
``read(n)`` inflates at most max(n, 4096) bytes per call, so ``_Capped`` never
asks for more than the member declares (held by
``test_a_lying_member_inflates_only_what_it_declares``). bzip2 and LZMA members
are decompressed without any such bound, so only stored and deflated ones are taken.
"""

from __future__ import annotations

import io
import zipfile

import numpy as np

from rnnlab.experiments._model_bounds import ModelBounds
from rnnlab.nn.io import META_KEY, parse_meta

META_BYTES = 64 * 1024  # the metadata record: class, arguments, a vocabulary of ≤ 256 characters
HEADER_BYTES = 1024  # an .npy member's magic and header (numpy writes 128)
FLOATS = (np.dtype("<f4"), np.dtype("<f8"))  # float32, float64
NOT_NPZ = "this is not an .npz file saved from the lab"


class TooLarge(ValueError):
    """The file unpacks to more than any model the lab trains (HTTP 413, not 422)."""


class _Capped:
    """A member's file object that never reads past ``left`` bytes (the member's declared size)."""

    def __init__(self, fp, left: int):
        self.fp, self.left = fp, left

    def read(self, n: int = -1) -> bytes:
        n = self.left if n is None or n < 0 else min(n, self.left)
        data = self.fp.read(n)
        self.left -= len(data)
        return data


def _directory(zf: zipfile.ZipFile, bounds: ModelBounds) -> dict[str, zipfile.ZipInfo]:
    """The members by array name, judged by the zip directory alone (nothing inflated)."""
    infos = zf.infolist()
    most = 1 + bounds.most_arrays()
    if len(infos) > most:
        raise ValueError(f"this .npz holds {len(infos)} files; a lab model has at most {most}")
    total = sum(i.file_size for i in infos)
    largest = META_BYTES + most * HEADER_BYTES + 8 * bounds.most_values()
    if total > largest:
        raise TooLarge(f"this .npz unpacks to {total / 2**20:.1f} MB; a lab model takes at most {largest / 2**20:.1f} MB")
    members = {}
    for info in infos:
        if not info.filename.endswith(".npy") or info.filename[:-4] in members:
            raise ValueError(f"{NOT_NPZ} (it holds {info.filename[:40]!r})")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise ValueError(f"{NOT_NPZ} (it is compressed in a way numpy does not write)")
        members[info.filename[:-4]] = info
    if META_KEY not in members:
        raise ValueError("this .npz was not written by rnnlab (no metadata record)")
    if members[META_KEY].file_size > META_BYTES:
        raise ValueError("this .npz's metadata record is larger than any the lab writes")
    return members


def _header(fp) -> tuple[tuple[int, ...], bool, np.dtype]:
    version = np.lib.format.read_magic(fp)
    if version == (1, 0):
        return np.lib.format.read_array_header_1_0(fp, max_header_size=HEADER_BYTES)
    if version == (2, 0):
        return np.lib.format.read_array_header_2_0(fp, max_header_size=HEADER_BYTES)
    raise ValueError(f".npy version {version}")


def _array(zf: zipfile.ZipFile, info: zipfile.ZipInfo, name: str, shape: tuple[int, ...]) -> np.ndarray:
    """One member's array, its header checked against ``shape`` before its data is read."""
    with zf.open(info) as raw:
        fp = _Capped(raw, info.file_size)
        got, fortran, dtype = _header(fp)
        if dtype not in FLOATS:
            raise ValueError(f"array {name!r} holds {dtype}; the lab's models hold float32 or float64")
        if tuple(got) != shape:
            raise ValueError(f"array {name!r} has shape {tuple(got)}; this model's arguments imply {shape}")
        count = int(np.prod(shape))
        data = fp.read(count * dtype.itemsize)
    if len(data) != count * dtype.itemsize:
        raise ValueError(f"array {name!r} is cut short")
    return np.frombuffer(data, dtype=dtype).reshape(shape, order="F" if fortran else "C")


def _meta(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> dict:
    with zf.open(info) as raw:
        fp = _Capped(raw, info.file_size)
        shape, _, dtype = _header(fp)
        if shape != () or dtype.kind != "U":
            raise ValueError("this .npz's metadata record is not text")
        text = np.frombuffer(fp.read(dtype.itemsize), dtype=dtype)[0]
    return parse_meta(str(text), "this .npz")  # read only now: its size was judged with the directory


def read_model_npz(data: bytes, bounds: ModelBounds) -> tuple[dict, dict, dict[str, np.ndarray]]:
    """(constructor arguments, metadata record, arrays) of the model in ``data``, every array
    of the shape its arguments imply; ValueError saying what does not fit otherwise."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            members = _directory(zf, bounds)
            meta = _meta(zf, members.pop(META_KEY))
            args, shapes = bounds.check(meta.get("class"), meta.get("args"))
            missing, unexpected = sorted(set(shapes) - set(members)), sorted(set(members) - set(shapes))
            if missing or unexpected:
                raise ValueError(f"this .npz's arrays do not fit its model: missing {missing[:3]}, unexpected {unexpected[:3]}")
            state = {name: _array(zf, members[name], name, shapes[name]) for name in shapes}
    except UnicodeDecodeError:
        raise ValueError(f"{NOT_NPZ} (its metadata record is not JSON)") from None
    except ValueError:
        raise
    except Exception as exc:  # noqa: BLE001 - BadZipFile, EOFError, RecursionError ...: not an npz the lab wrote
        raise ValueError(f"{NOT_NPZ} ({type(exc).__name__})") from None
    return args, meta, state
