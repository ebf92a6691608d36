import time

import numpy as np

from rnnlab import nn
from rnnlab.tasks.adding import adding_baseline_mse, adding_batch

T = 50


def held_out_mse(model, seed):
    x, y = adding_batch(np.random.default_rng(seed), 1000, T)
    return nn.mse(model.forward(x), y)[0]


def test_lstm_learns_the_adding_problem_at_T50_below_mse_001():
    start = time.perf_counter()
    model = nn.SequenceClassifier("lstm", 2, 16, 1, seed=0)  # a regressor: y = W h_T + b
    opt = nn.Adam(model.params, model.grads, lr=0.02)
    rng = np.random.default_rng(0)
    baseline = adding_baseline_mse(np.random.default_rng(1), T)
    before = held_out_mse(model, seed=2)
    for step in range(1, 1501):
        x, y = adding_batch(rng, 64, T)
        model.zero_grad()
        loss, dpred = nn.mse(model.forward(x), y)
        model.backward(dpred)
        nn.clip_grad_norm(model.grads, 1.0)
        opt.step()
        if step % 100 == 0 and held_out_mse(model, seed=3) < 0.005:  # validation: stop early
            break
    after = held_out_mse(model, seed=4)  # a test set the stopping rule never saw
    elapsed = time.perf_counter() - start
    assert before > 0.5 * baseline, (before, baseline)  # it starts no better than guessing 1
    assert after < 0.01, (step, after)
    assert after < baseline / 10
    print(f"adding problem T={T}: MSE {before:.3f} -> {after:.4f} (baseline {baseline:.3f}) "
          f"in {step} steps, {elapsed:.1f} s")
