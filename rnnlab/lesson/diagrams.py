"""Load the hand-written SVG diagrams and check they are accessible and themeable.

Each ``diagrams/ID.svg`` is inlined into its step's page, so it must:
- parse as XML, with an ``<svg>`` root carrying ``role="img"``,
  ``aria-labelledby`` naming its ``<title>`` (the short name) and
  ``aria-describedby`` naming its ``<desc>`` (the full text alternative), both non-empty;
- prefix every ``id`` inside it with ``ID-`` (ids must be unique on the page);
- take its colours from the page (``currentColor``, CSS variables, classes),
  never hard-coded black or white, so it works in light and dark themes.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

SVG_NS = "{http://www.w3.org/2000/svg}"
FIXED_COLOUR = re.compile(r"^\s*(black|white|#000(000)?|#fff(fff)?)\s*$", re.I)
XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>\s*")


def check_svg(ident: str, markup: str) -> list[str]:
    """Every problem with the diagram ``ident`` whose source is ``markup``."""
    where = f"diagrams/{ident}.svg"
    try:
        root = ET.fromstring(markup)
    except ET.ParseError as exc:
        return [f"{where}: not well-formed XML: {exc}"]
    problems = []
    if root.tag != SVG_NS + "svg":
        problems.append(f"{where}: the root must be an <svg> in the SVG namespace")
    if root.get("role") != "img":
        problems.append(f'{where}: the <svg> needs role="img"')
    for part, attr in (("title", "aria-labelledby"), ("desc", "aria-describedby")):
        element = root.find(SVG_NS + part)
        if element is None or not "".join(element.itertext()).strip():
            problems.append(f"{where}: needs a non-empty <{part}> as a child of <svg>")
        elif element.get("id") not in (root.get(attr) or "").split():
            problems.append(f"{where}: {attr} must name the <{part}>'s id")
    for element in root.iter():
        ident_attr = element.get("id")
        if ident_attr is not None and not ident_attr.startswith(f"{ident}-"):
            problems.append(f"{where}: id {ident_attr!r} must start with '{ident}-'")
        for attr in ("fill", "stroke", "color", "stop-color"):
            if FIXED_COLOUR.match(element.get(attr, "")):
                problems.append(f"{where}: {attr}={element.get(attr)!r} is fixed; use currentColor")
    return problems


def load_diagrams(folder: Path, problems: list[str]) -> dict[str, str]:
    """``{id: svg markup ready to inline}`` for every ``*.svg`` in ``folder``."""
    diagrams = {}
    for path in sorted(folder.glob("*.svg")):
        markup = XML_DECLARATION.sub("", path.read_text(encoding="utf-8")).strip()
        found = check_svg(path.stem, markup)
        problems.extend(found)
        if not found:
            diagrams[path.stem] = markup
    return diagrams
