"""The Kubernetes base agrees with the application: port, probe paths, config keys, env, mounts, uid."""

from __future__ import annotations

import re
from pathlib import Path, PurePosixPath
from typing import Any

import pytest

from tests.unit.deploy.conftest import CONFIG_FILE_NAME, KUBE, ROOT, find, mount_path, read_yaml_documents, volume

APP_UID = 10001

# The config keys fixed in the contracts (README/architecture); sources also carry the ssh file
# settings controller/config.py defines for git auth.
KNOWN_KEYS: dict[str, set[str]] = {
    "": {"dataworks", "state_dir", "sources", "server", "webhooks", "log"},
    "dataworks": {"region", "endpoint", "project_id", "env", "read_qps", "write_qps"},
    "sources": {
        "name", "repo", "ref", "path", "interval", "apply", "prune", "prune_max_share", "self_heal",
        "vars", "ignore", "sensitive", "ssh_key_file", "known_hosts_file",
    },
    "server": {"host", "port"},
    "webhooks.*": {"secret_env"},
    "log": {"level", "format"},
}  # fmt: skip


def _env(container: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {entry["name"]: entry for entry in container["env"]}


def _port(container: dict[str, Any], name: str) -> int:
    (port,) = [p["containerPort"] for p in container["ports"] if p["name"] == name]
    return int(port)


def test_container_port_config_port_and_service_target_agree(
    container: dict[str, Any], app_config: dict[str, Any], rendered: list[dict[str, Any]]
) -> None:
    (service_port,) = find(rendered, "Service")["spec"]["ports"]
    target = service_port["targetPort"]
    target_number = _port(container, target) if isinstance(target, str) else target
    assert _port(container, "http") == app_config["server"]["port"] == target_number == 8080
    assert app_config["server"]["host"] == "0.0.0.0"


def test_probes_use_the_health_and_readiness_paths_on_the_http_port(container: dict[str, Any]) -> None:
    assert container["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}
    assert container["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "http"}


def test_prometheus_scrapes_metrics_on_the_service_port(rendered: list[dict[str, Any]]) -> None:
    service = find(rendered, "Service")
    annotations = service["metadata"]["annotations"]
    assert annotations["prometheus.io/scrape"] == "true"
    assert annotations["prometheus.io/path"] == "/metrics"
    assert int(annotations["prometheus.io/port"]) == service["spec"]["ports"][0]["port"]


def test_the_service_selects_the_deployment_pods(rendered: list[dict[str, Any]], deployment: dict[str, Any]) -> None:
    selector = find(rendered, "Service")["spec"]["selector"]
    labels = deployment["spec"]["template"]["metadata"]["labels"]
    assert selector.items() <= labels.items()
    assert deployment["spec"]["selector"]["matchLabels"].items() <= labels.items()


def test_the_config_file_has_only_keys_the_app_knows(app_config: dict[str, Any]) -> None:
    unknown: list[str] = []

    def check(section: str, mapping: dict[str, Any]) -> None:
        unknown.extend(f"{section or '(top)'}.{key}" for key in mapping if key not in KNOWN_KEYS[section])

    check("", app_config)
    check("dataworks", app_config["dataworks"])
    for source in app_config["sources"]:
        check("sources", source)
    check("server", app_config["server"])
    for provider in app_config["webhooks"].values():
        check("webhooks.*", provider)
    check("log", app_config["log"])
    assert unknown == []


def test_the_config_file_is_mounted_where_the_app_looks_for_it(
    container: dict[str, Any], pod: dict[str, Any], rendered: list[dict[str, Any]]
) -> None:
    config_path = PurePosixPath(_env(container)["DATAWORKS_GITOPS_CONFIG"]["value"])
    assert config_path.name == CONFIG_FILE_NAME
    assert str(config_path.parent) == mount_path(container, "config")
    configmap = find(rendered, "ConfigMap")["metadata"]["name"]
    assert volume(pod, "config")["configMap"]["name"] == configmap


def test_state_dir_is_the_persistent_volume(
    container: dict[str, Any], pod: dict[str, Any], app_config: dict[str, Any], rendered: list[dict[str, Any]]
) -> None:
    assert mount_path(container, "state") == app_config["state_dir"]
    claim = find(rendered, "PersistentVolumeClaim")["metadata"]["name"]
    assert volume(pod, "state")["persistentVolumeClaim"]["claimName"] == claim


def test_tmp_is_a_writable_empty_dir(container: dict[str, Any], pod: dict[str, Any]) -> None:
    assert mount_path(container, "tmp") == "/tmp"
    assert "emptyDir" in volume(pod, "tmp")


def test_ssh_key_and_known_hosts_are_read_only_files_where_the_config_points(
    container: dict[str, Any], pod: dict[str, Any], app_config: dict[str, Any]
) -> None:
    ssh = volume(pod, "ssh")["secret"]
    assert ssh["defaultMode"] == 0o400
    (mount,) = [m for m in container["volumeMounts"] if m["name"] == "ssh"]
    assert mount["readOnly"] is True
    files = {str(PurePosixPath(mount["mountPath"]) / item["path"]) for item in ssh["items"]}
    for source in app_config["sources"]:
        assert {source["ssh_key_file"], source["known_hosts_file"]} == files


def _app_source_text() -> str:
    return "\n".join(path.read_text(encoding="utf-8") for path in (ROOT / "controller").rglob("*.py"))


def test_every_env_var_the_deployment_sets_is_one_the_app_reads(
    container: dict[str, Any], app_config: dict[str, Any]
) -> None:
    named_by_config = {p["secret_env"] for p in app_config["webhooks"].values()} | {
        s[key] for s in app_config["sources"] for key in s if key.endswith("_env")
    }
    source_text = _app_source_text()
    unread = []
    for name in _env(container):
        override = re.fullmatch(r"DATAWORKS_GITOPS_([A-Z_]+?)__.+", name)
        if name in named_by_config:
            continue
        if override and override.group(1).lower() in KNOWN_KEYS[""]:
            continue  # a config override, e.g. DATAWORKS_GITOPS_SERVER__PORT
        if f'"{name}"' in source_text:
            continue  # a fixed name the code reads (credentials, DATAWORKS_GITOPS_CONFIG)
        unread.append(name)
    assert unread == []


def test_credentials_and_webhook_secret_come_from_the_secret(
    container: dict[str, Any], app_config: dict[str, Any]
) -> None:
    env = _env(container)
    webhook_env = app_config["webhooks"]["github"]["secret_env"]
    for name in ("ALIBABA_CLOUD_ACCESS_KEY_ID", "ALIBABA_CLOUD_ACCESS_KEY_SECRET", webhook_env):
        assert env[name]["valueFrom"]["secretKeyRef"]["name"] == "dataworks-gitops", name
        assert "value" not in env[name], f"{name} must not be written in the manifest"
    # Access keys are optional so that RRSA (no keys at all) works with the same manifest.
    assert env["ALIBABA_CLOUD_ACCESS_KEY_ID"]["valueFrom"]["secretKeyRef"]["optional"] is True


def test_the_example_secret_has_every_key_the_deployment_uses_and_only_placeholders(
    container: dict[str, Any], pod: dict[str, Any]
) -> None:
    (secret,) = read_yaml_documents(KUBE / "secret.example.yaml")
    used = {e["valueFrom"]["secretKeyRef"]["key"] for e in container["env"] if "valueFrom" in e}
    used |= {item["key"] for item in volume(pod, "ssh")["secret"]["items"]}
    assert set(secret["stringData"]) == used
    assert all(value.startswith("REPLACE_ME") for value in secret["stringData"].values())
    assert secret["metadata"]["name"] == volume(pod, "ssh")["secret"]["secretName"]


def test_one_replica_never_two_pods_at_once(deployment: dict[str, Any], pod: dict[str, Any]) -> None:
    assert deployment["spec"]["replicas"] == 1
    assert deployment["spec"]["strategy"] == {"type": "Recreate"}
    # The daemon exits within 10 s of SIGTERM; the grace period must not kill it earlier.
    assert pod["terminationGracePeriodSeconds"] > 10


def test_the_container_runs_locked_down_as_the_image_user(container: dict[str, Any], pod: dict[str, Any]) -> None:
    context = container["securityContext"]
    assert context["runAsNonRoot"] is True
    assert context["runAsUser"] == APP_UID
    assert context["readOnlyRootFilesystem"] is True
    assert context["allowPrivilegeEscalation"] is False
    assert context["capabilities"] == {"drop": ["ALL"]}
    assert context["seccompProfile"] == {"type": "RuntimeDefault"}
    assert pod["securityContext"]["fsGroup"] == APP_UID
    assert pod["automountServiceAccountToken"] is False


def test_requests_and_limits_are_set(container: dict[str, Any]) -> None:
    resources = container["resources"]
    assert set(resources["requests"]) == {"cpu", "memory"}
    assert set(resources["limits"]) >= {"memory"}


def test_the_service_account_documents_the_rrsa_annotation(rendered: list[dict[str, Any]], pod: dict[str, Any]) -> None:
    assert pod["serviceAccountName"] == find(rendered, "ServiceAccount")["metadata"]["name"]
    text = (KUBE / "serviceaccount.yaml").read_text(encoding="utf-8")
    assert re.search(r"^\s*#\s+pod-identity\.alibabacloud\.com/role-name: \S+", text, re.MULTILINE)
    namespace = (KUBE / "namespace.yaml").read_text(encoding="utf-8")
    assert re.search(r'^\s*#\s+pod-identity\.alibabacloud\.com/injection: "on"', namespace, re.MULTILINE)


@pytest.mark.parametrize("path", sorted(KUBE.glob("*.yaml")), ids=lambda p: p.name)
def test_no_manifest_carries_a_credential(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert not re.search(r"LTAI[0-9A-Za-z]{12,}", text), "an Alibaba Cloud AccessKey ID"
    assert "PRIVATE KEY-----" not in text
