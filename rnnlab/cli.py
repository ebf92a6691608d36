"""The ``rnnlab`` command: a thin click group; each command's docstring is its help."""

from __future__ import annotations

import errno
import json
import os
import socket
import threading
import time
import webbrowser
from pathlib import Path

import click

from rnnlab import __version__

CHART_SUFFIXES = (".json", ".svg", ".png")


@click.group()
@click.version_option(__version__, prog_name="rnnlab")
def main() -> None:
    """Networks That Remember: an interactive lesson on recurrent neural networks."""


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on. 127.0.0.1 (or localhost, ::1): this machine only. Any other, e.g. "
                   "0.0.0.0 for every network interface, lets other machines reach it, so it then needs a token.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535), help="Port to listen on (0: any free one).")
@click.option("--allow-host", "allow_hosts", multiple=True, metavar="NAME",
              help="Also answer to requests for NAME (repeatable), e.g. the machine's name on your network. "
                   "Besides localhost, 127.0.0.1 and [::1], rnnlab refuses any other Host (DNS rebinding).")
@click.option("--token", envvar="RNNLAB_TOKEN", default=None, metavar="TOKEN",
              help="Require this token of every visitor (read once from the link's ?token=, then kept in a "
                   "cookie). Listening beyond this machine without --token makes a random one and prints "
                   "it in the link.  [env: RNNLAB_TOKEN]")
@click.option("--no-browser", is_flag=True, help="Do not open a browser tab.")
@click.option("--db", envvar="RNNLAB_DB", default=None, metavar="PATH|URL",
              help="Where progress is kept: a SQLite file, or a database URL such as "
                   "postgresql+psycopg://user:password@host/rnnlab for a class on several replicas.  "
                   "[default: progress.db in your user data folder]  [env: RNNLAB_DB]")
@click.option("--workers", type=click.IntRange(1, 64), default=None, envvar="RNNLAB_WORKERS",
              show_default="the cores this process may use",
              help="Server processes answering on the one port: a class needs every core (one Python process "
                   "uses one). They share the database, the quick experiments' results and the job queue.  "
                   "[env: RNNLAB_WORKERS]")
@click.option("--queue", "queue_url", envvar="RNNLAB_QUEUE", default=None, metavar="redis://…",
              help="Send training jobs to this Redis, where `rnnlab worker --queue` processes on any machine train "
                   "them; every replica given the same URL follows and cancels any job.  "
                   "[default: worker processes on this machine]  [env: RNNLAB_QUEUE]")
@click.option("--learner-jobs", type=click.IntRange(1, 100), default=2, show_default=True,
              help="Training jobs one learner may have running or waiting at once.")
@click.option("--class-jobs", type=click.IntRange(1, 10_000), default=None,
              help="Training jobs one class may have running or waiting at once.  [default: no limit]")
@click.option("--no-warm-up", is_flag=True,
              help="Do not train the quick experiments' small models at start-up (the first learner to open "
                   "each experiment then waits for it, a few seconds).")
