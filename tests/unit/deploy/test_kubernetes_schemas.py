"""Every Kubernetes manifest in deploy/kubernetes is valid against the Kubernetes API schemas.

kubernetes-validate ships the OpenAPI-derived JSON schemas in the wheel, so this runs offline.
Strict mode also refuses unknown fields (a typo such as ``pth:`` under ``httpGet``).
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from tests.unit.deploy.conftest import KUBE, read_yaml_documents

#: A recent release the package bundles; ACK offers it, and nothing here needs a newer API.
KUBERNETES_VERSION = "1.35"
EXAMPLE_SECRET = "secret.example.yaml"
MANIFESTS = sorted(path for path in KUBE.glob("*.yaml") if path.name != "kustomization.yaml")


@pytest.mark.parametrize("path", MANIFESTS, ids=lambda p: p.name)
def test_manifest_validates_against_the_kubernetes_schema(path: Path) -> None:
    docs = read_yaml_documents(path)
    assert docs, f"{path.name} holds no resource"
    for doc in docs:
        try:
            kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)
        except kubernetes_validate.ValidationError as exc:
            where = ".".join(str(part) for part in exc.path)
            pytest.fail(f"{path.name}: {doc['kind']}/{doc['metadata']['name']}: {where}: {exc.message}")


def test_the_validator_refuses_a_misspelled_field() -> None:
    # Guards the guard: strict validation must catch the kind of typo it is here for.
    (doc,) = read_yaml_documents(KUBE / "deployment.yaml")
    doc["spec"]["template"]["spec"]["containers"][0]["livenessProbe"]["httpGet"]["pth"] = "/healthz"
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)


def test_every_listed_resource_exists(kustomization: dict[str, Any]) -> None:
    missing = [name for name in kustomization["resources"] if not (KUBE / name).is_file()]
    assert missing == []


def test_every_manifest_is_listed_except_the_example_secret(kustomization: dict[str, Any]) -> None:
    # The example Secret stays out so that re-applying the base never overwrites real credentials.
    unlisted = {path.name for path in MANIFESTS} - set(kustomization["resources"])
    assert unlisted == {EXAMPLE_SECRET}


def test_the_kustomization_image_is_the_one_the_deployment_runs(
    kustomization: dict[str, Any], container: dict[str, Any]
) -> None:
    assert [image["name"] for image in kustomization["images"]] == [container["image"]]


@pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl (with kustomize built in) is not installed")
def test_kustomize_builds_the_base_to_the_listed_resources(rendered: list[dict[str, Any]]) -> None:
    built = subprocess.run(
        ["kubectl", "kustomize", str(KUBE)], capture_output=True, text=True, timeout=60, check=False
    )
    assert built.returncode == 0, built.stderr
    docs = [doc for doc in yaml.safe_load_all(built.stdout) if doc]
    assert sorted((d["kind"], d["metadata"]["name"]) for d in docs) == sorted(
        (d["kind"], d["metadata"]["name"]) for d in rendered
    )
    namespaced = [d for d in docs if d["kind"] != "Namespace"]
    assert {d["metadata"].get("namespace") for d in namespaced} == {"dataworks-gitops"}
