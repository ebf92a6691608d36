import numpy as np
import pytest

from rnnlab import nn

CELLS = ["rnn", "lstm", "gru"]
F64 = np.float64


def check_model(model, loss_and_grad, backward, extra=None):
    """gradcheck every parameter (and the arrays in ``extra``) of ``model``, tol 1e-6.
    eps 1e-4: attention gradients here are ~1e-5, where eps 1e-6 leaves rounding noise near 1e-6."""
    loss = lambda: loss_and_grad()[0]
    model.zero_grad()
    dx = backward(loss_and_grad()[1])
    arrays, analytic = dict(model.params), dict(model.grads)
    if extra is not None:
        arrays["x"], analytic["x"] = extra, dx
    report = nn.gradcheck(loss, arrays, analytic, eps=1e-4, tol=1e-6)
    assert report.ok, report
    assert len(report.errors) == len(model.params) + (extra is not None)


@pytest.mark.parametrize("cell", CELLS)
def test_sequence_classifier_backward_matches_numeric_gradient(cell):
    model = nn.SequenceClassifier(cell, 3, 4, 2, num_layers=2, dtype=F64, seed=1)
    x = np.random.default_rng(0).standard_normal((2, 4, 3))
    targets = np.array([0, 1])
    lengths = np.array([4, 2])
    check_model(model, lambda: nn.softmax_cross_entropy(model.forward(x, lengths=lengths), targets),
                model.backward, extra=x)


def test_sequence_classifier_with_vocabulary_reads_the_last_real_step():
    model = nn.SequenceClassifier("gru", 3, 4, 1, vocab_size=5, dtype=F64, seed=2)
    ids = np.array([[1, 2, 0, 0], [4, 4, 4, 3]])
    y = np.array([[0.5], [-1.0]])
    lengths = np.array([2, 4])
    check_model(model, lambda: nn.mse(model.forward(ids, lengths=lengths), y), model.backward)
    padded_differently = ids.copy()
    padded_differently[0, 2:] = 3
    assert np.array_equal(model.forward(ids, lengths=lengths),
                          model.forward(padded_differently, lengths=lengths))
    assert model.trace.h.shape == (2, 4, 4)


@pytest.mark.parametrize("cell", CELLS)
def test_sequence_tagger_backward_matches_numeric_gradient(cell):
    model = nn.SequenceTagger(cell, 3, 4, 3, vocab_size=6, dtype=F64, seed=3)
    ids = np.array([[1, 5, 2], [0, 3, 3]])
    targets = np.array([[0, 2, -100], [1, 1, 2]])
    check_model(model, lambda: nn.softmax_cross_entropy(model.forward(ids), targets), model.backward)


def test_sequence_tagger_without_vocabulary_returns_dx():
    model = nn.SequenceTagger("lstm", 3, 4, 2, dtype=F64, seed=4)
    x = np.random.default_rng(1).standard_normal((2, 3, 3))
    y = np.random.default_rng(2).standard_normal((2, 3, 2))
    check_model(model, lambda: nn.mse(model.forward(x), y), model.backward, extra=x)


@pytest.mark.parametrize("cell, embedding_dim", [("lstm", None), ("gru", 3), ("rnn", 3)])
def test_char_lm_backward_matches_numeric_gradient(cell, embedding_dim):
    model = nn.CharLM(5, 4, cell=cell, embedding_dim=embedding_dim, dtype=F64, seed=5)
    ids = np.array([[0, 1, 2, 3], [4, 4, 1, 0]])
    check_model(model, lambda: nn.softmax_cross_entropy(model.forward(ids[:, :-1]), ids[:, 1:]),
                model.backward)


def test_char_lm_carries_state_across_batches_only_when_asked():
    model = nn.CharLM(5, 4, cell="lstm", dtype=F64, seed=6)
    ids = np.array([[0, 1, 2, 3, 4, 0]])
    whole = model.forward(ids)
    model.reset_state()
    first = model.forward(ids[:, :3])
    second = model.forward(ids[:, 3:], carry=True)
    assert np.allclose(np.concatenate([first, second], axis=1), whole, atol=1e-12)
    fresh = model.forward(ids[:, 3:])
    assert not np.allclose(fresh, whole[:, 3:])


def test_char_lm_sampling_is_seeded_and_respects_top_k():
    model = nn.CharLM(6, 8, cell="gru", seed=7)
    a = model.sample(np.array([0, 1]), 40, rng=np.random.default_rng(0))
    b = model.sample(np.array([0, 1]), 40, rng=np.random.default_rng(0))
    assert a.shape == (40,) and a.dtype == np.int64 and np.array_equal(a, b)
    greedy = model.sample(np.array([0, 1]), 20, top_k=1, rng=1)
    again = model.sample(np.array([0, 1]), 20, top_k=1, rng=2)
    assert np.array_equal(greedy, again)  # top_k=1 is greedy: the seed cannot matter
    cold = model.sample(np.array([0]), 200, temperature=0.05, rng=3)
    hot = model.sample(np.array([0]), 200, temperature=5.0, rng=3)
    assert len(set(hot.tolist())) > len(set(cold.tolist()))


