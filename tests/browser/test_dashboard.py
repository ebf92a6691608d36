"""The instructor's dashboard in chromium: signed in through its form, it follows the class live."""

import httpx
import sqlalchemy as sa
from playwright.sync_api import expect

from rnnlab.store.tables import classes


def test_the_dashboard_updates_live_as_learners_join_and_answer(page, live_app, base_url, console_errors,
                                                                axe_violations, screenshot):
    console_errors.allow("status of 401")  # the dashboard's first load, before signing in, is a 401 login page
    made = live_app.state.classes.create("Thursday lecture")
    page.goto(f"/class/{made.code}")
    page.fill("#key", made.instructor_key)
    page.click("button[type=submit]")
    expect(page.locator("#dash-count")).to_have_text("0 learners")
    card = page.locator('.dash-check[data-check="step1-bag-of-words"]')
    expect(card.locator(".dash-rate")).to_have_text("no answers yet")

    with httpx.Client(base_url=base_url, follow_redirects=True, timeout=30) as learner:
        learner.post(f"/join/{made.code}", data={"name": "Ada"}).raise_for_status()
        learner.post("/api/progress/visit", json={"step": 1}).raise_for_status()
        learner.post("/api/checks/step1-bag-of-words", json={"choice": "a"}).raise_for_status()

    expect(page.locator("#dash-count")).to_have_text("1 learner", timeout=10_000)  # polled, not reloaded
    expect(card.locator(".dash-rate")).to_have_text("0 of 1 right")
    wrong = card.locator(".dist-row.bad").filter(has_text="because “dog” comes first")
    expect(wrong.locator(".dist-count")).to_have_text("1")
    expect(wrong.locator(".misconception")).to_contain_text("The order is gone before the classifier sees anything")
    expect(page.locator("#learners tbody th")).to_have_text(["Ada"])
    expect(page.locator(".step-bar").first.locator(".step-bar-count")).to_have_text("1")
    assert axe_violations() == []
    screenshot("dashboard")
    page.set_viewport_size({"width": 375, "height": 800})
    page.emulate_media(color_scheme="dark")
    assert page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth") <= 0
    assert axe_violations() == []
    screenshot("dashboard-375-dark")


def test_a_learner_joins_with_a_name_sees_the_class_on_the_home_page_and_leaves(page, live_app, base_url,
                                                                              axe_violations, screenshot):
    made = live_app.state.classes.create("Thursday lecture")
    for width, scheme in ((1280, "light"), (375, "dark")):
        page.set_viewport_size({"width": width, "height": 800})
        page.emulate_media(color_scheme=scheme)
        page.goto(f"/join/{made.code.lower()}")
        expect(page.locator("h1")).to_have_text("Thursday lecture")
        assert page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth") <= 0
        assert axe_violations() == []
        screenshot(f"join-{width}-{scheme}")
    page.fill("#name", "Ada")
    page.click("button[type=submit]")
    expect(page).to_have_url(f"{base_url}/")
    expect(page.locator("#class-note")).to_contain_text("You are in the class Thursday lecture as “Ada”")
    assert axe_violations() == []
    page.click("#class-note button")
    expect(page.locator("#class-note")).to_have_count(0)
    assert live_app.state.classes.members(made.code) == []


def sign_in(page, made):
    page.goto(f"/class/{made.code}")
    page.fill("#key", made.instructor_key)
    page.click("button[type=submit]")
    expect(page.locator("#dash-count")).to_be_visible()


def test_on_a_phone_each_learner_is_a_card_and_nothing_scrolls_sideways(page, live_app, base_url, console_errors,
                                                                        axe_violations, screenshot):
    console_errors.allow("status of 401")  # the dashboard before signing in
    made = live_app.state.classes.create("Phone lecture")
    for name, answer in (("Ada Lovelace", "b"), ("", "a"), ("Zoë Wiśniewska-Brandenburg", "c")):
        with httpx.Client(base_url=base_url, follow_redirects=True, timeout=30) as learner:
            learner.post(f"/join/{made.code}", data={"name": name}).raise_for_status()
            learner.post("/api/progress/visit", json={"step": 2}).raise_for_status()
            learner.post("/api/checks/step1-bag-of-words", json={"choice": answer}).raise_for_status()
    sign_in(page, made)
    expect(page.locator("#learners tbody tr")).to_have_count(3)
    screenshot("dashboard-learners-1280")
    page.set_viewport_size({"width": 375, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    table_fits = "(() => { const t = document.getElementById('learners'); return t.scrollWidth <= t.parentElement.clientWidth; })()"
    assert page.evaluate(table_fits)  # the table itself does not scroll sideways inside its box either
    first = page.locator("#learners tbody tr").first
    assert first.locator("td").nth(1).evaluate("td => getComputedStyle(td, '::before').content") == '"On step"'
    card, name = first.bounding_box(), first.locator("th").bounding_box()
    assert card["width"] <= 375 and name["y"] < first.locator("td").nth(1).bounding_box()["y"]  # the name on top
    assert axe_violations() == []
    first.scroll_into_view_if_needed()
    screenshot("dashboard-learners-375")


def test_the_dashboard_says_why_it_stopped_when_signed_out_or_the_class_is_gone(page, live_app, console_errors):
    console_errors.allow("status of 401")
    console_errors.allow("status of 404")
    made = live_app.state.classes.create("Gone lecture")
    sign_in(page, made)
    error = page.locator("#dash-error")
    expect(error).to_be_hidden()
    page.context.clear_cookies()  # as when the cookie expires or the class's key changes
    expect(error).to_contain_text("This class's dashboard needs its instructor key", timeout=10_000)
    expect(error.get_by_role("link", name="Sign in again")).to_have_attribute("href", f"/class/{made.code}/login")
    expect(page.locator("#dash-live-text")).to_have_text("not updating")
    sign_in(page, made)
    with live_app.state.store.writer.begin() as conn:
        conn.execute(sa.delete(classes).where(classes.c.code == made.code))
    expect(error).to_have_text(f"There is no class with the code “{made.code}”.", timeout=10_000)
