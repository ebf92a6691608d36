"""Two implementations, one contract: the fast path (impl="fast", nn/fast/) equals the
reference (impl="reference", nn/rnn.py, lstm.py, gru.py), and both equal torch, on outputs,
final states, dx, the initial-state gradient, every parameter gradient and the trace (h, c,
every gate, dh, dc), in float64.

Tolerances, relative to the largest entry of the array compared: fast vs reference 1e-12;
reference vs torch 1e-9. Torch twice: the cells unrolled step by step by their equations
with autograd (gates and the per-step gradients via retain_grad; gate surgery as the
reference defines it), and, where torch has the cell and no gate is clamped, torch.nn.RNN /
LSTM / GRU themselves. Cases: every cell x 1-2 layers x a seeded list of sizes, including
B = 1, T = 1 and a long case whose backward spans many of the fast path's chunks, x (LSTM)
with and without a clamp that starts inside a chunk.
"""

import numpy as np
import pytest
import torch

from rnnlab import nn
from rnnlab.nn.fast._sequence import chunks

FAST_VS_REFERENCE = 1e-12
VS_TORCH = 1e-9
CELLS = {"rnn-tanh": (nn.RNN, {"nonlinearity": "tanh"}), "rnn-relu": (nn.RNN, {"nonlinearity": "relu"}),
         "rnn-linear": (nn.RNN, {"nonlinearity": "linear"}), "lstm": (nn.LSTM, {}), "gru": (nn.GRU, {})}
TORCH_MODULES = {"rnn-tanh": (torch.nn.RNN, {"nonlinearity": "tanh"}),
                 "rnn-relu": (torch.nn.RNN, {"nonlinearity": "relu"}),
                 "lstm": (torch.nn.LSTM, {}), "gru": (torch.nn.GRU, {})}  # no "linear" RNN in torch
GATES = {"lstm": "ifgo", "gru": "rzn"}
STEP_BYTES = {"rnn": 1, "lstm": 4, "gru": 6}  # the fast backward's per-step arrays, in units of H*B*8 bytes
LONG = (32, 90, 5, 64)  # (B, T, I, H): 3 (RNN), 12 (LSTM), 18 (GRU) chunks of the fast backward
_draw = np.random.default_rng(2026)
SIZES = [(1, 1, 1, 1), (1, 40, 3, 7), (3, 5, 4, 2),
         *[tuple(int(v) for v in _draw.integers([1, 2, 1, 1], [6, 30, 8, 12])) for _ in range(2)], LONG]
CASES = [(cell, L, size, clamp) for cell in CELLS for L in (1, 2) for size in SIZES
         for clamp in ((False, True) if cell == "lstm" else (False,))]


