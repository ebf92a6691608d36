"""Checks that relate one lesson file to another, and the lesson to the experiment
registry: outcomes, embedded checks, experiments and diagrams, glossary links of
the key concepts, total minutes."""

from __future__ import annotations

from types import ModuleType

from .models import Check, Step


def _registered() -> list[ModuleType]:
    from rnnlab.experiments.registry import MODULES  # imports the engine: only when the lesson is built
    return MODULES


def experiment_steps() -> dict[str, int]:
    """Each of the lesson's experiments and the step it belongs to: its module's ``STEP``,
    the one place that says so. The lab's experiments (``STEP = 0``) belong to no step."""
    return {m.ID: m.STEP for m in _registered() if m.STEP}


# The training ("job") experiments, each with the seconds a learner waits for
# its answer at its defaults on a 2-core machine: the slowest of three seeds to
# the end of the run (when the final chart is drawn), rounded up, as measured
# by `bench/time_to_answer.py` (one BLAS thread, load average about 2):
#   seq2seq            5.6 / 5.1 / 5.9 s   (attention at 95 % after 4.1 / 4.6 / 5.5 s)
#   long-range-memory  28.9 / 26.6 / 27.8 s (LSTM below 10 % of the baseline after 14 / 11 / 26 s)
#   cell-race          53.3 / 43.9 / 43.9 s (both gated cells below the bar after 33 / 23 / 16 s)
# A job on a step's core path adds this to the step's minutes (timing.py), and
# tests/web/test_step_minutes.py holds a core-path job to 15 s; the other two
# sit in go-deeper sections and cost the core path nothing. ``cross_check``
# refuses a lesson whose training experiments are not exactly these keys.
JOB_SECONDS: dict[str, float] = {
    "long-range-memory": 29.0,
    "cell-race": 54.0,
    "seq2seq": 6.0,
}


def cross_check(meta: dict, steps: list[Step], checks: dict[str, Check], diagrams: dict[str, str],
                 slugs: set[str], problems: list[str]) -> None:
    """Everything that relates one file to another, and the steps' experiments to the registry."""
    outcome_ids = {o["id"] for o in meta["outcomes"]}
    modules = {m.ID: m for m in _registered()}
    steps_of = experiment_steps()
    embedded: dict[str, list[tuple[str, int]]] = {"check": [], "experiment": [], "diagram": []}
    for step in steps:
        where = f"step {step.number}"
        for o in step.outcomes:
            if o not in outcome_ids:
                problems.append(f"{where}: unknown outcome {o!r}")
        for ident in step.experiments:
            if ident in modules and ident not in steps_of:
                problems.append(f"{where}: experiment {ident!r} is the lab's (its STEP is 0), not a step's")
            elif ident not in steps_of:
                problems.append(f"{where}: unknown experiment {ident!r} (known: {', '.join(steps_of)})")
            elif steps_of[ident] != step.number:
                problems.append(f"{where}: experiment {ident!r} belongs to step {steps_of[ident]} (its module's STEP)")
        for ident in step.checks:
            check = checks.get(ident)
            if check is None:
                problems.append(f"{where}: unknown check {ident!r}")
            elif check.step != step.number:
                problems.append(f"{where}: check {ident!r} says it is in step {check.step}")
            elif check.outcome not in step.outcomes:
                problems.append(f"{where}: check {ident!r} tests outcome {check.outcome!r}, not one of the step's")
        if not step.checks:
            problems.append(f"{where}: has no check")
        for kind in embedded:
            embedded[kind] += [(i, step.number) for i in getattr(step, kind + "s")]
    for kind, known in (("check", checks), ("experiment", steps_of), ("diagram", diagrams)):
        places = [i for i, _ in embedded[kind]]
        for ident in known:
            if places.count(ident) != 1:
                problems.append(f"{kind} {ident!r} is embedded {places.count(ident)} times, expected once")
    jobs = {ident for ident in steps_of if modules[ident].KIND == "job"}
    if jobs != set(JOB_SECONDS):
        problems.append(f"references.py: JOB_SECONDS times {sorted(JOB_SECONDS)}, "
                        f"but the lesson's training experiments are {sorted(jobs)}")
    for check in checks.values():
        if check.outcome not in outcome_ids:
            problems.append(f"check {check.id!r}: unknown outcome {check.outcome!r}")
    for o in outcome_ids:
        n = sum(c.outcome == o for c in checks.values())
        if n < 2:
            problems.append(f"outcome {o!r} has {n} check(s); every outcome needs at least 2")
    for c in meta["concepts"]:
        if c["glossary"] not in slugs:
            problems.append(f"lesson.yaml: concept {c['term']!r} names unknown glossary term {c['glossary']!r}")
    total = sum(s.minutes for s in steps)
    least, most = meta["duration_minutes"]
    if not least <= total <= most:
        detail = ", ".join(f"step {s.number}: {s.minutes:g}" for s in steps)
        problems.append(f"the core paths take {total:g} minutes ({detail}), outside the lesson's {least}-{most}")
