"""rnnlab.nn — the glass-box RNN engine (NumPy only).

    from rnnlab import nn
    layer = nn.LSTM(input_size=8, hidden_size=16)
    out, (h, c) = layer.forward(x)          # x: (B, T, I), batch first
    dx, (dh0, dc0) = layer.backward(dout)

Names, shapes and gate order follow torch.nn.RNN / LSTM / GRU exactly. The cells come
twice, held equal by a test: the reference (rnn.py, lstm.py, gru.py: step functions in the
lesson's notation) and the fast path the layers run by default (fast/); ``impl="reference"``
makes a layer run the reference.
"""

from rnnlab.nn import init
from rnnlab.nn.gradcheck import gradcheck, numeric_grad, rel_error
from rnnlab.nn.module import Module

# --- recurrent layers (recurrent.py; the cells: rnn.py, lstm.py, gru.py and fast/) ---
from rnnlab.nn.recurrent import GRU, LSTM, RNN, LayerTrace, Trace

# --- other layers, losses, optimizers, save/load ---
from rnnlab.nn.embedding import Embedding, one_hot
from rnnlab.nn.io import load, read_npz, save
from rnnlab.nn.linear import Linear
from rnnlab.nn.losses import log_softmax, mse, softmax, softmax_cross_entropy
from rnnlab.nn.optim import SGD, Adam, clip_grad_norm

# --- composite models (models/) ---
from rnnlab.nn.models import AdditiveAttention, CharLM, Seq2Seq, SequenceClassifier, SequenceTagger
