"""Order matters: a bag-of-words model against a small RNN on "who did what to whom".

Both models are trained by this module with ``rnnlab.nn`` on the sentences of
``rnnlab.tasks.order`` (seeded; trained at first use in about a second and
memoised for the life of the process; ``warm_up()`` trains them ahead):

- bag of words: the mean of the words' one-hot vectors (word counts / length)
  -> ``nn.Linear`` -> two softmaxes over the nouns (agent, patient). Any
  reordering of a sentence gives exactly the same counts, so exactly the same
  answer: it cannot tell "dog bites man" from "man bites dog".
- RNN: ``nn.SequenceClassifier``: one-hot words -> tanh ``nn.RNN`` (H = 32)
  -> the last hidden state -> ``nn.Linear`` -> the same two softmaxes.

The trained weights are memoised; every ``run`` loads them into models of its
own, so concurrent requests never share a layer's cache.

Each trains 400 Adam steps (lr 0.01 for the RNN, 0.05 for the linear bag of
words, which needs larger steps to converge) on batches of 64 training sentences;
accuracy is measured on held-out sentences describing events (agent, verb,
patient) no training sentence described.

Letters: B batch, T words, V vocabulary, H hidden, N nouns.
"""

from __future__ import annotations

from typing import Literal

import altair as alt
import numpy as np
from pydantic import BaseModel, Field, field_validator

from rnnlab import nn
from rnnlab.experiments._trained import train_once
from rnnlab.experiments import _charts as charts
from rnnlab.tasks import order

ID = "order-matters"
TITLE = "Bag of words vs RNN: who did what to whom?"
STEP = 1
KIND = "quick"

HIDDEN = 32
TRAIN_STEPS = 400
BATCH = 64
LR_RNN = 0.01
LR_BOW = 0.05
SEED = 0
N = len(order.NOUNS)
V = len(order.VOCAB)
QUESTIONS = {"agent": "who does it?", "patient": "who is it done to?"}


class Params(BaseModel):
    model_config = {"extra": "forbid"}

    sentence: str = Field(
        "man bites dog", min_length=1, max_length=120, title="Sentence",
        description=f"Words from: {' '.join(order.VOCAB)}. Active ('the dog bites the man') "
                    "or passive ('the man is bitten by the dog').",
        examples=["man bites dog", "dog bites man", "the cat is chased by the dog",
                  "the dog is chased by the cat", "the child helps the woman"])
    question: Literal["agent", "patient"] = Field(
        "agent", title="Question", description="Ask for the one who acts (agent) or the one acted on (patient).")

    @field_validator("sentence")
    @classmethod
    def _known_words(cls, text: str) -> str:
        return " ".join(order.split_words(text))


class Result(BaseModel):
    words: list[str]
    question: str
    nouns: list[str]
    rnn_probs: list[float]  # (N,) the RNN's answer distribution over the nouns
    bow_probs: list[float]  # (N,) the bag-of-words model's
    rnn_answer: str
    bow_answer: str
    rnn_accuracy: float  # held-out accuracy on this question
    bow_accuracy: float
    chance: float  # accuracy of guessing among the nouns the sentence names


def _one_hot(ids: np.ndarray) -> np.ndarray:
    return nn.one_hot(ids, V)  # (B, T, V)


class BagOfWords(nn.Module):
    """word counts / length (B, V) -> Linear -> logits (B, 2N)."""

    def __init__(self, seed: int):
        super().__init__()
        self.head = nn.Linear(V, 2 * N, seed=seed)
        self.children = {"head": self.head}

    def forward(self, ids: np.ndarray) -> np.ndarray:
        return self.head.forward(_one_hot(ids).mean(axis=1))  # (B, 2N)

    def backward(self, dlogits: np.ndarray) -> None:
        self.head.backward(dlogits)


class SentenceRNN(nn.SequenceClassifier):
    """one-hot words (B, T, V) -> tanh RNN -> h_T (B, H) -> Linear -> logits (B, 2N)."""

    def __init__(self, seed: int):
        super().__init__("rnn", V, HIDDEN, 2 * N, seed=seed)

    def forward(self, ids: np.ndarray) -> np.ndarray:
        return super().forward(_one_hot(ids))  # (B, 2N)


def _loss(logits, agent, patient):
    loss_a, dla = nn.softmax_cross_entropy(logits[:, :N], agent)
    loss_p, dlp = nn.softmax_cross_entropy(logits[:, N:], patient)
    return loss_a + loss_p, np.concatenate([dla, dlp], axis=1)


