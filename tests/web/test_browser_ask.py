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


def test_a_run_being_read_says_so_and_its_summary_does_not_wait(page, served):  # noqa: F811
    # Hold the planner (the slow request: the posterior's scenario ingredients) back until
    # the summary has arrived; the page must say what it is doing meanwhile.
    from playwright.sync_api import expect

    held = []
    page.route("**/api/runs/small/planner", lambda route: held.append(route))
    page.goto(served + "/")
    expect(page.locator("#run-loading")).to_contain_text("Reading the run", timeout=60_000)
    page.wait_for_selector("#narrative h3", timeout=60_000)   # the summary came first
    assert page.locator("body[data-ready]").count() == 0
    assert len(held) == 1
    held[0].continue_()
    page.wait_for_selector('body[data-ready="small"]', timeout=60_000)
    assert page.locator("#run-loading").count() == 0           # the sliders replaced it
