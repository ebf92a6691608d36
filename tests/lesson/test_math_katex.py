"""Every formula in the lesson parses in the vendored KaTeX (strict mode), as the page will render it."""

import html
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

import rnnlab

KATEX = Path(rnnlab.__file__).parent / "web/static/vendor/katex/katex.min.js"
NODE = shutil.which("node")

SCRIPT = """
const katex = require(process.argv[1]);
const items = JSON.parse(require('fs').readFileSync(0, 'utf8'));
const errors = [];
for (const [tex, display] of items) {
  try { katex.renderToString(tex, {displayMode: display, throwOnError: true, strict: 'error'}); }
  catch (e) { errors.push(tex + ' -> ' + e.message); }
}
console.log(JSON.stringify(errors));
"""


def _all_html(lesson):
    yield from (s.html for s in lesson.steps)
    yield from (t.html for t in lesson.glossary)
    for c in lesson.checks.values():
        yield from (c.prompt_html, c.explanation_html)
        yield from (o.html + o.feedback_html for o in c.options)
        yield from (t.html for t in c.targets)
        if c.numeric:
            yield from (c.numeric.correct_html, c.numeric.low_html, c.numeric.high_html)


@pytest.mark.skipif(NODE is None or not KATEX.exists(), reason="needs node and the vendored KaTeX")
def test_every_formula_renders_in_katex(lesson):
    pattern = re.compile(r'<(span|div) class="math (inline|display)">(.*?)</\1>', re.S)
    items = [[html.unescape(m[3]), m[2] == "display"] for h in _all_html(lesson) for m in pattern.finditer(h)]
    assert len(items) > 300
    done = subprocess.run([NODE, "-e", SCRIPT, str(KATEX)], input=json.dumps(items), capture_output=True,
                          text=True, timeout=60, check=True)
    assert json.loads(done.stdout) == []


@pytest.mark.skipif(NODE is None or not KATEX.exists(), reason="needs node and the vendored KaTeX")
def test_katex_check_catches_a_broken_formula():
    done = subprocess.run([NODE, "-e", SCRIPT, str(KATEX)], input=json.dumps([["\\frac{a}{", False]]),
                          capture_output=True, text=True, timeout=60, check=True)
    assert len(json.loads(done.stdout)) == 1
