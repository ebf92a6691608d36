"""rnnlab — Networks That Remember: an interactive lesson on recurrent neural networks.

The engine is :mod:`rnnlab.nn` (NumPy only); the lesson app is :mod:`rnnlab.web`.
"""

__version__ = "0.1.0"
