"""The small working models behind ``architecture-match``, trained at first use.

Each is trained by this package's own code, seeded, memoised for the life of
the process (``warm_up`` in architecture_match trains them all ahead):

- many-to-one, sentiment: ``nn.SequenceClassifier`` (word embeddings E = 32 ->
  GRU H = 32 -> Linear to 2 classes on the last real word's state) on the
  shipped review sentences (UCI Sentiment Labelled Sentences, 3,000). A seeded
  fifth (600) is held out; the vocabulary is the training words seen at least
  twice, the rest read as <unk>. 4 epochs of Adam (lr 0.01). Beside it, a bag
  of words on the same split: word counts / length -> ``nn.Linear`` -> 2
  classes, 300 Adam steps (lr 0.05).
- many-to-many, tagging: ``nn.SequenceTagger`` (E = 16 -> GRU H = 32 -> Linear
  to 4 tags at every word) on ``rnnlab.tasks.pos``, 300 Adam steps (lr 0.02).
- one-to-many, generation: the character model of ``hidden_state`` (a CharLM on
  Tiny Shakespeare), reused rather than trained twice.
- encoder-decoder, translation: the ``seq2seq`` experiment's date model with
  attention, trained by its own ``run`` for SEQ2SEQ_STEPS steps; ``translate``
  encodes the learner's text with ``dates.encode_sources``, padded as in training.

Letters: B batch, T words, V vocabulary.
"""

from __future__ import annotations

import re
from collections import Counter

import numpy as np

from rnnlab import nn
from rnnlab.experiments._trained import train_once
from rnnlab.experiments import seq2seq
from rnnlab.experiments._packing import unpack
from rnnlab.tasks import dates
from rnnlab.tasks import pos
from rnnlab.tasks.corpora import sentiment_sentences

SEED = 0
MAX_WORDS = 40  # longer reviews are cut
HELD_OUT = 600
SEQ2SEQ_STEPS = 200
SEQ2SEQ_HIDDEN = 32


def words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9']+", text.lower())


class Reviews:
    """The sentiment data: a seeded split, a vocabulary from the training part."""

    def __init__(self, seed: int = SEED):
        rows = sentiment_sentences()
        order = np.random.default_rng(seed).permutation(len(rows))
        self.test = [rows[i][:2] for i in order[:HELD_OUT]]
        self.train = [rows[i][:2] for i in order[HELD_OUT:]]
        counts = Counter(w for text, _ in self.train for w in words(text))
        self.vocab = ["<pad>", "<unk>"] + sorted(w for w, c in counts.items() if c >= 2)
        self.index = {w: i for i, w in enumerate(self.vocab)}

    def encode(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """ids int64 (B, T) right-padded with 0, lengths int64 (B,)."""
        seqs = [[self.index.get(w, 1) for w in words(t)][:MAX_WORDS] or [1] for t in texts]
        ids = np.zeros((len(seqs), max(map(len, seqs))), dtype=np.int64)
        for row, s in enumerate(seqs):
            ids[row, : len(s)] = s
        return ids, np.array([len(s) for s in seqs], dtype=np.int64)

    def counts(self, ids: np.ndarray, lengths: np.ndarray) -> np.ndarray:
        """Bag of words: word counts / length, float32 (B, V)."""
        bags = np.zeros((len(ids), len(self.vocab)), dtype=np.float32)
        for row, (seq, n) in enumerate(zip(ids, lengths)):
            np.add.at(bags[row], seq[:n], 1.0)
        return bags / lengths[:, None]


@train_once
def sentiment() -> tuple[Reviews, nn.SequenceClassifier, nn.Linear, float, float]:
    """(data, GRU classifier, bag-of-words model, their held-out accuracies)."""
    data = Reviews()
    rng = np.random.default_rng(SEED)
    rnn = nn.SequenceClassifier("gru", 32, 32, 2, vocab_size=len(data.vocab), seed=SEED)
    opt = nn.Adam(rnn.params, rnn.grads, lr=0.01)
    for _ in range(4):
        perm = rng.permutation(len(data.train))
        for b in range(0, len(perm), 32):
            chunk = [data.train[i] for i in perm[b:b + 32]]
            ids, lengths = data.encode([t for t, _ in chunk])
            rnn.zero_grad()
            _, dlogits = nn.softmax_cross_entropy(rnn.forward(ids, lengths=lengths), np.array([y for _, y in chunk]))
            rnn.backward(dlogits)
            nn.clip_grad_norm(rnn.grads, 1.0)
            opt.step()
    train_ids, train_len = data.encode([t for t, _ in data.train])
    bags, labels = data.counts(train_ids, train_len), np.array([y for _, y in data.train])
    bow = nn.Linear(len(data.vocab), 2, seed=SEED)
    opt = nn.Adam(bow.params, bow.grads, lr=0.05)
    for _ in range(300):
        rows = rng.integers(0, len(bags), size=64)
        bow.zero_grad()
        _, dlogits = nn.softmax_cross_entropy(bow.forward(bags[rows]), labels[rows])
        bow.backward(dlogits)
        opt.step()
    test_ids, test_len = data.encode([t for t, _ in data.test])
    truth = np.array([y for _, y in data.test])
    rnn_acc = float(np.mean(rnn.forward(test_ids, lengths=test_len).argmax(1) == truth))
    bow_acc = float(np.mean(bow.forward(data.counts(test_ids, test_len)).argmax(1) == truth))
    return data, rnn, bow, rnn_acc, bow_acc


@train_once
def tagger() -> tuple[nn.SequenceTagger, float, float]:
    """(tagger, held-out accuracy on all words, on the ambiguous words)."""
    model = nn.SequenceTagger("gru", 16, 32, len(pos.TAGS), vocab_size=len(pos.VOCAB), seed=SEED)
    opt = nn.Adam(model.params, model.grads, lr=0.02)
    rng = np.random.default_rng(SEED)
    for _ in range(300):
        ids, tags = pos.pos_batch(rng, 32)
        model.zero_grad()
        _, dlogits = nn.softmax_cross_entropy(model.forward(ids), tags)
        model.backward(dlogits)
        nn.clip_grad_norm(model.grads, 1.0)
        opt.step()
    ids, tags = pos.pos_batch(np.random.default_rng([SEED, 1]), 1000)
    guess = model.forward(ids).argmax(-1)
    real = tags != pos.PAD_TAG
    ambiguous = real & np.isin(ids, [pos.WORD_ID[w] for w in pos.AMBIGUOUS])
    return model, float(np.mean(guess[real] == tags[real])), float(np.mean(guess[ambiguous] == tags[ambiguous]))


@train_once
def translator():
    """The seq2seq experiment's trained date model with attention: (weights, held-out exact match)."""
    result = seq2seq.run(seq2seq.Params(models="attention", steps=SEQ2SEQ_STEPS, hidden_size=SEQ2SEQ_HIDDEN))
    return result.weights, result.curves[0].accuracy[-1]


def translate(text: str) -> list[str]:
    """The date model's greedy decoding of ``text``: the emitted symbols, "end" for EOS."""
    weights, _ = translator()
    model = unpack(weights["with attention"], seq2seq.MODEL)
    ids, mask = dates.encode_sources([text])  # (1, S)
    out, _ = model.greedy_decode(ids, dates.BOS_ID, dates.EOS_ID, dates.TARGET_LEN, mask)
    row = list(out[0])
    row = row[: row.index(dates.EOS_ID) + 1] if dates.EOS_ID in row else row
    return ["end" if i == dates.EOS_ID else dates.TGT_VOCAB.chars[i] for i in row]
