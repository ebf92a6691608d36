"""The ``rnnlab`` command, driven through click's runner, and as a real process where it must serve."""

import json
import os
import select
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import click
import httpx
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


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="SO_REUSEPORT balances only on Linux")
def test_several_workers_get_a_socket_each_on_one_port_that_no_other_server_can_join():
    from rnnlab.cli import listen

    socks = listen("127.0.0.1", 0, copies=3)
    try:
        ports = {sock.getsockname() for sock in socks}
        assert len(socks) == 3 and len(ports) == 1
        assert all(sock.getsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT) for sock in socks)
        port = ports.pop()[1]
        with socket.socket() as other, pytest.raises(OSError):  # a plain bind, as any other program's
            other.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            other.bind(("127.0.0.1", port))
        with pytest.raises(click.ClickException, match=f"port {port} on 127.0.0.1 is already in use"):
            listen("127.0.0.1", port, copies=2)  # a second rnnlab serve --workers 2 on the same port
    finally:
        for sock in socks:
            sock.close()


def test_one_worker_listens_on_one_plain_socket():
    from rnnlab.cli import listen

    (sock,) = listen("127.0.0.1", 0, copies=1)
    with sock:
        assert not sock.getsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT)


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


@pytest.mark.timeout(60)
def test_serve_on_every_interface_warns_and_prints_a_token_link_that_is_required(tmp_path):
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1"}
    env.pop("RNNLAB_TOKEN", None)
    command = [sys.executable, "-m", "rnnlab.cli", "serve", "--host", "0.0.0.0", "--port", "0", "--no-browser",
               "--db", str(tmp_path / "p.db"), "--workers", "1"]  # tests/web/test_workers.py starts several
    server = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, bufsize=0, env=env)
    try:
        printed = read_until(server, "the lesson is at")
        url = urlsplit(printed[-1][printed[-1].index("http://"):].split()[0])
        token = parse_qs(url.query)["token"][0]
        local = f"http://127.0.0.1:{url.port}"
        with httpx.Client(base_url=local, timeout=10) as client:
            bare = client.get("/api/progress")
            linked = client.get(f"/?token={token}", headers={"Accept": "text/html"})  # a browser opening the link
            with_header = client.get("/api/progress", headers={"Authorization": f"token {token}"})
    finally:
        server.terminate()
        server.wait(timeout=10)
        server.stdout.close()
    warning = " ".join(printed[:-1])
    assert "warning: listening on 0.0.0.0" in warning and "other machines" in warning
    assert url.path == "/" and len(token) >= 24
    assert bare.status_code == 401 and "?token=" in bare.json()["detail"]
    assert linked.status_code == 303 and f"rnnlab_token={token}" in linked.headers["set-cookie"]
    assert with_header.status_code == 200


@pytest.mark.timeout(60)
def test_serve_with_a_given_token_on_loopback_requires_it_and_does_not_warn(tmp_path):
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "RNNLAB_TOKEN": "from-the-env"}
    command = [sys.executable, "-m", "rnnlab.cli", "serve", "--port", "0", "--no-browser",
               "--db", str(tmp_path / "p.db"), "--workers", "1"]
    server = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, bufsize=0, env=env)
    try:
        printed = read_until(server, "the lesson is at")
        url = urlsplit(printed[-1][printed[-1].index("http://"):].split()[0])
        with httpx.Client(base_url=f"http://{url.netloc}", timeout=10) as client:
            statuses = [client.get("/api/progress").status_code,
                        client.get("/api/progress", headers={"Authorization": "token from-the-env"}).status_code]
    finally:
        server.terminate()
        server.wait(timeout=10)
        server.stdout.close()
    assert parse_qs(url.query) == {"token": ["from-the-env"]} and url.hostname == "127.0.0.1"
    assert not any("warning" in line for line in printed)
    assert statuses == [401, 200]


def test_serve_refuses_an_allow_host_that_is_not_a_name(runner, tmp_path):
    result = runner.invoke(main, ["serve", "--no-browser", "--allow-host", "http://x.example", "--db",
                                  str(tmp_path / "p.db")])
    assert result.exit_code == 2 and "not a host name" in result.output


def read_until(process, text: str, timeout_s: float = 30.0) -> list[str]:
    """Lines the process prints (unbuffered, so select sees each), up to the first containing ``text``."""
    lines, deadline = [], time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        ready, _, _ = select.select([process.stdout], [], [], 0.2)
        if ready:
            lines.append(process.stdout.readline().decode())
            if text in lines[-1]:
                return lines
        assert process.poll() is None, f"the server exited: {lines}"
    raise AssertionError(f"'{text}' was not printed in time: {lines}")


# -- rnnlab class ------------------------------------------------------------------


def test_class_create_prints_the_code_the_key_once_and_the_two_paths_then_list_shows_no_key(runner, tmp_path):
    from rnnlab.store import ClassStore, ProgressStore

    db = tmp_path / "p.db"
    result = runner.invoke(main, ["class", "create", "RNNs, week 5", "--db", str(db)])
    assert result.exit_code == 0, result.output
    store = ProgressStore(f"sqlite:///{db}")
    (made,) = ClassStore(store).all()
    key = next(line.split()[-1] for line in result.output.splitlines() if "instructor key:" in line)
    assert ClassStore(store).key_matches(made.code, key)
    store.close()
    assert "shown only this once" in result.output
    assert f"/join/{made.code}" in result.output and f"/class/{made.code}" in result.output
    listed = runner.invoke(main, ["class", "list", "--db", str(db)])
    assert listed.exit_code == 0 and made.code in listed.output and "RNNs, week 5" in listed.output
    assert key not in listed.output and "0 learners" in listed.output


def test_class_create_with_a_bad_name_is_a_usage_error_with_a_sentence(runner, tmp_path):
    result = runner.invoke(main, ["class", "create", "  ", "--db", str(tmp_path / "p.db")])
    assert result.exit_code == 2 and "A class needs a name" in result.output


def test_class_create_json_prints_exactly_one_line_a_real_process(tmp_path):
    from rnnlab.store import ClassStore, ProgressStore

    db = tmp_path / "p.db"
    done = subprocess.run([sys.executable, "-m", "rnnlab.cli", "class", "create", "Week 5", "--db", str(db), "--json"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert len(lines) == 1
    printed = json.loads(lines[0])
    assert set(printed) == {"code", "instructor_key"}
    store = ProgressStore(f"sqlite:///{db}")
    assert ClassStore(store).key_matches(printed["code"], printed["instructor_key"])
    store.close()


def test_serve_refuses_zero_workers_and_its_help_names_the_default(runner, tmp_path):
    result = runner.invoke(main, ["serve", "--no-browser", "--workers", "0", "--db", str(tmp_path / "p.db")])
    assert result.exit_code == 2 and "--workers" in result.output
    assert "the cores this process may use" in " ".join(runner.invoke(main, ["serve", "--help"]).output.split())
