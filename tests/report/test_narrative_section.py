"""The report's "in words" section is the narrative of `mixcast summary`, word for word."""

from __future__ import annotations

from html import escape


def test_report_shows_the_summary_narrative(rendered_report, small_run, small_fit):
    from mixcast.assist.narrative import run_narrative

    html, page, _ = rendered_report
    narrative = run_narrative(small_fit, small_run)
    section = html[html.index('data-section="narrative"'):]
    section = section[:section.index("</section>")]
    for title, sentences in narrative.paragraphs:
        assert escape(title) in section
        for sentence in sentences:
            assert escape(sentence) in section
