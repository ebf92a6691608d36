"""``Computer``: quick experiments computed in a spawned helper process, as this process would."""

import os
import signal

import pytest

from rnnlab.experiments import vanishing_gradients
from rnnlab.runtime.cache import computed_here
from rnnlab.runtime.compute import Computer


@pytest.fixture
def computer():
    computer = Computer(1)
    yield computer
    computer.close()


def test_a_helper_process_sends_the_bytes_this_process_would_compute(computer):
    params = vanishing_gradients.Params(seq_len=20, hidden_size=8)
    assert computer(vanishing_gradients, params) == computed_here(vanishing_gradients, params)


def test_a_killed_helper_is_replaced_and_the_run_tried_again(computer):
    params = vanishing_gradients.Params(seq_len=20, hidden_size=8)
    first = computer(vanishing_gradients, params)
    for pid in list(computer._pool._processes):
        os.kill(pid, signal.SIGKILL)
    assert computer(vanishing_gradients, params) == first
