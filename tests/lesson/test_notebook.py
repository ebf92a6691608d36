"""Every step as a notebook: what lesson/notebook.py puts in it (executing it is test_notebook_run.py)."""

import re

import nbformat
import pytest

from rnnlab.experiments import registry
from rnnlab.lesson.loader import LESSON_DIR
from rnnlab.lesson.notebook import build_notebook, display_equations, filename, plans


def _sources(notebook, kind):
    return [c.source for c in notebook.cells if c.cell_type == kind]


@pytest.mark.parametrize("number", range(1, 9))
def test_every_step_is_a_valid_v4_notebook_with_a_python_kernel(lesson, number):
    notebook = build_notebook(lesson, number)
    nbformat.validate(notebook)
    assert notebook.nbformat == 4
    assert notebook.metadata.kernelspec.name == "python3"
    step = lesson.step(number)
    assert _sources(notebook, "markdown")[0].startswith(f"# Step {number}: {step.title}\n\n{step.summary}")


def test_the_filename_names_the_step_and_its_slug(lesson):
    assert filename(lesson.step(5)) == "rnnlab-step-5-lstm.ipynb"
    assert filename(lesson.step(2)) == "rnnlab-step-2-hidden-state.ipynb"


@pytest.mark.parametrize("number", range(1, 9))
def test_the_key_equations_are_the_steps_display_maths(lesson, number):
    step = lesson.step(number)
    source = (LESSON_DIR / "steps" / f"{number:02d}-{step.slug}.md").read_text(encoding="utf-8")
    equations = display_equations(step)
    assert len(equations) == source.count("\n$$\n") // 2
    markdown = "\n".join(_sources(build_notebook(lesson, number), "markdown"))
    for tex in equations:
        assert f"$$\n{tex}\n$$" in markdown


def test_step_3_carries_the_bptt_sums(lesson):
    markdown = "\n".join(_sources(build_notebook(lesson, 3), "markdown"))
    assert r"\frac{\partial L}{\partial W_{hh}} = \sum_{t=1}^{T} \delta_t^{\top}\, h_{t-1}^{\top}" in markdown


def test_the_engine_code_the_page_shows_is_printed_from_the_installed_module(lesson):
    code = "\n".join(_sources(build_notebook(lesson, 3), "code"))
    assert "from rnnlab.nn import rnn" in code
    assert "print(inspect.getsource(rnn.rnn_step_backward))" in code
    assert "print(inspect.getsource(rnn.rnn_backward))" in code


@pytest.mark.parametrize("number", range(1, 9))
def test_each_experiment_runs_at_the_page_defaults_unless_a_slow_job_says_why(lesson, number):
    notebook = build_notebook(lesson, number)
    code, markdown = "\n".join(_sources(notebook, "code")), "\n".join(_sources(notebook, "markdown"))
    for experiment_id in lesson.step(number).experiments:
        module = registry.get(experiment_id)
        name = experiment_id.replace("-", "_")
        assert re.search(rf"^from rnnlab\.experiments import .*\b{name}\b", code, re.M)
        plan = plans().get(experiment_id) or {}
        if module.KIND == "quick":
            assert "params" not in plan
            assert f"params = {name}.Params()\nresult = {name}.run(params)\n{name}.chart(result)" in code
        elif plan.get("params"):
            assert " ".join(plan["why"].split()) in markdown
            assert f"use `{name}.Params()`" in markdown


def test_every_experiment_in_the_lesson_has_try_this_cells_with_a_comment(lesson):
    for step in lesson.steps:
        notebook = build_notebook(lesson, step.number)
        for experiment_id in step.experiments:
            name = experiment_id.replace("-", "_")
            trials = [s for s in _sources(notebook, "code")
                      if s.startswith("# ") and f"result = {name}.run({name}.Params(" in s]
            assert trials, f"step {step.number}: no 'Try this' cell for {experiment_id}"
            for source in trials:
                assert not re.search(rf"{name}\.Params\(\)", source)  # a changed param, not the defaults


def test_a_try_param_the_experiment_does_not_take_fails_the_build(lesson, monkeypatch):
    broken = {**plans(), "bptt": {"try": [{"params": {"windoww": 2}, "look": "typo"}]}}
    monkeypatch.setattr("rnnlab.lesson.notebook.plans", lambda root=LESSON_DIR: broken)
    with pytest.raises(ValueError, match="windoww"):
        build_notebook(lesson, 3)


def test_an_unknown_step_is_a_key_error(lesson):
    with pytest.raises(KeyError):
        build_notebook(lesson, 9)
