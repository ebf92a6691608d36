"""Every exported notebook runs from a clean kernel and draws each of its charts.

A kernel spec pointing at this interpreter is written to a temp dir (JUPYTER_PATH), so the
notebook runs on the rnnlab under test. ``pytest -m notebook --durations=0`` prints each
step's execution time.
"""

import json
import re
import sys

import pytest

from rnnlab.lesson.notebook import build_notebook

pytestmark = pytest.mark.notebook

nbclient = pytest.importorskip("nbclient", reason="the test extra installs nbclient and ipykernel")
KERNEL = "rnnlab-under-test"
EMBEDDED_SPEC = re.compile(r"\}\)\((\{.*\}), (\{\"mode\": \"vega-lite\"\})\);", re.S)


@pytest.fixture(scope="module")
def kernel_dir(tmp_path_factory):
    root = tmp_path_factory.mktemp("jupyter")
    spec = root / "kernels" / KERNEL
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "rnnlab under test", "language": "python",
    }))
    return root


def chart_spec(output) -> dict | None:
    """The Vega-Lite spec in an execute_result of Altair's default (HTML) renderer, or None."""
    if output.output_type != "execute_result" or "text/html" not in output.data:
        return None
    match = EMBEDDED_SPEC.search(output.data["text/html"])
    return json.loads(match[1]) if match else None


@pytest.mark.timeout(240)
@pytest.mark.parametrize("number", range(1, 9))
def test_the_notebook_runs_and_every_experiment_cell_draws_its_chart(lesson, number, kernel_dir, monkeypatch):
    monkeypatch.setenv("JUPYTER_PATH", str(kernel_dir))
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "1")
    notebook = build_notebook(lesson, number)
    nbclient.NotebookClient(notebook, kernel_name=KERNEL, timeout=180, allow_errors=False).execute()
    chart_cells = [c for c in notebook.cells if c.cell_type == "code" and ".chart(result)" in c.source]
    assert len(chart_cells) >= len(lesson.step(number).experiments)
    for cell in chart_cells:
        specs = [s for s in map(chart_spec, cell.outputs) if s is not None]
        assert len(specs) == 1, f"step {number}: no chart from\n{cell.source}\n{cell.outputs}"
        assert specs[0]["$schema"].startswith("https://vega.github.io/schema/vega-lite/v")
        assert specs[0].get("datasets") or specs[0].get("data"), "the chart carries its data"
