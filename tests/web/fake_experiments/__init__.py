"""Small, real experiment modules used only by the web tests (registered through ``Settings.experiments``)."""

from fake_experiments import blas, counter, crashes, diverges, echo, stubborn

ALL = {module.ID: module for module in (echo, counter, diverges, stubborn, crashes, blas)}
