"""The engine's code on the lesson's pages: pulled from the installed source, highlighted,
folded in a <details> block, and checked at start-up."""

import inspect
import re
from html.parser import HTMLParser

import pytest

from rnnlab.lesson import LessonError
from rnnlab.lesson.code import resolve, source
from rnnlab.lesson.loader import build_lesson
from rnnlab.lesson.render import Env, render

# Where the lesson promises the engine's code (the glass-box issue, item 2).
EXPECTED = {
    2: ["rnnlab.nn.rnn:rnn_step_forward"],
    3: ["rnnlab.nn.rnn:rnn_step_backward", "rnnlab.nn.rnn:rnn_backward"],
    5: ["rnnlab.nn.lstm:lstm_step_forward", "rnnlab.nn.lstm:lstm_step_backward"],
    6: ["rnnlab.nn.gru:gru_step_forward"],
    7: ["rnnlab.nn.models.attention:attention_forward"],
}


class Blocks(HTMLParser):
    """The text content of every <pre> inside a figure.engine-source, by its data-source, and
    each <details class="engine-code">: whether it is open and what its first child is."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.sources: dict[str, str] = {}
        self.details: list[dict] = []
        self._figure = None
        self._in_pre = False
        self._after_details = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if self._after_details:
            self.details[-1]["first_child"] = tag
            self._after_details = False
        if tag == "details" and "engine-code" in (attrs.get("class") or ""):
            self.details.append({"open": "open" in attrs, "first_child": None, "sources": []})
            self._after_details = True
        if tag == "figure" and "data-source" in attrs:
            self._figure = attrs["data-source"]
            self.sources[self._figure] = ""
            if self.details:
                self.details[-1]["sources"].append(self._figure)
        if tag == "pre" and self._figure:
            self._in_pre = True
            self.details[-1]["pre_tabindex"] = attrs.get("tabindex")

    def handle_endtag(self, tag):
        if tag == "pre":
            self._in_pre = False
        if tag == "figure":
            self._figure = None

    def handle_data(self, data):
        if self._after_details and data.strip():
            self._after_details = False
        if self._in_pre:
            self.sources[self._figure] += data


def blocks(html: str) -> Blocks:
    parser = Blocks()
    parser.feed(html)
    return parser


def _edit(path, old, new):
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path.name}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.mark.parametrize("number", sorted(EXPECTED))
def test_each_step_shows_the_engine_functions_the_lesson_promises(lesson, number):
    assert list(lesson.step(number).code) == EXPECTED[number]


@pytest.mark.parametrize("name", [n for names in EXPECTED.values() for n in names])
def test_the_page_shows_exactly_the_installed_source(lesson, name):
    step = next(s for s in lesson.steps if name in s.code)
    shown = blocks(step.html).sources[name]
    assert shown == inspect.getsource(resolve(name))


def test_the_source_is_highlighted_with_classes_and_no_inline_style(lesson):
    html = lesson.step(5).html
    start = html.index('<figure class="engine-source"')
    figure = html[start:html.index("</figure>", start)]
    assert '<span class="k">def</span>' in figure and '<span class="nf">lstm_step_forward</span>' in figure
    assert "style=" not in figure


def test_the_caption_names_the_file_and_its_lines(lesson):
    src = source("rnnlab.nn.gru:gru_step_forward")
    lines, first = inspect.getsourcelines(resolve(src.name))
    assert (src.path, src.first_line, src.last_line) == ("rnnlab/nn/gru.py", first, first + len(lines) - 1)
    assert (f"<span><code>gru_step_forward</code> in <code>rnnlab/nn/gru.py</code>, "
            f"lines {first}–{first + len(lines) - 1}</span>") in lesson.step(6).html


def test_the_code_is_folded_in_a_keyboard_reachable_details_block_except_step_2(lesson):
    for number in EXPECTED:
        for block in blocks(lesson.step(number).html).details:
            assert block["first_child"] == "summary"  # a <summary> is focusable and toggles with Enter
            assert block["pre_tabindex"] == "0"  # a long line scrolls with the arrow keys
            assert block["open"] == (number == 2), (number, block)


def test_every_name_a_note_mentions_is_in_the_code_it_annotates(lesson_copy):
    """A note saying "$h_{t-1}$ is `h_prev`" must stay true of the source it sits above."""
    for path in sorted((lesson_copy / "steps").glob("*.md")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.startswith("::: code "):
                continue
            names = [w for w in line.split() if re.match(r"^rnnlab[\w.]*:[\w.]+$", w)]
            identifiers = set()
            for name in names:
                identifiers |= set(re.findall(r"[A-Za-z_]\w*", inspect.getsource(resolve(name))))
            for mentioned in re.findall(r"`([^`]+)`", line):
                assert mentioned in identifiers, f"{path.name}: `{mentioned}` is not in {names}"


def test_an_unknown_function_is_a_lesson_error(lesson_copy):
    _edit(lesson_copy / "steps/06-gru.md", "::: code rnnlab.nn.gru:gru_step_forward",
          "::: code rnnlab.nn.gru:gru_step_sideways")
    with pytest.raises(LessonError) as info:
        build_lesson(lesson_copy)
    assert ("steps/06-gru.md: cannot show the engine's code: 'rnnlab.nn.gru:gru_step_sideways': "
            "module 'rnnlab.nn.gru' has no 'gru_step_sideways'") in info.value.problems


def test_an_unknown_module_is_a_lesson_error(lesson_copy):
    _edit(lesson_copy / "steps/02-hidden-state.md", "::: code rnnlab.nn.rnn:rnn_step_forward",
          "::: code rnnlab.nn.elman:rnn_step_forward")
    with pytest.raises(LessonError) as info:
        build_lesson(lesson_copy)
    assert any("'rnnlab.nn.elman:rnn_step_forward': there is no module 'rnnlab.nn.elman'" in p
               for p in info.value.problems)


def test_code_outside_rnnlab_cannot_be_named(lesson_copy):
    _edit(lesson_copy / "steps/02-hidden-state.md", "::: code rnnlab.nn.rnn:rnn_step_forward",
          "::: code os:system")
    with pytest.raises(LessonError) as info:
        build_lesson(lesson_copy)
    assert ("steps/02-hidden-state.md: cannot show the engine's code: 'os:system' is not "
            "'rnnlab.module:function'") in info.value.problems


def test_several_functions_share_one_block_and_open_is_a_flag():
    env = Env()
    html = render("::: code rnnlab.nn.rnn:rnn_step_backward rnnlab.nn.rnn:rnn_backward open See `dh`.\n", env)
    (block,) = blocks(html).details
    assert block["open"] and block["sources"] == ["rnnlab.nn.rnn:rnn_step_backward", "rnnlab.nn.rnn:rnn_backward"]
    assert '<p class="engine-code-note">See <code>dh</code>.</p>' in html
    assert env.directives == [("code", "rnnlab.nn.rnn:rnn_step_backward"), ("code", "rnnlab.nn.rnn:rnn_backward")]
