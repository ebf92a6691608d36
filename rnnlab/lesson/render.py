"""Markdown -> HTML for the lesson, with the lesson's own syntax on top of CommonMark.

- ``$...$`` and ``$$...$$``: math, left as escaped TeX in
  ``<span class="math inline">`` / ``<div class="math display">`` for the page's KaTeX;
- ``[[hidden state]]`` or ``[[hidden state|hidden states]]``: a link to the glossary,
  ``<a class="term" href="/glossary#hidden-state">hidden states</a>``;
- a line ``::: experiment ID``, ``::: check ID`` or ``::: diagram ID caption``:
  a placeholder ``<div class="experiment" data-experiment="ID">``, a
  ``<div class="check" data-check="ID">``, or the inline SVG diagram in a
  ``<figure class="diagram">`` with its caption;
- a line ``::: code rnnlab.nn.rnn:rnn_step_forward [more names] [open] [note]``: the
  engine's installed source of each function, highlighted, in a ``<details>`` block
  (folded unless ``open``) with the note above it (see ``code.py``);
- a "go deeper" section: a line ``::: deeper Title``, any Markdown (directives
  included), and a line ``:::`` that closes it, folded into
  ``<details class="deeper"><summary>Title</summary>…</details>`` — closed until
  the learner opens it, and outside the step's core path (see ``timing.py``);
- tables (wrapped in a focusable scroll region for narrow screens), smart quotes,
  ``id`` anchors on ``##`` and ``###`` headings.

Raw HTML in the Markdown is escaped, never passed through. Rendering records
what it met in ``env`` (the ``Env`` below), so the loader can check every
reference afterwards: ``env.directives``, ``env.terms``, ``env.unknown_diagrams``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache

from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from mdit_py_plugins.anchors import anchors_plugin
from mdit_py_plugins.dollarmath import dollarmath_plugin

from . import code

DEEPER = re.compile(r"^:::\s+deeper\s+(.*\S)\s*$")
DIRECTIVE = re.compile(r"^:::\s+(experiment|check|diagram)\s+([a-z0-9][a-z0-9-]*)(?:\s+(.*\S))?\s*$")
CODE_NAME = r"rnnlab[\w.]*:[\w.]+"
CODE_DIRECTIVE = re.compile(rf"^:::\s+code\s+({CODE_NAME}(?:\s+{CODE_NAME})*)(?:\s+(open)(?=\s|$))?(?:\s+(.*\S))?\s*$")


def slugify(text: str) -> str:
    """``"Hidden state"`` -> ``"hidden-state"``: lower case, runs of anything else -> ``-``."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


@dataclass
class Env:
    """What one rendering needs (diagrams, glossary aliases) and what it met."""

    diagrams: Mapping[str, str] = field(default_factory=dict)  # id -> SVG markup
    aliases: Mapping[str, str] = field(default_factory=dict)  # slug of an alias -> slug of its term
    directives: list[tuple[str, str]] = field(default_factory=list)  # (kind, id) in order
    terms: list[str] = field(default_factory=list)  # link targets as written
    unknown_diagrams: list[str] = field(default_factory=list)
    bad_directives: list[str] = field(default_factory=list)  # lines starting ':::' that do not parse
    unknown_code: list[str] = field(default_factory=list)  # "name: why" for code that cannot be shown
    deeper: list[str] = field(default_factory=list)  # titles of the "go deeper" sections, in order


def _line(state, n: int) -> str:
    return state.src[state.bMarks[n] + state.tShift[n] : state.eMarks[n]]


def _deeper_rule(state, start_line: int, end_line: int, silent: bool) -> bool:
    """``::: deeper Title`` … ``:::``: a folded section whose body is ordinary Markdown."""
    if state.sCount[start_line] - state.blkIndent >= 4:
        return False
    match = DEEPER.match(_line(state, start_line))
    if not match:
        return False
    close = next((n for n in range(start_line + 1, end_line)
                  if _line(state, n).strip() == ":::" and state.sCount[n] - state.blkIndent < 4), None)
    if close is None:  # unclosed: left to the directive rule, which reports the line
        return False
    if silent:
        return True
    token = state.push("deeper_open", "details", 1)
    token.map = [start_line, close + 1]
    token.meta = {"title": match[1]}
    old_max = state.lineMax
    state.lineMax = close
    state.md.block.tokenize(state, start_line + 1, close)
    state.lineMax = old_max
    state.push("deeper_close", "details", -1)
    state.line = close + 1
    return True


def _directive_rule(state, start_line: int, end_line: int, silent: bool) -> bool:
    if state.sCount[start_line] - state.blkIndent >= 4:  # indented code
        return False
    line = state.src[state.bMarks[start_line] + state.tShift[start_line] : state.eMarks[start_line]]
    if not line.startswith(":::"):
        return False
    if silent:
        return True
    match = DIRECTIVE.match(line)
    token = state.push("directive", "", 0)
    token.map = [start_line, start_line + 1]
    token.meta = {"line": line, "kind": match[1] if match else None,
                  "id": match[2] if match else None, "caption": (match[3] or "") if match else ""}
    if (code_match := CODE_DIRECTIVE.match(line)) is not None:
        token.meta.update(kind="code", id=code_match[1].split(), open=bool(code_match[2]),
                          caption=code_match[3] or "")
    elif line.split()[1:2] == ["code"] and len(line.split()) > 2:  # a name code.source will refuse, saying why
        token.meta.update(kind="code", id=[line.split()[2]], open=False, caption="")
    state.line = start_line + 1
    return True