def train(model, seed: int, lr: float, steps: int = TRAIN_STEPS):
    """Adam on the sum of both questions' cross-entropies; returns the model."""
    rng = np.random.default_rng(seed)
    opt = nn.Adam(model.params, model.grads, lr=lr)
    for _ in range(steps):
        ids, agent, patient = order.order_batch(rng, BATCH, "train")
        model.zero_grad()
        _, dlogits = _loss(model.forward(ids), agent, patient)
        model.backward(dlogits)
        opt.step()
    return model


def accuracy(model, seed: int = 1, batches: int = 32) -> dict[str, float]:
    """Held-out accuracy per question on test sentences of every form."""
    rng = np.random.default_rng([seed, 7])
    hits = {"agent": 0, "patient": 0}
    total = 0
    for _ in range(batches):
        ids, agent, patient = order.order_batch(rng, BATCH, "test")
        logits = model.forward(ids)
        hits["agent"] += int(np.sum(logits[:, :N].argmax(1) == agent))
        hits["patient"] += int(np.sum(logits[:, N:].argmax(1) == patient))
        total += len(ids)
    return {q: h / total for q, h in hits.items()}


@train_once
def trained_weights() -> tuple[dict, dict, dict, dict]:
    """(RNN weights, bag-of-words weights, their held-out accuracies), trained once per process."""
    rnn = train(SentenceRNN(SEED), SEED, LR_RNN)
    bow = train(BagOfWords(SEED), SEED, LR_BOW)
    return rnn.state_dict(), bow.state_dict(), accuracy(rnn), accuracy(bow)


def models() -> tuple[SentenceRNN, BagOfWords]:
    """Fresh copies of the two trained models."""
    rnn_state, bow_state, _, _ = trained_weights()
    rnn, bow = SentenceRNN(SEED), BagOfWords(SEED)
    rnn.load_state_dict(rnn_state)
    bow.load_state_dict(bow_state)
    return rnn, bow


def warm_up() -> None:
    trained_weights()


def run(params: Params, progress=None) -> Result:
    rnn, bow = models()
    _, _, rnn_acc, bow_acc = trained_weights()
    words = params.sentence.split()
    ids = order.encode(words)[None]  # (1, T)
    offset = 0 if params.question == "agent" else N
    rnn_p = nn.softmax(rnn.forward(ids)[0, offset:offset + N])
    bow_p = nn.softmax(bow.forward(ids)[0, offset:offset + N])
    return Result(
        words=words, question=params.question, nouns=list(order.NOUNS),
        rnn_probs=[round(float(p), 4) for p in rnn_p], bow_probs=[round(float(p), 4) for p in bow_p],
        rnn_answer=order.NOUNS[int(rnn_p.argmax())], bow_answer=order.NOUNS[int(bow_p.argmax())],
        rnn_accuracy=round(rnn_acc[params.question], 4), bow_accuracy=round(bow_acc[params.question], 4),
        chance=round(1.0 / max(1, len(set(words) & set(order.NOUNS))), 4),
    )


def chart(result: Result) -> alt.TopLevelMixin:
    r = result
    models = ["RNN (reads in order)", "bag of words (ignores order)"]
    rows = [{"noun": noun, "model": m, "probability": p}
            for m, probs in zip(models, [r.rnn_probs, r.bow_probs]) for noun, p in zip(r.nouns, probs)]
    sentence = " ".join(r.words)
    subtitle = [f"RNN: “{r.rnn_answer}” · bag of words: “{r.bow_answer}”",
                f"held-out accuracy: RNN {r.rnn_accuracy:.0%}, bag of words {r.bow_accuracy:.0%}",
                f"(guessing among the sentence's nouns: {r.chance:.0%})"]
    return charts.finish(
        alt.Chart(charts.data("answers"))
        .mark_bar()
        .encode(
            y=alt.Y("noun:N", title="candidate answer", sort=r.nouns),
            yOffset=alt.YOffset("model:N", sort=models),
            x=alt.X("probability:Q", title="model's probability (0–1)", scale=alt.Scale(domain=[0, 1]),
                    axis=alt.Axis(format=".0%", tickCount=5)),
            color=alt.Color("model:N", scale=charts.colour_scale(models, [charts.SKY, charts.ORANGE]),
                            legend=charts.legend()),
            tooltip=[alt.Tooltip("model:N"), alt.Tooltip("noun:N"), alt.Tooltip("probability:Q", format=".1%")],
        )
        .properties(width="container", height=charts.HEIGHT,
                    title=charts.title(f"“{sentence}”: {QUESTIONS[r.question]}", subtitle)),
        answers=rows,
    )
