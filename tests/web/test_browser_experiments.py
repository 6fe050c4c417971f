"""The test planner card in headless Chromium: which test next, then a test's design."""

from __future__ import annotations

import pytest

from tests.web.test_browser import (  # noqa: F401  (fixtures)
    browser, page, pytestmark, served, shots,
)

pytestmark = pytestmark  # slow, and skipped only where chromium is absent outside CI


def test_test_planner_from_the_page(page, served, shots):  # noqa: F811
    page.goto(served + "/")
    page.wait_for_selector('body[data-ready="small"]')   # selectors only: the CSP forbids eval
    page.fill("#test-weeks", "4,6")
    page.click("#plan-tests")
    page.wait_for_selector("#test-plan-table", timeout=120_000)
    rows = page.locator("#test-plan-table tr[data-channel]")
    assert rows.count() == 3
    # search_spend is mostly prior in this short fit: it is the one to test first.
    assert rows.first.get_attribute("data-channel") == "search_spend"
    assert page.input_value("#test-channel") == "search_spend"
    page.click("#design-test")
    page.wait_for_selector("#test-design-table", timeout=120_000)
    assert page.locator("#test-design-table tr[data-weeks]").count() == 2
    assert "time-based" in page.text_content("#test-method")
    assert "no control geos" in page.text_content("#test-caveat")
    page.locator("#tests-card").screenshot(path=str(shots / "test-planner.png"))
