"""The status page shows sources, workflows and drift, escaped, without URL credentials."""

from __future__ import annotations

from controller.server.page import MAX_VALUE_CHARS, render_status_page
from controller.server.testing import sample_status


def test_page_lists_sources_workflows_and_drift() -> None:
    html = render_status_page(sample_status())
    for text in ("analytics", "marketing", "orders_daily", "user_profile", "ads_report", "/trigger/cron",
                 "00 30 02 * * ?", "status-outofsync", "status-failed", "not a known node type"):
        assert text in html


def test_page_refreshes_itself_without_javascript() -> None:
    html = render_status_page(sample_status(), refresh_seconds=15)
    assert '<meta http-equiv="refresh" content="15">' in html
    assert "<script" not in html.lower()


def test_markup_in_names_and_values_is_escaped() -> None:
    html = render_status_page(sample_status())
    assert "&lt;script&gt;alert(&#39;pwned&#39;)&lt;/script&gt;" in html
    assert "<b>" not in html


def test_repository_credentials_are_never_shown() -> None:
    html = render_status_page(sample_status())
    assert "glpat-sample-token-1234" not in html
    assert "https://gitlab.example.com/data/dataworks-flows.git" in html


def test_unknown_status_gets_the_unknown_colour_not_an_injected_class() -> None:
    doc = {"sources": [], "workflows": [{"name": "w", "status": 'x" onmouseover="alert(1)'}]}
    html = render_status_page(doc)
    assert "status-unknown" in html
    assert 'onmouseover="' not in html


def test_long_values_are_cut_with_a_pointer_to_the_api() -> None:
    doc = {"workflows": [{"name": "w", "status": "OutOfSync", "last_drift": {"changes": [
        {"path": "/x", "kind": "changed", "before": "a" * (MAX_VALUE_CHARS * 2), "after": "b"}]}}]}
    html = render_status_page(doc)
    assert "a" * MAX_VALUE_CHARS in html
    assert "a" * (MAX_VALUE_CHARS + 1) not in html
    assert "more characters in /api/v1/status" in html


def test_empty_or_odd_documents_still_render() -> None:
    for doc in ({}, {"sources": None, "workflows": "nope"}, {"workflows": [None, 3, {"name": "only-name"}]}):
        assert "dataworks-gitops" in render_status_page(doc)


def test_times_read_the_same_whether_epoch_or_iso() -> None:
    doc = {"sources": [{"name": "a", "last_sync": 1779244267.0}, {"name": "b", "last_sync": "2026-05-20T02:31:07Z"}]}
    html = render_status_page(doc)
    assert html.count("2026-05-20 02:31:07 UTC") == 2


def test_added_field_shows_before_as_absent() -> None:
    doc = {"workflows": [{"name": "w", "status": "OutOfSync", "last_drift": {"changes": [
        {"path": "/tags", "kind": "added", "before": None, "after": ["t"]}]}}]}
    assert "(absent)" in render_status_page(doc)


def test_unified_diff_lines_are_marked_added_and_removed() -> None:
    html = render_status_page(sample_status())
    assert "<span class=\"del\">-FROM ods_orders WHERE dt = &#39;${bizdate}&#39;</span>" in html
    assert "<span class=\"add\">+FROM ods_orders" in html
