"""The one chart every fake draws: its values against their index."""

import altair as alt


def line(values: list[float], title: str) -> alt.Chart:
    data = alt.Data(values=[{"i": i, "value": v} for i, v in enumerate(values)])
    return alt.Chart(data, title=title).mark_line().encode(x="i:Q", y="value:Q")
