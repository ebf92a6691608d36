"""Interactive experiments: one module each, ``Params`` -> ``run()`` -> result -> ``chart()``.

The contract is in :mod:`rnnlab.experiments.base`, the list of modules in
:mod:`rnnlab.experiments.registry`, running them (synchronously or as a
background job) in :mod:`rnnlab.experiments.runner` and :mod:`rnnlab.runtime` (the job queues and their worker).
"""

from rnnlab.experiments.base import Cancelled, Diverged, Progress

__all__ = ["Cancelled", "Diverged", "Progress"]
