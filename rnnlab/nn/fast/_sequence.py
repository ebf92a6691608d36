"""What the three fast cells (fast/rnn.py, lstm.py, gru.py) share: layout changes between
batch-first arrays and time-major columns, the input projection of all steps, the chunks
of steps the backward loops run, and the weight and input gradients of all steps at once.

Shape letters: B batch, T time, I input size, H hidden size, G gates per cell (GH = G*H),
X any size.
"""

from __future__ import annotations

import numpy as np

HALF = {"f": np.array(0.5, np.float32), "d": np.array(0.5, np.float64)}  # by dtype.char; an array
# of the data's own dtype, because a NumPy call with a Python float costs twice as much


def sigmoid_(a: np.ndarray) -> np.ndarray:
    """a <- sigmoid(a) in place, as 0.5 * tanh(a / 2) + 0.5: the same function as
    1 / (1 + exp(-a)) (it only rounds to exactly 0 or 1 a little sooner), computed by
    four fast in-place ufunc calls."""
    half = HALF[a.dtype.char]
    a *= half
    np.tanh(a, a)
    a *= half
    a += half
    return a


def gate_blocks(a, n: int = 4) -> list[np.ndarray]:
    """The n row blocks of a (..., nH, B) array, as views (..., H, B)."""
    H = a.shape[-2] // n
    return [a[..., k * H : (k + 1) * H, :] for k in range(n)]


def to_columns(x: np.ndarray, dtype=None) -> np.ndarray:
    """(B, T, X) -> a new time-major column array (T, X, B)."""
    return np.array(x.transpose(1, 2, 0), dtype=dtype, order="C")


def to_batch_first(a: np.ndarray) -> np.ndarray:
    """(T, X, B) -> a new (B, T, X) array."""
    return np.array(a.transpose(2, 0, 1), order="C")


def carry(d_final, H, B, dtype) -> np.ndarray:
    """The (H, B) gradient carried back into the last step: d_final (B, H), or zeros if None."""
    if d_final is None:
        return np.zeros((H, B), dtype)
    return np.array(d_final.T, dtype=dtype, order="C")


def input_projection(x, W_ih, b):
    """Every step's W_ih x_t + b in one call: x (B, T, I), W_ih (GH, I), b (GH,).
    Returns (x_cols (T, I, B), xw (T, GH, B))."""
    x_cols = to_columns(x)  # (T, I, B)
    xw = np.matmul(W_ih, x_cols)  # (T, GH, B)
    xw += np.repeat(b[:, None], x.shape[0], axis=1)  # the bias as a contiguous (GH, B) block
    return x_cols, xw


def chunks(T: int, step_nbytes: int, budget: int = 1 << 19) -> list[tuple[int, int]]:
    """Step ranges (t0, t1), last first, each about ``budget`` bytes of per-step arrays: the
    backward loops compute the local derivatives of a chunk at once into one reused buffer,
    run its steps while they are still in cache, then file the chunk's gradients side by
    side for the weight GEMMs (``file_steps``). A chunk is max(1, budget // step_nbytes)
    steps: e.g. 512 for an LSTM (step_nbytes = 4 H B itemsize) with B = 1, H = 64, float32."""
    K = max(1, budget // step_nbytes)
    return [(max(0, t1 - K), t1) for t1 in range(T, 0, -K)]


def file_steps(d2, t0: int, d_chunk) -> None:
    """Copy a chunk's per-step gradients d_chunk (K, X, B), steps t0 ... t0+K-1, into their
    columns of d2 (X, T*B), where step t's (X, B) block is d2[:, t*B : (t+1)*B]."""
    K, X, B = d_chunk.shape
    d2.reshape(X, -1, B)[:, t0 : t0 + K] = d_chunk.transpose(1, 0, 2)


def weight_grads(da2, x_cols, hs):
    """The weight gradients of all steps at once: sum over t of da_t x_t^T and da_t h_{t-1}^T,
    one GEMM. da2 (GH, T*B): every step's dL/da_t side by side; x_cols (T, I, B),
    hs (T + 1, H, B). Returns (dW_ih (GH, I), dW_hh (GH, H), db (GH,))."""
    (T, I, B), H = x_cols.shape, hs.shape[1]
    z = np.empty((I + H, T, B), dtype=da2.dtype)  # [x_t; h_{t-1}] for every step, side by side
    z[:I] = x_cols.transpose(1, 0, 2)
    z[I:] = hs[:-1].transpose(1, 0, 2)
    dW = np.dot(da2, z.reshape(I + H, T * B).T)  # (GH, I+H) = [dW_ih | dW_hh]
    return dW[:, :I], dW[:, I:], da2.sum(axis=1)


def input_grad(da2, W_ih, B):
    """dx (B, T, I) = W_ih^T da_t for every step: da2 (GH, T*B), W_ih (GH, I)."""
    dx = np.dot(W_ih.T, da2)  # (I, T*B)
    return np.array(dx.reshape(W_ih.shape[1], -1, B).transpose(2, 1, 0), order="C")  # (B, T, I)
