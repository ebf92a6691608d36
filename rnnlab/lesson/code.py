"""The engine's own code, shown on a lesson page beside the equation it implements.

A step names a function, ``rnnlab.nn.lstm:lstm_step_forward``; its source is read
from the installed module with ``inspect.getsource`` when the lesson is loaded
(once per process), so the page always shows the code that actually runs and can
never drift from it. Pygments highlights it server-side into ``<span class="…">``
tokens; ``static/css/code.css`` colours them in light and dark schemes.

Only functions and classes inside the ``rnnlab`` package can be named: the lesson
shows its own engine, nothing else on the machine.
"""

from __future__ import annotations

import importlib
import inspect
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from markdown_it.common.utils import escapeHtml
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import PythonLexer

NAME = re.compile(r"^rnnlab(?:\.[a-z_][a-z0-9_]*)*:[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*$")
PACKAGE_ROOT = Path(__file__).resolve().parents[1]  # .../rnnlab


@dataclass(frozen=True)
class Source:
    """One function's source as it is installed."""

    name: str  # "rnnlab.nn.lstm:lstm_step_forward"
    qualname: str  # "lstm_step_forward"
    path: str  # "rnnlab/nn/lstm.py"
    first_line: int
    last_line: int
    text: str  # exactly inspect.getsource(obj)


def resolve(name: str):
    """The object ``name`` ("package.module:qualname") refers to; LookupError saying why not."""
    if not NAME.match(name):
        raise LookupError(f"{name!r} is not 'rnnlab.module:function'")
    module_name, _, qualname = name.partition(":")
    try:
        obj = importlib.import_module(module_name)
    except ImportError:
        raise LookupError(f"{name!r}: there is no module {module_name!r}") from None
    for part in qualname.split("."):
        if not hasattr(obj, part):
            raise LookupError(f"{name!r}: module {module_name!r} has no {qualname!r}")
        obj = getattr(obj, part)
    if not (inspect.isfunction(obj) or inspect.isclass(obj) or inspect.ismethod(obj)):
        raise LookupError(f"{name!r} is not a function or class")
    return obj


@cache
def source(name: str) -> Source:
    """The installed source of ``name``; LookupError if it names nothing the engine has."""
    obj = resolve(name)
    try:
        lines, first = inspect.getsourcelines(obj)
        text = inspect.getsource(obj)
        path = Path(inspect.getsourcefile(obj)).resolve()
    except (OSError, TypeError) as exc:
        raise LookupError(f"{name!r}: its source cannot be read ({exc})") from None
    try:
        shown = path.relative_to(PACKAGE_ROOT.parent).as_posix()
    except ValueError:
        shown = path.name
    return Source(name, name.partition(":")[2], shown, first, first + len(lines) - 1, text)


@cache
def _formatter() -> HtmlFormatter:
    return HtmlFormatter(nowrap=True)  # just the token spans; the <pre> is ours


def highlighted(src: Source) -> str:
    """The source as HTML token spans (class names only, no inline style)."""
    return highlight(src.text, PythonLexer(stripnl=False), _formatter())


def figure(src: Source) -> str:
    """One function's source with a caption naming its file and lines. The ``<pre>`` is
    focusable so that a keyboard can scroll a long line inside it."""
    caption = (f"<span><code>{escapeHtml(src.qualname)}</code> in <code>{escapeHtml(src.path)}</code>, "
               f"lines {src.first_line}–{src.last_line}</span>")
    label = escapeHtml(f"Source of {src.qualname}")
    return (f'<figure class="engine-source" data-source="{escapeHtml(src.name)}">\n'
            f'<pre class="highlight" tabindex="0" aria-label="{label}"><code>{highlighted(src)}</code></pre>\n'
            f"<figcaption>{caption}</figcaption>\n</figure>\n")


def block(sources: list[Source], note_html: str, is_open: bool) -> str:
    """The folded "The engine's code" block: a note (Markdown already rendered) and each source."""
    names = ", ".join(f"<code>{escapeHtml(s.qualname)}</code>" for s in sources)
    note = f'<p class="engine-code-note">{note_html}</p>\n' if note_html else ""
    return (f'<details class="engine-code"{" open" if is_open else ""}>\n'
            f"<summary>The engine's code: {names}</summary>\n"
            f"{note}{''.join(figure(s) for s in sources)}</details>\n")
