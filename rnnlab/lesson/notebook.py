"""Every step as a Jupyter notebook (nbformat v4) that runs the step's experiments on the engine.

A notebook has: the step's title and summary; its display equations, taken from the
step's Markdown source (``$$ … $$``); the engine functions the page shows, printed
with ``inspect.getsource``; then, for each experiment, a cell that runs it and
shows the same Altair chart as the page, and "Try this" cells that change a
parameter, with a comment saying what to look for. What the notebook runs beyond
the page's defaults lives in ``notebooks.yaml`` (see there).

    build_notebook(lesson, 5)   # -> nbformat.NotebookNode; KeyError for an unknown step
    filename(step)              # "rnnlab-step-5-lstm.ipynb"
"""

from __future__ import annotations

import re
import textwrap
from functools import cache
from pathlib import Path

import nbformat
import yaml
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from rnnlab import __version__

from .loader import LESSON_DIR
from .models import Lesson, Step

MEDIA_TYPE = "application/x-ipynb+json"
DISPLAY_MATH = re.compile(r"^\$\$[ \t]*\n(.*?)\n\$\$[ \t]*$", re.M | re.S)
KERNELSPEC = {"name": "python3", "display_name": "Python 3", "language": "python"}


@cache
def plans(root: Path = LESSON_DIR) -> dict:
    """notebooks.yaml: experiment id -> {params?, why?, try?}."""
    return yaml.safe_load((root / "notebooks.yaml").read_text(encoding="utf-8")) or {}


def filename(step: Step) -> str:
    """``rnnlab-step-5-lstm.ipynb``: the name a download or ``rnnlab notebook`` gets by default."""
    return f"rnnlab-step-{step.number}-{step.slug}.ipynb"


def display_equations(step: Step, root: Path = LESSON_DIR) -> list[str]:
    """The TeX of every ``$$ … $$`` block in the step's Markdown source, in order."""
    source = (root / "steps" / f"{step.number:02d}-{step.slug}.md").read_text(encoding="utf-8")
    return [m[1].strip() for m in DISPLAY_MATH.finditer(source)]


def _module_name(experiment_id: str) -> str:
    return experiment_id.replace("-", "_")


def _call(module: str, params: dict) -> str:
    """``module.Params(a=1, b='x')`` written as Python source."""
    return f"{module}.Params({', '.join(f'{k}={v!r}' for k, v in params.items())})"


def _comment(text: str) -> str:
    return textwrap.fill(" ".join(text.split()), width=88, initial_indent="# ", subsequent_indent="# ")


def _experiment_cells(experiment_id: str, plan: dict) -> list:
    from rnnlab.experiments import registry

    module = registry.get(experiment_id)
    name = _module_name(experiment_id)
    params = plan.get("params") or {}
    module.Params(**params)  # a wrong name or value fails here, when the notebook is built
    cells = [new_markdown_cell(f"## {module.TITLE}\n\n`{experiment_id}`, the experiment on the page."
                               + (f"\n\n{' '.join(plan['why'].split())}" if params else ""))]
    comment = "# Smaller than the page's run, to finish in seconds (see above)" if params else "# The page's defaults"
    cells.append(new_code_cell(f"{comment}\nparams = {_call(name, params)}\n"
                               f"result = {name}.run(params)\n{name}.chart(result)"))
    for trial in plan.get("try") or []:
        changed = {**params, **trial["params"]}
        module.Params(**changed)
        cells.append(new_markdown_cell("### Try this"))
        cells.append(new_code_cell(f"{_comment(trial['look'])}\nresult = {name}.run({_call(name, changed)})\n"
                                   f"{name}.chart(result)"))
    return cells


def _code_cell(names: tuple[str, ...]) -> str:
    imports, prints = [], []
    for name in names:
        module, _, qualname = name.partition(":")
        package, _, leaf = module.rpartition(".")
        if f"from {package} import {leaf}" not in imports:
            imports.append(f"from {package} import {leaf}")
        prints.append(f"print(inspect.getsource({leaf}.{qualname}))")
    return "\n".join(["import inspect", "", *imports, "", *prints])


def build_notebook(lesson: Lesson, number: int, root: Path = LESSON_DIR) -> nbformat.NotebookNode:
    """Step ``number`` as a notebook; KeyError if the lesson has no such step, ValueError (from
    pydantic) if notebooks.yaml gives an experiment a parameter it does not take."""
    step = lesson.step(number)
    plan = plans(root)
    cells = [new_markdown_cell(
        f"# Step {step.number}: {step.title}\n\n{step.summary}\n\n"
        f"Step {step.number} of {len(lesson.steps)} of rnnlab's lesson *{lesson.title} — {lesson.subtitle}*, "
        f"as a notebook: every chart below is computed in this kernel by rnnlab's NumPy engine "
        f"(rnnlab {__version__}). The lesson itself: `rnnlab serve`, then step {step.number}.")]
    equations = display_equations(step, root)
    if equations:
        cells.append(new_markdown_cell("## Key equations\n\n" + "\n\n".join(f"$$\n{e}\n$$" for e in equations)))
    if step.code:
        cells.append(new_markdown_cell("## The engine's code\n\nThe functions that compute these equations, "
                                       "as installed (the same source the page shows)."))
        cells.append(new_code_cell(_code_cell(step.code)))
    if step.experiments:
        imports = ", ".join(_module_name(e) for e in step.experiments)
        cells.append(new_markdown_cell("## The experiments\n\nSet-up: one BLAS thread (small RNNs run faster "
                                       "on one), and Altair's own HTML renderer for the charts."))
        cells.append(new_code_cell(
            "import os\n\nos.environ.setdefault(\"OPENBLAS_NUM_THREADS\", \"1\")  # before numpy loads\n\n"
            f"import altair as alt\n\nimport rnnlab\nfrom rnnlab.experiments import {imports}\n\n"
            "alt.renderers.enable(\"default\")  # HTML drawn by vega-embed, as in any Jupyter front end\n"
            "rnnlab.__version__"))
        for experiment_id in step.experiments:
            cells += _experiment_cells(experiment_id, plan.get(experiment_id) or {})
    notebook = new_notebook(cells=cells, metadata={
        "kernelspec": KERNELSPEC, "language_info": {"name": "python"},
        "rnnlab": {"step": step.number, "slug": step.slug, "version": __version__},
    })
    nbformat.validate(notebook)
    return notebook


def notebook_text(lesson: Lesson, number: int, root: Path = LESSON_DIR) -> str:
    """The notebook as the JSON text of an ``.ipynb`` file."""
    return nbformat.writes(build_notebook(lesson, number, root))
