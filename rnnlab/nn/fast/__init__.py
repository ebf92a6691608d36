"""The fast path of the recurrent cells: the maths of ``nn.rnn``, ``nn.lstm`` and ``nn.gru``
(the reference, written to be read beside the lesson's equations) arranged for speed, as
cuDNN arranges it: one GEMM for every step's input projection, one matrix product per step
for all gates, precomputed local derivatives, a backward pass in chunks of steps in which
only the linear recurrence is per step, and the weight gradients of all steps in one GEMM.

The layers (``nn.RNN``, ``nn.LSTM``, ``nn.GRU``) run this by default (``impl="fast"``);
``impl="reference"`` runs the reference. The sequence functions take the same arguments and
return the same gradient dataclasses as the reference's; tests/nn/test_impl_parity.py holds
the two equal (and to torch) on outputs, gradients and the trace.
"""
