"""Fixtures for report tests: a rendered report of the shared small run, parsed."""

from __future__ import annotations

import json
from html.parser import HTMLParser

import pytest


class Page(HTMLParser):
    """Collects every element's tag and attributes, the text of each element by id path,
    and for each element the nearest enclosing data-section / data-table / row attrs."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict, dict]] = []   # tag, attrs, context
        self._stack: list[tuple[str, dict]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        context = {}
        for _, outer in self._stack:
            for key in ("data-section", "data-table", "data-channel", "data-recommendation",
                        "data-part", "data-check"):
                if key in outer:
                    context[key] = outer[key]
        self.elements.append((tag, attrs, context))
        if tag not in ("meta", "link", "br", "img", "input", "hr"):
            self._stack.append((tag, attrs))

    def handle_endtag(self, tag):
        for i in range(len(self._stack) - 1, -1, -1):
            if self._stack[i][0] == tag:
                del self._stack[i:]
                break

    def handle_data(self, data):
        self.text.append(data)

    def metrics(self, table: str, channel: str) -> dict[str, float]:
        """data-metric -> data-value inside one channel row of one table."""
        out = {}
        for _, attrs, ctx in self.elements:
            if (ctx.get("data-table") == table and ctx.get("data-channel") == channel
                    and "data-metric" in attrs and attrs.get("data-value")):
                out[attrs["data-metric"]] = float(attrs["data-value"])
        return out

    def sections(self) -> list[str]:
        return [a["data-section"] for t, a, _ in self.elements
                if t == "section" and "data-section" in a]


@pytest.fixture(scope="session")
def rendered_report(small_run, small_fit, tmp_path_factory):
    """(html text, parsed Page, summary.json) for the small run's report."""
    from mixcast.report.html import render_report

    out = render_report(small_run, tmp_path_factory.mktemp("report") / "report.html",
                        fit=small_fit)
    html = out.read_text(encoding="utf-8")
    page = Page()
    page.feed(html)
    summary = json.loads((small_run / "summary.json").read_text())
    return html, page, summary