def serve(host: str, port: int, allow_hosts: tuple[str, ...], token: str | None, no_browser: bool,
          db: str | None, workers: int | None, queue_url: str | None, learner_jobs: int, class_jobs: int | None,
          no_warm_up: bool) -> None:
    """Start the lesson and open it in your browser."""
    from rnnlab.runtime.worker import one_blas_thread

    one_blas_thread()  # before numpy loads: small RNNs are slower with a multithreaded BLAS
    import uvicorn
    from pydantic import ValidationError
    from sqlalchemy.exc import SQLAlchemyError

    from rnnlab.runtime.jobs import QueueUnreachable
    from rnnlab.web.app import create_app
    from rnnlab.web.errors import readable
    from rnnlab.web.settings import Settings, is_loopback, is_wildcard
    from rnnlab.web.workers import open_store, run_workers

    db_url, db = database(db)  # a URL's password is never printed
    try:
        settings = Settings(db_url=db_url, host=host, port=port, allow_hosts=allow_hosts, token=token,
                            warm_up=not no_warm_up, workers=workers or len(os.sched_getaffinity(0)),
                            queue_url=queue_url, learner_jobs=learner_jobs, class_jobs=class_jobs)
    except ValidationError as exc:
        raise click.UsageError(readable(exc.errors())) from None
    socks = listen(host, port, settings.workers)
    check_lesson(socks)
    try:  # several workers: the parent opens the database once, before any of them starts
        app = create_app(settings) if settings.workers == 1 else None
        store = open_store(settings) if settings.workers > 1 else None
        if queue_url and store is not None:  # each worker connects itself: say now if Redis does not answer
            from rnnlab.runtime.redis_queue import connect

            connect(queue_url).close()
    except (OSError, SQLAlchemyError) as exc:
        close_all(socks)
        raise click.ClickException(f"cannot open the progress database {db}: {exc}") from None
    except QueueUnreachable as exc:
        close_all(socks)
        raise click.ClickException(f"--queue: {exc}") from None
    if app is not None:
        server = uvicorn.Server(uvicorn.Config(app, log_level="warning", timeout_graceful_shutdown=3))
    url = f"http://{host_in_url(host)}:{socks[0].getsockname()[1]}/"
    if settings.token_required:
        url += f"?token={settings.token}"
    if not is_loopback(host):
        elsewhere = " (from another machine, use this machine's address in it)" if is_wildcard(host) else ""
        click.echo(f"rnnlab: warning: listening on {host} lets other machines on your network reach this server; "
                   f"only those with the link below{elsewhere} get in: its token is the only authentication, "
                   "and the connection is not encrypted.", err=True)
    jobs = ""
    if queue_url:
        from rnnlab.runtime.redis_queue import shown_url

        jobs = f"; jobs go to the queue at {shown_url(queue_url)}"
    processes = "" if settings.workers == 1 else f"; {settings.workers} server processes"
    click.echo(f"rnnlab: the lesson is at {url}  (progress kept in {db}{jobs}{processes}; Ctrl+C stops)")
    if settings.workers == 1:
        if not no_browser:
            threading.Thread(target=open_when_up, args=(server, url), daemon=True).start()
        server.run(sockets=socks)
        return
    if not no_browser:  # the socket already listens: the browser's request waits for the first worker
        threading.Thread(target=webbrowser.open, args=(url,), daemon=True).start()
    try:
        run_workers(settings, socks, store)
    finally:
        close_all(socks)


@main.command()
@click.option("--queue", "queue_url", envvar="RNNLAB_QUEUE", required=True, metavar="redis://…",
              help="The Redis that `rnnlab serve --queue` sends jobs to.  [env: RNNLAB_QUEUE]")
@click.option("--burst", is_flag=True, help="Stop once the queue is empty instead of waiting for more jobs.")
def worker(queue_url: str, burst: bool) -> None:
    """Train the jobs that `rnnlab serve --queue` sends to Redis, one at a time (start one per core).

    Each job runs in a process of its own, forked per job, with one BLAS thread and a
    lower CPU priority. Ctrl+C stops after the job in hand; Ctrl+C again stops at once
    (that job ends in an error its learner sees). If Redis goes away, the worker waits
    for it to come back and goes on: it does not exit.
    """
    from rnnlab.runtime.worker import one_blas_thread

    one_blas_thread()  # before numpy loads; each job's process inherits it
    from rnnlab.experiments import registry  # noqa: F401 - loaded once here, not again in every job's process
    from rnnlab.runtime import redis_worker
    from rnnlab.runtime.jobs import QueueUnreachable

    try:
        redis_worker.work(queue_url, burst, lambda line: click.echo(line, err=True))
    except QueueUnreachable as exc:
        raise click.ClickException(f"--queue: {exc}") from None
    click.echo("rnnlab: worker stopped", err=True)


@main.command()
def experiments() -> None:
    """List the experiments you can run with `rnnlab run`."""
    from rnnlab.experiments import registry

    for module in registry.EXPERIMENTS.values():
        step = "lab" if module.STEP == 0 else f"step {module.STEP}"
        click.echo(f"{module.ID:<22} {step:<7} {module.KIND:<6} {module.TITLE}")


@main.command()
@click.argument("experiment_id", metavar="ID")
@click.option("--param", "-p", "params", multiple=True, metavar="NAME=VALUE",
              help="Set a parameter (repeatable); VALUE is read as JSON when it can be, else as text.")
