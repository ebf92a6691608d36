"""The SVG diagrams: well-formed, accessible, themeable."""

import xml.etree.ElementTree as ET

from rnnlab.lesson.diagrams import SVG_NS, check_svg
from rnnlab.lesson.loader import LESSON_DIR

GOOD = ('<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="d-title" aria-describedby="d-desc">'
        '<title id="d-title">T</title><desc id="d-desc">D</desc><path stroke="currentColor"/></svg>')


def test_every_shipped_svg_parses_and_has_title_and_desc():
    paths = sorted((LESSON_DIR / "diagrams").glob("*.svg"))
    assert [p.stem for p in paths] == ["encoder-decoder", "gru-cell", "lstm-cell", "unrolled-rnn"]
    for path in paths:
        root = ET.parse(path).getroot()
        assert root.get("role") == "img"
        title, desc = root.find(SVG_NS + "title"), root.find(SVG_NS + "desc")
        assert title.text.strip() and len(desc.text.split()) >= 40, path.name  # a real text alternative
        assert root.get("aria-labelledby") == title.get("id")
        assert root.get("aria-describedby") == desc.get("id")
        assert check_svg(path.stem, path.read_text()) == []


def test_check_svg_accepts_a_good_diagram():
    assert check_svg("d", GOOD) == []


def test_check_svg_names_each_problem():
    assert "not well-formed XML" in check_svg("d", "<svg><g></svg>")[0]
    assert any('role="img"' in p for p in check_svg("d", GOOD.replace(' role="img"', "")))
    assert any("non-empty <desc>" in p for p in check_svg("d", GOOD.replace(">D<", "><")))
    assert any("non-empty <title>" in p for p in check_svg("d", GOOD.replace("<title id=\"d-title\">T</title>", "")))
    assert any("stroke='black' is fixed" in p for p in check_svg("d", GOOD.replace("currentColor", "black")))
    assert any("must start with 'd-'" in p for p in check_svg("d", GOOD.replace('<path', '<path id="x"')))
