"""Fixtures for the deploy/ checks: the manifests, the Dockerfile and the systemd unit, read as files.

Nothing here builds an image or talks to a cluster; the tests compare what the files promise with
what the application reads (config keys, env vars, port, probe paths, uid).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[3]
DEPLOY = ROOT / "deploy"
KUBE = DEPLOY / "kubernetes"
CONFIG_FILE_NAME = "dataworks-gitops.yaml"


def read_yaml_documents(path: Path) -> list[dict[str, Any]]:
    """Every non-empty YAML document in ``path``."""
    with path.open(encoding="utf-8") as handle:
        return [doc for doc in yaml.safe_load_all(handle) if doc]


def parse_dockerfile(text: str) -> list[tuple[str, str]]:
    """``(INSTRUCTION, arguments)`` pairs, with comments dropped and ``\\`` continuations joined."""
    instructions: list[tuple[str, str]] = []
    pending = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if line.startswith("#"):
            continue  # a comment inside a continued instruction
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        whole = (pending + line).strip()
        pending = ""
        keyword, _, args = whole.partition(" ")
        instructions.append((keyword.upper(), args.strip()))
    return instructions


@pytest.fixture(scope="session")
def kustomization() -> dict[str, Any]:
    """deploy/kubernetes/kustomization.yaml."""
    (doc,) = read_yaml_documents(KUBE / "kustomization.yaml")
    return doc


@pytest.fixture(scope="session")
def rendered(kustomization: dict[str, Any]) -> list[dict[str, Any]]:
    """The base as kustomize would emit it, minus transformers: every resource the kustomization lists."""
    docs: list[dict[str, Any]] = []
    for name in kustomization["resources"]:
        docs.extend(read_yaml_documents(KUBE / name))
    return docs


def find(docs: list[dict[str, Any]], kind: str) -> dict[str, Any]:
    """The one resource of ``kind`` among ``docs``."""
    (match,) = [doc for doc in docs if doc["kind"] == kind]
    return match


@pytest.fixture(scope="session")
def deployment(rendered: list[dict[str, Any]]) -> dict[str, Any]:
    """The Deployment."""
    return find(rendered, "Deployment")


@pytest.fixture(scope="session")
def pod(deployment: dict[str, Any]) -> dict[str, Any]:
    """The Deployment's pod spec."""
    spec: dict[str, Any] = deployment["spec"]["template"]["spec"]
    return spec


@pytest.fixture(scope="session")
def container(pod: dict[str, Any]) -> dict[str, Any]:
    """The controller container (the only one)."""
    (only,) = pod["containers"]
    return only


@pytest.fixture(scope="session")
def app_config_text(rendered: list[dict[str, Any]]) -> str:
    """The dataworks-gitops.yaml the ConfigMap carries, as text."""
    text: str = find(rendered, "ConfigMap")["data"][CONFIG_FILE_NAME]
    return text


@pytest.fixture(scope="session")
def app_config(app_config_text: str) -> dict[str, Any]:
    """The ConfigMap's dataworks-gitops.yaml, parsed."""
    data: dict[str, Any] = yaml.safe_load(app_config_text)
    return data


@pytest.fixture(scope="session")
def dockerfile() -> list[tuple[str, str]]:
    """deploy/Dockerfile as instructions."""
    return parse_dockerfile((DEPLOY / "Dockerfile").read_text(encoding="utf-8"))


def mount_path(container: dict[str, Any], volume: str) -> str:
    """Where ``container`` mounts the volume called ``volume``."""
    (path,) = [m["mountPath"] for m in container["volumeMounts"] if m["name"] == volume]
    return str(path)


def volume(pod: dict[str, Any], name: str) -> dict[str, Any]:
    """The pod volume called ``name``."""
    (match,) = [v for v in pod["volumes"] if v["name"] == name]
    return match