@pytest.fixture(autouse=True, scope="module")
def one_torch_thread():
    """Torch's small ops on one thread, as the Makefile's OMP_NUM_THREADS=1 sets it: on a
    busy 2-core machine two threads spin and take ~8x longer."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def _case_id(case):
    cell, L, (B, T, I, H), clamp = case
    return f"{cell}-L{L}-B{B}-T{T}-I{I}-H{H}" + ("-clamp" if clamp else "")


def _parts(state):
    return state if isinstance(state, tuple) else (state,)


def _rel(a, b) -> float:
    """max |a - b| relative to the largest entry of b (robust to entries near zero)."""
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    assert a.shape == b.shape, (a.shape, b.shape)
    return float(np.max(np.abs(a - b)) / max(np.max(np.abs(b)), 1e-300)) if a.size else 0.0


def _clamp_inside_a_chunk(T: int, H: int, B: int) -> dict:
    """A forget-gate clamp from a step past the first third of T that does not start a
    chunk of the fast LSTM's backward (when there is more than one step)."""
    starts = {t0 for t0, _ in chunks(T, STEP_BYTES["lstm"] * H * B * 8)}
    t_clamp = next((t for t in range(T // 3, T) if t not in starts), T // 3)
    return {"f": (0.25, t_clamp)}


def _run_ours(layer, x, state0, dout, dstate, override):
    out, final = layer.forward(x, state0, gate_override=override)
    dx, dstate0 = layer.backward(dout, dstate)
    return dict(out=out, final=_parts(final), dx=dx, dstate0=_parts(dstate0), grads=dict(layer.grads),
                trace=layer.trace)


# --- torch, by the equations, with autograd -------------------------------------------


def _torch_step(cell, p, x_t, h, c, clamp):
    """One step in torch; p: this layer's weights. Returns (h, c, {gate: activation})."""
    if cell == "gru":
        xw_r, xw_z, xw_n = (x_t @ p["weight_ih"].T + p["bias_ih"]).chunk(3, dim=1)
        hw_r, hw_z, hw_n = (h @ p["weight_hh"].T + p["bias_hh"]).chunk(3, dim=1)
        r, z = torch.sigmoid(xw_r + hw_r), torch.sigmoid(xw_z + hw_z)
        n = torch.tanh(xw_n + r * hw_n)
        return (1 - z) * n + z * h, None, dict(r=r, z=z, n=n)
    a = x_t @ p["weight_ih"].T + p["bias_ih"] + h @ p["weight_hh"].T + p["bias_hh"]
    if cell == "lstm":
        a_i, a_f, a_g, a_o = a.chunk(4, dim=1)
        gates = dict(i=torch.sigmoid(a_i), f=torch.sigmoid(a_f), g=torch.tanh(a_g), o=torch.sigmoid(a_o))
        gates.update({k: torch.full_like(gates[k], v) for k, v in clamp.items()})
        c = gates["f"] * c + gates["i"] * gates["g"]
        return gates["o"] * torch.tanh(c), c, gates
    f = {"rnn-tanh": torch.tanh, "rnn-relu": torch.relu, "rnn-linear": lambda v: v}[cell]
    return f(a), None, {}


def _run_torch_unrolled(cell, layer, x, state0, dout, dstate, override):
    L = layer.num_layers
    params = {k: torch.tensor(v, requires_grad=True) for k, v in layer.params.items()}
    x_t = torch.tensor(x, requires_grad=True)
    parts0 = [torch.tensor(s, requires_grad=True) for s in state0]
    inp = [x_t[:, t] for t in range(x.shape[1])]
    layers, finals = [], []
    for k in range(L):
        p = {name: params[f"{name}_l{k}"] for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")}
        h, c = parts0[0][k], parts0[1][k] if cell == "lstm" else None
        rec = {"h": [], "c": [], "gates": []}
        for t in range(len(inp)):
            clamp = {g: v for g, (v, t0) in override.items() if t >= t0}
            h, c, gates = _torch_step(cell, p, inp[t], h, c, clamp)
            h.retain_grad()
            rec["h"].append(h)
            if c is not None:
                c.retain_grad()
                rec["c"].append(c)
            rec["gates"].append(gates)
        layers.append(rec)
        finals.append((h, c))
        inp = rec["h"]
    out = torch.stack(layers[-1]["h"], dim=1)
    loss = (out * torch.from_numpy(dout)).sum()
    for k, (h, c) in enumerate(finals):
        loss = loss + (h * torch.from_numpy(dstate[0][k])).sum()
        if c is not None:
            loss = loss + (c * torch.from_numpy(dstate[1][k])).sum()
    loss.backward()

    def stack(tensors, grad=False):
        return np.stack([(v.grad if grad else v.detach()).numpy() for v in tensors], axis=1)

    final = tuple(np.stack([f[j].detach().numpy() for f in finals]) for j in range(len(state0)))
    traces = [dict(h=stack(r["h"]), dh=stack(r["h"], grad=True),
                   c=stack(r["c"]) if r["c"] else None, dc=stack(r["c"], grad=True) if r["c"] else None,
                   gates={g: stack([s[g] for s in r["gates"]]) for g in GATES.get(cell, "")})
              for r in layers]
    return dict(out=out.detach().numpy(), final=final, dx=x_t.grad.numpy(),
                dstate0=tuple(s.grad.numpy() for s in parts0),
                grads={k: v.grad.numpy() for k, v in params.items()}, trace=traces)


def _run_torch_module(cell, layer, x, state0, dout, dstate):
    cls, kwargs = TORCH_MODULES[cell]
    module = cls(layer.input_size, layer.hidden_size, num_layers=layer.num_layers, batch_first=True,
                 dtype=torch.float64, **kwargs)
    module.load_state_dict({k: torch.from_numpy(v) for k, v in layer.state_dict().items()})
    x_t = torch.tensor(x, requires_grad=True)
    parts0 = [torch.tensor(s, requires_grad=True) for s in state0]
    out, final = module(x_t, tuple(parts0) if cell == "lstm" else parts0[0])
    final = _parts(final)
    loss = (out * torch.from_numpy(dout)).sum() + sum((f * torch.from_numpy(d)).sum()
                                                      for f, d in zip(final, dstate))
    loss.backward()
    return dict(out=out.detach().numpy(), final=tuple(f.detach().numpy() for f in final), dx=x_t.grad.numpy(),
                dstate0=tuple(s.grad.numpy() for s in parts0),
                grads={k: v.grad.numpy() for k, v in module.named_parameters()})


def _errors(mine, theirs, with_trace=True) -> dict[str, float]:
    """Relative error of every compared array, by name."""
    errors = {"out": _rel(mine["out"], theirs["out"]), "dx": _rel(mine["dx"], theirs["dx"])}
    for j, name in enumerate("hc"[:len(mine["final"])]):
        errors[f"final {name}"] = _rel(mine["final"][j], theirs["final"][j])
        errors[f"d{name}0"] = _rel(mine["dstate0"][j], theirs["dstate0"][j])
    for k, g in theirs["grads"].items():
        errors[k] = _rel(mine["grads"][k], g)
    if with_trace:
        for k, (lt, ref) in enumerate(zip(mine["trace"].layers, _trace_dicts(theirs["trace"]))):
            for name in ("h", "dh", "c", "dc"):
                assert (getattr(lt, name) is None) == (ref[name] is None), name
                if ref[name] is not None:
                    errors[f"trace[{k}].{name}"] = _rel(getattr(lt, name), ref[name])
            assert set(lt.gates) == set(ref["gates"])
            for g, v in ref["gates"].items():
                errors[f"trace[{k}].gates[{g}]"] = _rel(lt.gates[g], v)
    return errors


def _trace_dicts(trace):
    """A layer.trace as a list of dicts, or a list of dicts as it is."""
    if isinstance(trace, list):
        return trace
    return [dict(h=lt.h, dh=lt.dh, c=lt.c, dc=lt.dc, gates=dict(lt.gates)) for lt in trace.layers]


@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_fast_equals_reference_equals_torch(case):
    cell, L, (B, T, I, H), clamp = case
    rng = np.random.default_rng([B, T, I, H, L])
    cls, kwargs = CELLS[cell]
    fast, ref = (cls(I, H, num_layers=L, dtype=np.float64, seed=7, impl=impl, **kwargs)
                 for impl in ("fast", "reference"))
    n_parts = 2 if cell == "lstm" else 1
    x, dout = rng.standard_normal((B, T, I)), rng.standard_normal((B, T, H))
    state0 = tuple(rng.standard_normal((L, B, H)) for _ in range(n_parts))
    dstate = tuple(rng.standard_normal((L, B, H)) for _ in range(n_parts))
    override = _clamp_inside_a_chunk(T, H, B) if clamp else {}
    state_arg = state0 if cell == "lstm" else state0[0]
    dstate_arg = dstate if cell == "lstm" else dstate[0]

    got_fast = _run_ours(fast, x, state_arg, dout, dstate_arg, override)
    got_ref = _run_ours(ref, x, state_arg, dout, dstate_arg, override)
    errors = _errors(got_fast, {**got_ref, "trace": _trace_dicts(got_ref["trace"])})
    assert max(errors.values()) <= FAST_VS_REFERENCE, {k: v for k, v in errors.items() if v > FAST_VS_REFERENCE}

    unrolled = _run_torch_unrolled(cell, ref, x, state0, dout, dstate, override)
    errors = _errors(got_ref, unrolled)
    assert max(errors.values()) <= VS_TORCH, {k: v for k, v in errors.items() if v > VS_TORCH}

    if cell in TORCH_MODULES and not clamp:
        errors = _errors(got_ref, _run_torch_module(cell, ref, x, state0, dout, dstate), with_trace=False)
        assert max(errors.values()) <= VS_TORCH, {k: v for k, v in errors.items() if v > VS_TORCH}


def test_the_long_case_spans_several_chunks_and_the_clamp_starts_inside_one():
    B, T, _, H = LONG
    for cell, n in STEP_BYTES.items():
        assert len(chunks(T, n * H * B * 8)) >= 3, cell
    t_clamp = _clamp_inside_a_chunk(T, H, B)["f"][1]
    starts = {t0 for t0, _ in chunks(T, STEP_BYTES["lstm"] * H * B * 8)}
    assert t_clamp not in starts and 0 < t_clamp < T


def test_every_case_is_a_distinct_combination():
    assert len({_case_id(c) for c in CASES}) == len(CASES)