@click.option("--out", "-o", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Also write the chart: .json (Vega-Lite spec), .svg or .png (these two need vl-convert-python).")
def run(experiment_id: str, params: tuple[str, ...], out: Path | None) -> None:
    """Run one experiment (see `rnnlab experiments`) and print its result as JSON."""
    from rnnlab.runtime.worker import one_blas_thread

    one_blas_thread()
    from pydantic import ValidationError

    from rnnlab.experiments import Diverged, registry, runner
    from rnnlab.web.errors import readable

    module = registry.EXPERIMENTS.get(experiment_id)
    if module is None:
        raise click.ClickException(f"there is no experiment '{experiment_id}'; `rnnlab experiments` lists them")
    if out is not None:
        check_chart_path(out)
    try:
        parsed = runner.parse_params(module, dict(parse_assignment(p) for p in params))
    except ValidationError as exc:
        raise click.ClickException(readable(exc.errors())) from None
    line = ProgressLine() if module.KIND == "job" else None
    try:
        result = module.run(parsed, line)
    except Diverged as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        if line is not None:
            line.end()
    click.echo(json.dumps(result.model_dump(mode="json"), indent=2))
    if out is not None:
        write_chart(module.chart(result), out)
        click.echo(f"rnnlab: chart written to {out}", err=True)


@main.command()
@click.argument("step", type=int, metavar="N")
@click.option("--out", "-o", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="The .ipynb file to write.  [default: rnnlab-step-N-<slug>.ipynb]")
def notebook(step: int, out: Path | None) -> None:
    """Write step N of the lesson as a Jupyter notebook that runs its experiments."""
    from rnnlab.lesson import load_lesson
    from rnnlab.lesson.notebook import filename, notebook_text

    lesson = load_lesson()
    numbers = [s.number for s in lesson.steps]
    if step not in numbers:
        raise click.ClickException(f"there is no step {step}: the lesson has steps {numbers[0]} to {numbers[-1]}")
    out = out or Path(filename(lesson.step(step)))
    try:
        out.write_text(notebook_text(lesson, step), encoding="utf-8")
    except OSError as exc:
        raise click.ClickException(f"cannot write {out}: {exc.strerror or exc}") from None
    click.echo(f"rnnlab: step {step} written to {out}", err=True)


@main.group(name="class")
def class_() -> None:
    """Classes: a code learners join with, and a dashboard for their instructor."""


DB_OPTION = click.option("--db", envvar="RNNLAB_DB", default=None, metavar="PATH|URL",
                         help="The progress database the class lives in, as for `rnnlab serve --db`: a SQLite "
                              "file or a database URL.  [default: progress.db in your user data folder]  [env: RNNLAB_DB]")


@class_.command(name="create")
@click.argument("name")
@DB_OPTION
@click.option("--json", "as_json", is_flag=True,
              help='Print one line of JSON, {"code": …, "instructor_key": …}, and nothing else.')
def class_create(name: str, db: str | None, as_json: bool) -> None:
    """Create a class called NAME; print its code and its instructor key (shown only this once)."""
    from rnnlab.store import ClassError, ClassStore

    store = open_database(db)
    try:
        made = ClassStore(store).create(name)
    except ClassError as exc:
        raise click.UsageError(str(exc)) from None
    finally:
        store.close()
    if as_json:
        click.echo(json.dumps({"code": made.code, "instructor_key": made.instructor_key}))
        return
    click.echo(f"rnnlab: class “{made.name}” created.\n"
               f"  class code:      {made.code}\n"
               f"  instructor key:  {made.instructor_key}\n"
               "  (the key is shown only this once and is not stored: keep it somewhere safe)\n"
               f"  learners open:   /join/{made.code}\n"
               f"  you open:        /class/{made.code}  (it asks for the key once)\n"
               f"on the address `rnnlab serve` prints, e.g. http://localhost:8000/join/{made.code}")


@class_.command(name="list")
@DB_OPTION
def class_list(db: str | None) -> None:
    """List the classes: code, learners who joined, created (UTC), name."""
    from rnnlab.store import ClassStore

    store = open_database(db)
    try:
        found = ClassStore(store).all()
    finally:
        store.close()
    if not found:
        click.echo("rnnlab: no classes yet; `rnnlab class create NAME` makes one.", err=True)
    for info in found:
        click.echo(f"{info.code:<8} {info.learners:>4} learner{'s' if info.learners != 1 else ' '}  "
                   f"{info.created_at:%Y-%m-%d %H:%M}  {info.name}")


# -- helpers ------------------------------------------------------------------


def database(db: str | None) -> tuple[str, str]:
    """``--db`` (or the default file) as a URL, and as it is shown (a password hidden); a UsageError if it is
    neither a path nor a database URL."""
    from sqlalchemy.exc import SQLAlchemyError

    from rnnlab.web.settings import as_db_url, default_db_path, shown_db

    url = as_db_url(db or default_db_path())
    try:
        return url, shown_db(url)
    except SQLAlchemyError as exc:
        raise click.UsageError(f"--db: {exc}") from None


def open_database(db: str | None):
    """The progress database ``--db`` names (as ``serve`` reads it), or a ClickException saying why not."""
    from sqlalchemy.exc import SQLAlchemyError

    from rnnlab.store import ProgressStore

    url, shown = database(db)
    try:
        return ProgressStore(url)
    except (OSError, SQLAlchemyError) as exc:
        raise click.ClickException(f"cannot open the progress database {shown}: {exc}") from None


def listen(host: str, port: int, copies: int = 1) -> list[socket.socket]:
    """Sockets listening on host:port, or a ClickException that says what to do instead.

    One socket, unless ``copies`` > 1 on Linux: then that many, bound to the same port with
    ``SO_REUSEPORT``, one per server process, so the kernel spreads new connections evenly
    over the processes (:func:`rnnlab.web.workers.spread_sockets`)."""
    from rnnlab.web.workers import REUSEPORT_SPREADS, spread_sockets

    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
        sock = socket.socket(family, kind, proto)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # restart at once after Ctrl+C
        sock.bind(address)  # without SO_REUSEPORT: a port another server holds is refused here
        if copies > 1 and REUSEPORT_SPREADS:
            address = (*address[:1], sock.getsockname()[1], *address[2:])  # port 0: the one the kernel chose
            sock.close()
            return spread_sockets(family, address, copies)
        sock.listen(128)
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise click.ClickException(
                f"port {port} on {host} is already in use (is rnnlab already running?). "
                f"Choose another with --port, e.g. `rnnlab serve --port {port + 1 if port < 65535 else 8001}`."
            ) from None
        raise click.ClickException(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    return [sock]


def close_all(socks: list[socket.socket]) -> None:
    for sock in socks:
        sock.close()


def check_lesson(socks: list[socket.socket]) -> None:
    """Validate the lesson before serving it (a broken one is listed problem by problem)."""
    from rnnlab.lesson import LessonError, load_lesson

    try:
        load_lesson()
    except LessonError as exc:
        close_all(socks)
        raise click.ClickException(str(exc)) from None


def host_in_url(host: str) -> str:
    if host in ("0.0.0.0", "::"):
        return "127.0.0.1"
    return f"[{host}]" if ":" in host else host


def open_when_up(server, url: str, timeout_s: float = 30.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    if server.started:
        webbrowser.open(url)


def parse_assignment(text: str) -> tuple[str, object]:
    name, sep, value = text.partition("=")
    if not sep or not name:
        raise click.BadParameter(f"expected NAME=VALUE, got '{text}'", param_hint="--param")
    try:
        return name, json.loads(value)
    except json.JSONDecodeError:
        return name, value


def check_chart_path(out: Path) -> None:
    if out.suffix.lower() not in CHART_SUFFIXES:
        raise click.BadParameter(f"'{out}' should end in .json, .svg or .png", param_hint="--out")
    if out.suffix.lower() != ".json":
        try:
            import vl_convert  # noqa: F401
        except ImportError:
            raise click.ClickException(
                f"writing {out.suffix.lower()} needs the vl-convert-python package, which is not installed: "
                "`pip install vl-convert-python`, or write the chart as .json"
            ) from None


def write_chart(chart, out: Path) -> None:
    if out.suffix.lower() == ".json":
        out.write_text(json.dumps(chart.to_dict(), indent=2))
    else:
        chart.save(str(out))


class ProgressLine:
    """A job's progress callback for the terminal: a percentage on stderr, a few times a second."""

    def __init__(self, interval_s: float = 0.25):
        self.interval_s, self.last = interval_s, float("-inf")
        self.shown = False

    def __call__(self, partial, fraction: float) -> None:
        now = time.monotonic()
        if now - self.last >= self.interval_s:
            self.last, self.shown = now, True
            click.echo(f"\r  training… {100 * fraction:5.1f} %", nl=False, err=True)

    def end(self) -> None:
        if self.shown:
            click.echo(err=True)


if __name__ == "__main__":
    main()
