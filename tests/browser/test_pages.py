"""Every page: no console errors or CSP violations, no serious or critical axe-core violations,
and a screenshot at 1280 px (light) and 375 px (dark) in test-artifacts/screenshots/.
axe checks the charts' SVG in the phone view only (it takes half of axe's time)."""

import pytest

from rnnlab.web.security import CSP

pytestmark = pytest.mark.browser

PAGES = ["/", *[f"/steps/{n}" for n in range(1, 9)], "/summary", "/glossary", "/lab", "/steps/99"]
VIEWS = [(1280, "light"), (375, "dark")]
CHARTS_DRAWN = """() => [...document.querySelectorAll('.experiment')].every(e =>
    e.classList.contains('coming-soon') || e.querySelector('.experiment-job') ||
    (e.querySelector('.experiment-chart svg') && !e.querySelector('.experiment-chart.loading')))"""


def name_of(path: str) -> str:
    return path.strip("/").replace("/", "-") or "home"


@pytest.mark.parametrize("path", PAGES)
def test_page_is_clean_and_accessible_at_desktop_and_phone_widths(page, console_errors, axe_violations, screenshot, path):
    for width, scheme in VIEWS:
        page.set_viewport_size({"width": width, "height": 900})
        page.emulate_media(color_scheme=scheme)
        response = page.goto(path)
        assert response.status == (404 if path == "/steps/99" else 200)
        assert response.headers["content-security-policy"] == CSP  # so a clean console means the page obeys it
        page.wait_for_function(CHARTS_DRAWN)
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"{path} scrolls sideways by {overflow}px at {width}px"
        assert axe_violations(skip_charts=width > 375) == [], f"{path} at {width}px, {scheme}"
        screenshot(f"{name_of(path)}-{width}-{scheme}")
    if path == "/steps/99":
        console_errors.allow("404")
