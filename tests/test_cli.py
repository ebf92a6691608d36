"""The ``rnnlab`` command, driven through click's runner (and a real socket for the taken port)."""

import json
import socket
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from rnnlab.cli import main
from rnnlab.experiments import registry


@pytest.fixture
def runner():
    return CliRunner()


@pytest.mark.timeout(30)
def test_serve_on_a_taken_port_exits_with_a_message_naming_it(runner, tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        result = runner.invoke(main, ["serve", "--no-browser", "--port", str(port), "--db", str(tmp_path / "p.db")])
    assert result.exit_code == 1
    assert f"port {port} on 127.0.0.1 is already in use" in result.output
    assert "--port" in result.output


def test_help_lists_the_commands_with_their_docstrings(runner):
    output = runner.invoke(main, ["--help"]).output
    assert "serve" in output and "Start the lesson and open it in your browser." in output
    assert "experiments" in output and "run" in output


def test_experiments_lists_every_registered_id(runner):
    output = runner.invoke(main, ["experiments"]).output
    lines = output.strip().splitlines()
    assert [line.split()[0] for line in lines] == list(registry.EXPERIMENTS)


def test_run_prints_the_result_as_json_and_writes_the_spec(runner, tmp_path):
    out = tmp_path / "chart.json"
    result = runner.invoke(main, ["run", "vanishing-gradients", "-p", "seq_len=20", "--out", str(out)])
    assert result.exit_code == 0, result.output
    printed = json.loads(result.stdout)
    assert isinstance(printed, dict) and printed
    assert json.loads(out.read_text())["$schema"].startswith("https://vega.github.io/schema/vega-lite/")


def test_run_with_an_out_of_range_param_says_which_and_why(runner):
    result = runner.invoke(main, ["run", "vanishing-gradients", "-p", "spectral_radius=5"])
    assert result.exit_code == 1
    assert "spectral_radius: must be ≤ 2.0 (got 5)" in result.output


def test_run_with_a_malformed_param_is_a_usage_error(runner):
    result = runner.invoke(main, ["run", "vanishing-gradients", "-p", "spectral_radius"])
    assert result.exit_code == 2 and "expected NAME=VALUE" in result.output


def test_run_of_an_unknown_experiment_says_so(runner):
    result = runner.invoke(main, ["run", "no-such-thing"])
    assert result.exit_code == 1 and "no experiment 'no-such-thing'" in result.output


def test_svg_without_vl_convert_says_what_to_install(runner, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "vl_convert", None)  # as if it were not installed
    result = runner.invoke(main, ["run", "vanishing-gradients", "--out", str(tmp_path / "c.svg")])
    assert result.exit_code == 1 and "pip install vl-convert-python" in result.output
    assert not Path(tmp_path / "c.svg").exists()


def test_browser_opens_only_once_the_server_is_up(monkeypatch):
    import threading
    import time
    import webbrowser
    from types import SimpleNamespace

    from rnnlab.cli import open_when_up

    opened = []
    monkeypatch.setattr(webbrowser, "open", opened.append)
    server = SimpleNamespace(started=False)
    opener = threading.Thread(target=open_when_up, args=(server, "http://127.0.0.1:8000/"))
    opener.start()
    time.sleep(0.2)
    assert opened == []
    server.started = True
    opener.join(timeout=2)
    assert opened == ["http://127.0.0.1:8000/"]


@pytest.mark.timeout(30)
def test_serve_with_an_unusable_database_path_says_so(runner, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    result = runner.invoke(main, ["serve", "--no-browser", "--port", "0", "--db", str(blocker / "progress.db")])
    assert result.exit_code == 1 and "cannot open the progress database" in result.output


def test_notebook_writes_the_step_to_its_default_filename(runner, tmp_path, monkeypatch):
    import nbformat

    monkeypatch.chdir(tmp_path)
    result = runner.invoke(main, ["notebook", "5"])
    assert result.exit_code == 0, result.output
    notebook = nbformat.read(tmp_path / "rnnlab-step-5-lstm.ipynb", as_version=4)
    nbformat.validate(notebook)
    assert notebook.cells[0].source.startswith("# Step 5: ")


def test_notebook_writes_where_out_says(runner, tmp_path):
    out = tmp_path / "mine.ipynb"
    result = runner.invoke(main, ["notebook", "2", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert f"step 2 written to {out}" in result.output
    assert "from rnnlab.experiments import hidden_state" in out.read_text()


def test_notebook_of_an_unknown_step_says_which_steps_exist(runner, tmp_path):
    result = runner.invoke(main, ["notebook", "9", "-o", str(tmp_path / "x.ipynb")])
    assert result.exit_code == 1
    assert "there is no step 9: the lesson has steps 1 to 8" in result.output
    assert not (tmp_path / "x.ipynb").exists()


@pytest.mark.timeout(60)
def test_serve_with_an_unreachable_database_url_says_so_without_its_password(runner):
    url = "postgresql+psycopg://learner:s3cret-word@127.0.0.1:1/rnnlab"  # port 1: nothing listens
    result = runner.invoke(main, ["serve", "--no-browser", "--port", "0", "--db", url])
    assert result.exit_code == 1
    assert "cannot open the progress database postgresql+psycopg://learner:***@127.0.0.1:1/rnnlab" in result.output
    assert "s3cret-word" not in result.output