def _term_rule(state, silent: bool) -> bool:
    if not state.src.startswith("[[", state.pos):
        return False
    end = state.src.find("]]", state.pos + 2)
    inner = state.src[state.pos + 2 : end] if end >= 0 else ""
    if end < 0 or not inner.strip() or "\n" in inner or "[" in inner:
        return False
    if not silent:
        target, _, label = inner.replace("\\|", "|").partition("|")  # "\|" inside a table cell
        token = state.push("term_link", "", 0)
        token.meta = {"target": target.strip(), "label": (label or target).strip()}
    state.pos = end + 2
    return True


def _render_directive(self, tokens, idx, options, md_env) -> str:
    env: Env = md_env["lesson"]
    meta = tokens[idx].meta
    kind, ident = meta["kind"], meta["id"]
    if kind is None:
        env.bad_directives.append(meta["line"])
        return ""
    if kind == "code":
        return _render_code(meta, md_env)
    env.directives.append((kind, ident))
    if kind == "experiment":
        return f'<div class="experiment" data-experiment="{ident}"></div>\n'
    if kind == "check":
        return f'<div class="check" data-check="{ident}"></div>\n'
    svg = env.diagrams.get(ident)
    if svg is None:
        env.unknown_diagrams.append(ident)
        return ""
    caption = _md().renderInline(meta["caption"], md_env)
    return (f'<figure class="diagram" id="diagram-{ident}">\n{svg}\n'
            f"<figcaption>{caption}</figcaption>\n</figure>\n")


def _render_code(meta, md_env) -> str:
    env: Env = md_env["lesson"]
    sources = []
    for name in meta["id"]:
        env.directives.append(("code", name))
        try:
            sources.append(code.source(name))
        except LookupError as exc:
            env.unknown_code.append(str(exc))
    if not sources:
        return ""
    return code.block(sources, _md().renderInline(meta["caption"], md_env), meta["open"])


def _render_deeper_open(self, tokens, idx, options, md_env) -> str:
    env: Env = md_env["lesson"]
    title = tokens[idx].meta["title"]
    env.deeper.append(title)
    return (f'<details class="deeper">\n<summary><span class="deeper-label">Go deeper</span> '
            f'<span class="deeper-title">{_md().renderInline(title, md_env)}</span></summary>\n'
            f'<div class="deeper-body">\n')


def _render_deeper_close(self, tokens, idx, options, md_env) -> str:
    return "</div>\n</details>\n"


def _render_term(self, tokens, idx, options, md_env) -> str:
    env: Env = md_env["lesson"]
    target, label = tokens[idx].meta["target"], tokens[idx].meta["label"]
    env.terms.append(target)
    slug = slugify(target)
    slug = env.aliases.get(slug, slug)
    return f'<a class="term" href="/glossary#{slug}">{escapeHtml(label)}</a>'


def _render_math_display(self, tokens, idx, options, env) -> str:
    return f'<div class="math display">{escapeHtml(tokens[idx].content.strip())}</div>\n'


def _render_table_open(self, tokens, idx, options, env) -> str:
    headers = []
    for tok in tokens[idx + 1 :]:
        if tok.type == "tr_close":
            break
        if tok.type == "inline":  # plain text of the header cell: words, TeX source, term labels
            headers.append("".join(c.meta["label"] if c.type == "term_link" else c.content
                                   for c in tok.children or ()))
    label = escapeHtml("Table: " + ", ".join(headers))
    return f'<div class="table-scroll" role="region" tabindex="0" aria-label="{label}">\n<table>\n'


def _render_table_close(self, tokens, idx, options, env) -> str:
    return "</table>\n</div>\n"


@cache
def _md() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "typographer": True}).enable(["table", "smartquotes"])
    dollarmath_plugin(md, allow_digits=False, double_inline=False)
    anchors_plugin(md, min_level=2, max_level=3)
    md.block.ruler.before("paragraph", "deeper", _deeper_rule, {"alt": ["paragraph"]})
    md.block.ruler.before("paragraph", "directive", _directive_rule, {"alt": ["paragraph"]})
    md.inline.ruler.before("link", "term_link", _term_rule)
    md.add_render_rule("directive", _render_directive)
    md.add_render_rule("term_link", _render_term)
    md.add_render_rule("deeper_open", _render_deeper_open)
    md.add_render_rule("deeper_close", _render_deeper_close)
    md.add_render_rule("math_block", _render_math_display)
    md.add_render_rule("math_block_label", _render_math_display)
    md.add_render_rule("table_open", _render_table_open)
    md.add_render_rule("table_close", _render_table_close)
    return md


def render(text: str, env: Env) -> str:
    """Render a Markdown document (a step's body, a glossary entry, an explanation)."""
    return _md().render(text, {"lesson": env})


def render_inline(text: str, env: Env) -> str:
    """Render one line of Markdown without a surrounding ``<p>`` (option texts, captions)."""
    return _md().renderInline(text, {"lesson": env})