@pytest.mark.parametrize("kwargs, message", [
    ({"temperature": 0.0}, "temperature"),
    ({"temperature": -1.0}, "temperature"),
    ({"top_k": 0}, "top_k"),
])
def test_char_lm_sample_rejects_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        nn.CharLM(4, 3).sample(np.array([0]), 5, **kwargs)


def test_additive_attention_backward_matches_numeric_gradient_with_mask():
    attn = nn.AdditiveAttention(3, 4, 5, dtype=F64, seed=8)
    rng = np.random.default_rng(3)
    q, k = rng.standard_normal((2, 3, 3)), rng.standard_normal((2, 4, 4))
    mask = np.array([[True] * 4, [False, False, True, True]])
    w = rng.standard_normal((2, 3, 4))
    loss = lambda: float(np.sum(attn.forward(q, k, mask) * w))
    loss()
    dq, dk = attn.backward(w)
    report = nn.gradcheck(loss, {"q": q, "k": k, **attn.params}, {"q": dq, "k": dk, **attn.grads})
    assert report.ok, report
    assert np.allclose(attn.weights.sum(axis=-1), 1) and not attn.weights[1, :, :2].any()


@pytest.mark.parametrize("cell, attention, num_layers",
                         [("gru", False, 1), ("gru", True, 1), ("lstm", True, 2), ("rnn", True, 1)])
def test_seq2seq_backward_matches_numeric_gradient(cell, attention, num_layers):
    model = nn.Seq2Seq(5, 6, 3, cell=cell, attention=attention, num_layers=num_layers,
                       attention_size=2, dtype=F64, seed=9)
    src = np.array([[0, 1, 2, 3], [0, 0, 4, 2]])
    mask = np.array([[True] * 4, [False, False, True, True]])
    tgt_in = np.array([[0, 5, 1], [0, 2, 2]])
    tgt_out = np.array([[5, 1, 3], [2, 2, -100]])
    for name in ("W_q", "W_k", "v"):  # sharper scores, so W_q's gradient is not ~1e-6
        model.params.get(f"attention.{name}", np.zeros(1))[...] *= 4
    check_model(model, lambda: nn.softmax_cross_entropy(model.forward(src, tgt_in, mask), tgt_out),
                model.backward)
    if attention:
        assert model.attention_weights.shape == (2, 3, 4)
        assert not model.attention_weights[1, :, :2].any()


def test_seq2seq_greedy_decode_matches_teacher_forcing_on_its_own_output():
    model = nn.Seq2Seq(5, 6, 8, cell="lstm", attention=True, dtype=F64, seed=10)
    src = np.array([[1, 2, 3], [4, 3, 2]])
    ids, weights = model.greedy_decode(src, bos_id=0, eos_id=1, max_len=6)
    T = ids.shape[1]
    assert 1 <= T <= 6 and weights.shape == (2, T, 3)
    tgt_in = np.concatenate([np.zeros((2, 1), np.int64), ids[:, :-1]], axis=1)
    logits = model.forward(src, tgt_in)
    for b in range(2):
        stop = list(ids[b]).index(1) + 1 if 1 in ids[b] else T  # until the row's eos
        assert np.array_equal(logits[b, :stop].argmax(-1), ids[b, :stop])
        assert np.allclose(model.attention_weights[b, :stop], weights[b, :stop])
        assert np.all(ids[b, stop:] == 1)


def test_seq2seq_without_attention_returns_no_weights():
    model = nn.Seq2Seq(5, 6, 4, cell="gru", seed=11)
    ids, weights = model.greedy_decode(np.array([[1, 2]]), bos_id=0, eos_id=1, max_len=3)
    assert weights is None and ids.shape[0] == 1 and model.context.shape == (1, 1, 4)


def test_seq2seq_rejects_right_padded_sources():
    model = nn.Seq2Seq(5, 6, 4, attention=True)
    mask = np.array([[True, True, False]])
    with pytest.raises(ValueError, match="pad on the left"):
        model.forward(np.array([[1, 2, 0]]), np.array([[0, 1]]), mask)


