import json

import pytest

import altair as alt

from rnnlab.experiments import _charts as charts
from rnnlab.experiments import registry

LONG = "from the query back to step 0, the cell-state gradient keeps 3.9e-04 of its size, the hidden-state one 5.9e-05"


def _pieces(text: str) -> list[list[str]]:
    """Desktop lines, each split into its phone lines."""
    return [line.split(f" {charts.SOFT}") for line in text.split("\n")]


def test_title_lines_fit_a_desktop_and_their_pieces_fit_a_phone():
    t = charts.title("How far back does the gradient reach?", [LONG, "short"])
    for text, wide, narrow in [(t.text, charts.TITLE_CHARS, charts.PHONE_TITLE_CHARS),
                               (t.subtitle, charts.SUBTITLE_CHARS, charts.PHONE_SUBTITLE_CHARS)]:
        lines = _pieces(text)
        assert all(len(" ".join(pieces)) <= wide for pieces in lines)
        assert all(len(piece) <= narrow for pieces in lines for piece in pieces)
    assert _pieces(t.text) == [["How far back does the gradient", "reach?"]]  # one desktop line, two on a phone
    words = " ".join(" ".join(pieces) for pieces in _pieces(t.subtitle)).split()
    assert words == (LONG + " short").split()


def test_finish_gives_the_top_level_title_as_plain_lines_and_the_config_a_line_break_rule():
    panel = alt.Chart(alt.InlineData(values=[{"x": 1}]), mark="point", title=charts.title("Panel", LONG))
    top = charts.finish(alt.LayerChart(layer=[panel.copy()], title=charts.title("Top", LONG))).to_dict()
    assert top["title"]["text"] == ["Top"]
    assert all(charts.SOFT not in line for line in top["title"]["subtitle"])
    assert " ".join(top["title"]["subtitle"]).split() == LONG.split()
    assert "containerSize()" in top["config"]["lineBreak"]["expr"]
    inner = top["layer"][0]["title"]
    assert isinstance(inner["subtitle"], str) and charts.SOFT in inner["subtitle"]  # a panel keeps its soft breaks


# Every quick experiment at its defaults, and the cheapest job at small settings:
# its chart compiles with Vega-Lite and renders at a phone's width.
SMALL_JOB_PARAMS = {"cell-race": {"seq_len": 20, "steps": 100}}
RENDERED = [m for m in registry.MODULES if m.KIND == "quick" or m.ID in SMALL_JOB_PARAMS]


@pytest.mark.parametrize("module", RENDERED, ids=lambda m: m.ID)
def test_chart_compiles_and_renders_at_phone_width(module):
    import vl_convert

    params = module.Params(**SMALL_JOB_PARAMS.get(module.ID, {}))
    spec = json.loads(module.chart(module.run(params)).to_json())
    spec["width"] = 355  # the page gives the chart its container's width
    for panel in spec.get("vconcat", []):
        panel["width"] = 355
    svg = vl_convert.vegalite_to_svg(spec)
    assert svg.startswith("<svg") and "NaN" not in svg
    titled = spec.get("title") or all(panel.get("title") for panel in spec.get("vconcat") or [{}])
    assert titled, f"{module.ID}: the chart (or each of its panels) has a title saying what it shows"


def ends_of_each_control(module) -> list[dict]:
    """Params that move one control from its default to each end of its range (every value of a choice)."""
    moved = []
    for name, prop in module.Params.model_json_schema()["properties"].items():
        if "enum" in prop:
            values = prop["enum"]
        elif prop.get("type") == "boolean":
            values = [False, True]
        elif prop.get("type") in ("integer", "number"):
            values = [prop[end] for end in ("minimum", "maximum") if end in prop]
        else:
            values = []
        moved += [{name: value} for value in values if value != prop.get("default")]
    return moved


QUICK = [m for m in registry.MODULES if m.KIND == "quick"]


@pytest.mark.slow
@pytest.mark.parametrize("module", QUICK, ids=lambda m: m.ID)
def test_every_quick_chart_is_valid_vega_lite_with_each_control_at_each_end(module):
    """The server builds quick experiments' charts without Altair's schema check (``runner.payload``):
    this is the check, on the charts the learners' controls can reach."""
    from rnnlab.experiments import Diverged

    checked = 0
    for raw in [{}, *ends_of_each_control(module)]:
        try:
            result = module.run(module.Params(**raw))
        except Diverged:
            continue  # the learner gets a sentence, not a chart
        module.chart(result).to_dict(validate=True)  # raises on a spec Vega-Lite's schema refuses
        checked += 1
    assert checked > len(ends_of_each_control(module)) // 2
