"""Shared look of the experiments' Altair charts.

Every chart fills the width of its container (the page sets it, down to a
375-px phone), puts its legend under the plot so it never steals width, and
draws series in mid-tone Okabe-Ito colours that are distinguishable by
colour-blind readers and keep their contrast on light and dark backgrounds.
Backgrounds are transparent: the page's theme shows through.
"""

from __future__ import annotations

import math
import textwrap

import altair as alt

# Okabe-Ito colours of middle lightness (they read on white and on near-black).
ORANGE = "#E69F00"
SKY = "#56B4E9"
GREEN = "#009E73"
VERMILLION = "#D55E00"
PURPLE = "#CC79A7"
GREY = "#999999"
SERIES = [SKY, ORANGE, GREEN, VERMILLION, PURPLE, GREY]

# A diverging scheme for signed values (hidden-state heatmaps), centred on zero.
DIVERGING = "blueorange"

HEIGHT = 260  # px of plotting area: fits a phone screen with title and legend


# Vega titles do not wrap, so titles are broken into lines here, twice over:
# hard breaks ("\n") at a desktop budget, and inside those lines soft breaks
# (a space and then SOFT, a zero-width space: it reads as a plain space) at a
# phone budget. The ``lineBreak`` expression in CONFIG breaks at both when the
# chart's container is narrower than NARROW px, at the hard ones only otherwise.
NARROW = 520  # px: below this a chart is on a phone (the page's charts.js uses the same)
TITLE_CHARS = 54  # a 15-px bold line (~9 px a letter) that fits NARROW px
SUBTITLE_CHARS = 76  # a 12-px line (~6.6 px a letter) that fits it
PHONE_TITLE_CHARS = 32  # the same lines in the ~320 px a phone's page leaves a chart
PHONE_SUBTITLE_CHARS = 46
SOFT = "\u200b"
LINE_BREAK = alt.ExprRef(expr=f"containerSize()[0] < {NARROW} ? regexp('\\n| {SOFT}') : '\\n'")


def wrap(text: str, width: int) -> list[str]:
    """Break a line into lines of at most ``width`` characters (Vega titles do not wrap)."""
    return textwrap.wrap(text, width, break_long_words=True) or [""]


def _breakable(lines: list[str], wide: int, narrow: int) -> str:
    """Lines as one string: each wrapped at ``wide`` characters (hard breaks), and
    each of those at ``narrow`` (soft breaks)."""
    return "\n".join(f" {SOFT}".join(wrap(piece, narrow)) for line in lines for piece in wrap(line, wide))


def title(text: str, subtitle: str | list[str] | None = None) -> alt.TitleParams:
    """A left-aligned title with an optional subtitle (one string or a list of
    lines), wrapped to the width of a desktop page and, on a phone, of the phone."""
    subtitle = [subtitle] if isinstance(subtitle, str) else subtitle
    kw = {} if subtitle is None else {"subtitle": _breakable(subtitle, SUBTITLE_CHARS, PHONE_SUBTITLE_CHARS)}
    return alt.TitleParams(text=_breakable([text], TITLE_CHARS, PHONE_TITLE_CHARS), anchor="start",
                           frame="bounds", **kw)


def _as_lines(params: alt.TitleParams) -> alt.TitleParams:
    """A title's desktop lines as lists, without the soft breaks.

    For the top-level title only: the page's charts.js re-wraps that one itself
    on a phone (word by word, into a list, where Vega would not break it again)."""
    out = params.copy(deep=False)
    for key in ("text", "subtitle"):
        value = getattr(params, key, alt.Undefined)
        if isinstance(value, str):
            setattr(out, key, value.replace(SOFT, "").split("\n"))
    return out


def colour_scale(names: list[str], colours: list[str] | None = None) -> alt.Scale:
    """A fixed nominal colour scale, so a series keeps its colour as controls change."""
    colours = colours or SERIES
    return alt.Scale(domain=names, range=colours[: len(names)])


def legend(title_text: str | None = None) -> alt.Legend:
    """A legend below the plot, one entry per line, so it never widens the chart."""
    return alt.Legend(title=title_text, orient="bottom", direction="vertical", labelLimit=300)


def fmt(x: float, digits: int = 3) -> str:
    """A number for a title: plain for ordinary sizes, scientific when tiny or huge."""
    if x == 0 or not math.isfinite(x):
        return str(x)
    if 1e-3 <= abs(x) < 1e4:
        return f"{x:.{digits}g}"
    return f"{x:.{max(digits - 1, 1)}e}"


def data(name: str) -> alt.NamedData:
    """A reference to a dataset that ``finish`` attaches to the top level.

    Long series travel as columns (one row holding arrays, unrolled in the
    browser by a ``flatten`` transform): a smaller payload, and far fewer
    objects for Altair's schema validation to walk."""
    return alt.NamedData(name=name)


def table(**columns: list) -> alt.InlineData:
    """Equal-length numeric columns as one inline CSV string.

    For big grids (heatmaps): Altair walks every element of list data when it
    builds the spec, a single string it does not; the browser parses it."""
    names = list(columns)
    rows = zip(*(columns[n] for n in names))
    text = "\n".join([",".join(names)] + [",".join(f"{v:g}" for v in row) for row in rows])
    return alt.InlineData(values=text, format=alt.CsvDataFormat(type="csv", parse={n: "number" for n in names}))


CONFIG = alt.Config(
    title=alt.TitleConfig(fontSize=15, subtitleFontSize=12, anchor="start", offset=8),
    axis=alt.AxisConfig(labelFontSize=11, titleFontSize=12, grid=True, gridOpacity=0.35),
    legend=alt.LegendConfig(labelFontSize=12, titleFontSize=12, symbolSize=120),
    view=alt.ViewConfig(stroke=None),
    lineBreak=LINE_BREAK,
)


def finish(chart: alt.TopLevelMixin, **datasets: list[dict]) -> alt.TopLevelMixin:
    """Attach the data and the house configuration to a finished top-level chart.

    Views refer to their rows by name (``data("steps")``); the rows are set
    once here, on the top level, instead of being copied along every chained
    Altair call (which made building a chart slower than running the model).
    A single or layered view gets ``width="container"`` from its caller; a
    vertical concatenation gets it on every panel. ``fit-x`` makes the whole
    chart, axes and legend included, as wide as its container. A top-level
    title travels as lists of lines (``_as_lines``); panel titles keep their
    soft breaks.
    """
    chart = chart.copy(deep=False)
    chart.autosize = alt.AutoSizeParams(type="fit-x", contains="padding")
    chart.background = "transparent"
    chart.config = CONFIG
    chart.datasets = datasets
    if isinstance(chart.title, alt.TitleParams):
        chart.title = _as_lines(chart.title)
    return chart
