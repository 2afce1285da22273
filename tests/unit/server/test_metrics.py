"""Metrics carry exactly the documented names, in a registry of their own, with safe label values."""

from __future__ import annotations

import pytest
from prometheus_client.parser import text_string_to_metric_families

from controller.logs import register_secret
from controller.server.metrics import METRIC_NAMES, STATUSES, GitOpsMetrics

EXPECTED = {
    "dataworks_gitops_sync_duration_seconds": ("histogram", {"source"}),
    "dataworks_gitops_sync_runs_total": ("counter", {"source", "result"}),
    "dataworks_gitops_workflows": ("gauge", {"source", "status"}),
    "dataworks_gitops_drift_detected_total": ("counter", {"source"}),
    "dataworks_gitops_api_calls_total": ("counter", {"action", "code"}),
    "dataworks_gitops_job_duration_seconds": ("histogram", {"kind"}),
    "dataworks_gitops_last_sync_timestamp_seconds": ("gauge", {"source"}),
    "dataworks_gitops_git_fetch_duration_seconds": ("histogram", {"source"}),
    "dataworks_gitops_webhook_requests_total": ("counter", {"provider", "result"}),
}


def exercised() -> GitOpsMetrics:
    m = GitOpsMetrics()
    m.record_sync("analytics", "success", 12.5, drift=2, finished_at=1_780_000_000.0)
    m.set_workflow_counts("analytics", {"Synced": 40, "OutOfSync": 2})
    m.add_api_calls({("ListWorkflows", "200"): 3, ("UpdateWorkflow", "Throttling.User"): 1})
    m.record_job("import", 7.0)
    m.record_git_fetch("analytics", 0.4)
    m.record_webhook("github", "triggered")
    return m


def type_lines(text: str) -> dict[str, str]:
    return {
        line.split()[2]: line.split()[3] for line in text.splitlines() if line.startswith("# TYPE ")
    }


def test_exposition_has_exactly_the_documented_names_and_types() -> None:
    text = exercised().render()[0].decode()
    assert type_lines(text) == {name: kind for name, (kind, _) in EXPECTED.items()}
    assert set(METRIC_NAMES) == set(EXPECTED)


def test_names_exist_before_anything_is_recorded() -> None:
    assert set(type_lines(GitOpsMetrics().render()[0].decode())) == set(EXPECTED)


def test_labels_are_the_documented_ones() -> None:
    text = exercised().render()[0].decode()
    for family in text_string_to_metric_families(text):
        name = family.name + ("_total" if family.type == "counter" else "")
        _, labels = EXPECTED[name]
        for sample in family.samples:
            assert set(sample.labels) - {"le"} == labels, sample


def test_each_instance_has_its_own_registry() -> None:
    a, b = GitOpsMetrics(), GitOpsMetrics()
    a.record_webhook("github", "triggered")
    assert b'provider="github"' in a.render()[0]
    assert b'provider="github"' not in b.render()[0]


def test_recorded_values_come_out() -> None:
    text = exercised().render()[0].decode()
    assert 'dataworks_gitops_sync_runs_total{result="success",source="analytics"} 1.0' in text
    assert 'dataworks_gitops_drift_detected_total{source="analytics"} 2.0' in text
    assert 'dataworks_gitops_workflows{source="analytics",status="OutOfSync"} 2.0' in text
    assert 'dataworks_gitops_workflows{source="analytics",status="Failed"} 0.0' in text
    assert 'dataworks_gitops_api_calls_total{action="ListWorkflows",code="200"} 3.0' in text
    assert 'dataworks_gitops_last_sync_timestamp_seconds{source="analytics"} 1.78e+09' in text


def test_every_status_gets_a_gauge_so_stale_counts_go_to_zero() -> None:
    m = GitOpsMetrics()
    m.set_workflow_counts("s", {"Failed": 3})
    m.set_workflow_counts("s", {"Synced": 3})
    text = m.render()[0].decode()
    for status in STATUSES:
        assert f'dataworks_gitops_workflows{{source="s",status="{status}"}}' in text
    assert 'dataworks_gitops_workflows{source="s",status="Failed"} 0.0' in text


def test_unknown_status_is_refused() -> None:
    with pytest.raises(ValueError, match="Healthy"):
        GitOpsMetrics().set_workflow_counts("s", {"Healthy": 1})


def test_forgotten_source_leaves_no_gauges() -> None:
    m = GitOpsMetrics()
    m.set_workflow_counts("gone", {"Synced": 1})
    m.record_sync("gone", "success", 1.0)
    m.forget_sources(["gone", "never-seen"])
    assert b'source="gone",status' not in m.render()[0]
    assert b'dataworks_gitops_last_sync_timestamp_seconds{source="gone"}' not in m.render()[0]


def test_label_values_never_carry_a_registered_secret_or_url_credentials() -> None:
    secret = "sk-metrics-label-secret-123"
    register_secret(secret)
    m = GitOpsMetrics()
    m.record_sync(f"https://bot:{secret}@host/x", "failed", 1.0)
    m.add_api_calls({("GetWorkflow", f"error {secret}"): 1})
    text = m.render()[0].decode()
    assert secret not in text
    assert "bot:" not in text
