"""Composite models built from the engine's layers, each with forward and backward."""

from rnnlab.nn.models.attention import AdditiveAttention
from rnnlab.nn.models.charlm import CharLM
from rnnlab.nn.models.classifier import SequenceClassifier
from rnnlab.nn.models.seq2seq import Seq2Seq
from rnnlab.nn.models.tagger import SequenceTagger

__all__ = ["AdditiveAttention", "CharLM", "SequenceClassifier", "Seq2Seq", "SequenceTagger"]
