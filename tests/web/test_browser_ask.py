"""The dashboard's Ask box and summary in headless Chromium: a question typed and
answered from the model, a channel the run cannot name refused in words."""

from __future__ import annotations

from tests.web.test_browser import (browser, page, pytestmark, served,  # noqa: F401
                                    shots)

pytestmark = pytestmark  # slow, and skipped only where chromium is absent outside CI


def test_ask_box_answers_from_the_model(page, served, shots):  # noqa: F811
    page.goto(served + "/")
    page.wait_for_selector('body[data-ready="small"]')   # selectors only: the CSP forbids eval
    page.select_option("#run-select", "validated")
    page.wait_for_selector('body[data-ready="validated"]')
    page.wait_for_selector("#narrative h3")
    assert "What to test next" in page.text_content("#narrative")
    page.fill("#ask-input", "What if we shift 15% from TV to Meta?")
    page.click("#ask-button")
    page.wait_for_selector("#ask-reading", timeout=60_000)
    assert page.text_content("#ask-reading") == ("I read this as: shift 15% of tv_spend to "
                                                 "social_spend over the data window.")
    lines = page.text_content("#ask-lines")
    assert "90% range" in lines and "test it before moving its budget" in lines
    page.locator("#ask-card").screenshot(path=str(shots / "ask.png"))
    page.fill("#ask-input", "cut radio by 10%")
    page.click("#ask-button")
    page.wait_for_selector("#ask-error:not(.hidden)")
    assert "no channel called 'radio'" in page.text_content("#ask-error")
    assert all(u.startswith(served) for u in page.requests), "the dashboard went off-host"