@pytest.mark.parametrize("make, message", [
    (lambda: nn.SequenceClassifier("transformer", 2, 3, 1), "cell"),
    (lambda: nn.SequenceTagger("lstm", 2, 3, 1, nonlinearity="relu"), "nonlinearity"),
    (lambda: nn.CharLM(0, 3), "vocab_size"),
])
def test_models_reject_bad_configuration(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_models_reject_bad_inputs():
    clf = nn.SequenceClassifier("rnn", 2, 3, 1, vocab_size=4)
    with pytest.raises(ValueError, match=r"\(B, T\)"):
        clf.forward(np.zeros((2, 3, 2)))
    with pytest.raises(ValueError, match=r"lengths"):
        clf.forward(np.zeros((2, 3), np.int64), lengths=np.array([1, 4]))
    with pytest.raises(ValueError, match=r"\[0, 4\)"):
        nn.CharLM(4, 3).forward(np.array([[0, 4]]))


@pytest.mark.parametrize("make", [
    lambda: nn.SequenceClassifier("lstm", 3, 4, 2, num_layers=2, vocab_size=7, seed=1),
    lambda: nn.SequenceTagger("rnn", 3, 4, 2, nonlinearity="relu", seed=2),
    lambda: nn.CharLM(6, 5, cell="gru", embedding_dim=3, seed=3),
    lambda: nn.Seq2Seq(5, 6, 4, cell="lstm", attention=True, attention_size=3, seed=4),
])
def test_models_round_trip_through_save_and_load(tmp_path, make):
    model = make()
    path = tmp_path / "model.npz"
    nn.save(model, path)
    loaded = nn.load(path)
    assert type(loaded) is type(model) and sorted(loaded.params) == sorted(model.params)
    for k, v in model.params.items():
        assert np.array_equal(loaded.params[k], v), k


def test_load_rejects_a_model_of_another_architecture(tmp_path):
    path = tmp_path / "lm.npz"
    nn.save(nn.CharLM(6, 5, cell="gru"), path)
    with pytest.raises(ValueError, match="cell: file 'gru' vs module 'lstm'"):
        nn.load(path, into=nn.CharLM(6, 5, cell="lstm"))


def reversal_batch(rng, B, L=6, V=8):
    """Sources of tokens 2..V-1; targets the reversed source then EOS (1); BOS is 0."""
    src = rng.integers(2, V, size=(B, L))
    tgt = src[:, ::-1]
    tgt_in = np.concatenate([np.zeros((B, 1), np.int64), tgt], axis=1)
    tgt_out = np.concatenate([tgt, np.ones((B, 1), np.int64)], axis=1)
    return src, tgt_in, tgt_out


def test_seq2seq_with_attention_learns_to_reverse_and_attends_to_the_mirror_position():
    model = nn.Seq2Seq(8, 8, 32, cell="gru", attention=True, seed=0)
    opt = nn.Adam(model.params, model.grads, lr=0.01)
    rng = np.random.default_rng(0)
    for _ in range(200):
        src, tgt_in, tgt_out = reversal_batch(rng, 32)
        model.zero_grad()
        loss, dlogits = nn.softmax_cross_entropy(model.forward(src, tgt_in), tgt_out)
        model.backward(dlogits)
        nn.clip_grad_norm(model.grads, 1.0)
        opt.step()
    src, _, tgt_out = reversal_batch(np.random.default_rng(1), 200)
    ids, weights = model.greedy_decode(src, bos_id=0, eos_id=1, max_len=7)
    assert ids.shape == (200, 7)
    assert np.mean(np.all(ids == tgt_out, axis=1)) > 0.9  # whole sequences right
    mirror = np.arange(6)[::-1]
    assert np.mean(weights[:, :6].argmax(axis=-1) == mirror) > 0.8  # output t looks at input 5 - t


def test_char_lm_learns_a_repeated_sentence_and_greedy_sampling_continues_it():
    from rnnlab.tasks.corpora import CharVocab

    text = "the cat sat on the mat. " * 40
    vocab = CharVocab.from_text(text)
    ids = vocab.encode(text)
    model = nn.CharLM(len(vocab), 32, cell="lstm", embedding_dim=8, seed=0)
    opt = nn.Adam(model.params, model.grads, lr=0.02)
    rng = np.random.default_rng(0)
    for _ in range(100):
        starts = rng.integers(0, len(ids) - 33, size=16)
        x = np.stack([ids[i : i + 33] for i in starts])  # (16, 33)
        model.zero_grad()
        loss, dlogits = nn.softmax_cross_entropy(model.forward(x[:, :-1]), x[:, 1:])
        model.backward(dlogits)
        nn.clip_grad_norm(model.grads, 1.0)
        opt.step()
    assert loss < 0.2 < np.log(len(vocab))
    continuation = vocab.decode(model.sample(vocab.encode("the c"), 30, top_k=1))
    assert continuation == text[5:35]
