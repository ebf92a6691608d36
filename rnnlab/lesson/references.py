"""Checks that relate one lesson file to another: outcomes, embedded checks,
experiments and diagrams, glossary links of the key concepts, total minutes."""

from __future__ import annotations

from .models import Check, Step

# The experiment ids DESIGN.md defines ("Experiments" and the table of steps),
# with the step each belongs to. The lesson is validated against this list and
# not against rnnlab.experiments.registry, so that it loads while experiments
# are still being written; whether each is registered is the web app's check.
EXPERIMENT_STEPS: dict[str, int] = {
    "order-matters": 1,
    "hidden-state": 2,
    "bptt": 3,
    "vanishing-gradients": 4,
    "long-range-memory": 4,
    "lstm-gates": 5,
    "gru-gates": 6,
    "cell-race": 6,
    "seq2seq": 7,
    "architecture-match": 8,
}

# The training ("job") experiments, each with its time to answer at its
# defaults on a 2-core machine, in seconds (`bench/time_to_answer.py` measures it,
# three seeds). A job on a step's core path adds this to the step's minutes
# (timing.py), and tests/web/test_step_minutes.py holds a core-path job to 15 s.
# seq2seq (step 7, core path): 15 s is its budget. Measured at its defaults,
# seeds 0-2, it needs 4.4-5.8 s of CPU to answer and 6.1-6.4 s to finish (so
# about that on a quiet machine); on the shared machine, at load averages of
# 9 to 18, the wall clock read 14 to 61 s.
# long-range-memory and cell-race sit in go-deeper sections and cost the core
# path nothing; their numbers are the measurements at their defaults.
JOB_SECONDS: dict[str, float] = {
    "long-range-memory": 40.0,
    "cell-race": 60.0,
    "seq2seq": 15.0,
}


def cross_check(meta: dict, steps: list[Step], checks: dict[str, Check], diagrams: dict[str, str],
                 slugs: set[str], problems: list[str]) -> None:
    """Everything that relates one file to another."""
    outcome_ids = {o["id"] for o in meta["outcomes"]}
    embedded: dict[str, list[tuple[str, int]]] = {"check": [], "experiment": [], "diagram": []}
    for step in steps:
        where = f"step {step.number}"
        for o in step.outcomes:
            if o not in outcome_ids:
                problems.append(f"{where}: unknown outcome {o!r}")
        for ident in step.experiments:
            if ident not in EXPERIMENT_STEPS:
                problems.append(f"{where}: unknown experiment {ident!r} (known: {', '.join(EXPERIMENT_STEPS)})")
            elif EXPERIMENT_STEPS[ident] != step.number:
                problems.append(f"{where}: experiment {ident!r} belongs to step {EXPERIMENT_STEPS[ident]}")
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
    for kind, known in (("check", checks), ("experiment", EXPERIMENT_STEPS), ("diagram", diagrams)):
        places = [i for i, _ in embedded[kind]]
        for ident in known:
            if places.count(ident) != 1:
                problems.append(f"{kind} {ident!r} is embedded {places.count(ident)} times, expected once")
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
