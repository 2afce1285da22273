"""The ConfigMap's dataworks-gitops.yaml loads with the application's own config loader.

``load_config`` refuses unknown keys, credentials in the file and bad values, so this is the full
check that the shipped config is one the app accepts, with the environment the pod would have.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath
from typing import Any

import pytest

from controller.config import load_config
from controller.errors import ConfigError
from tests.unit.deploy.conftest import CONFIG_FILE_NAME, mount_path


def _placeholder_env(container: dict[str, Any]) -> dict[str, str]:
    # What the pod would see: literal values as written, Secret references as placeholders.
    return {e["name"]: e.get("value", f"placeholder-{e['name'].lower()}") for e in container["env"]}


def test_the_configmap_config_loads_with_the_pod_environment(
    app_config_text: str, container: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / CONFIG_FILE_NAME
    path.write_text(app_config_text, encoding="utf-8")
    for name, value in _placeholder_env(container).items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("DATAWORKS_GITOPS_CONFIG", str(path))

    loaded = load_config(path)

    assert loaded.server.port == 8080
    assert str(loaded.state_dir) == mount_path(container, "state")
    env_names = {e["name"] for e in container["env"]}
    assert {p.secret_env for p in loaded.webhooks.providers().values()} <= env_names
    ssh_dir = PurePosixPath(mount_path(container, "ssh"))
    for source in loaded.sources:
        assert PurePosixPath(source.ssh_key_file).parent == ssh_dir
        assert PurePosixPath(source.known_hosts_file).parent == ssh_dir


def test_a_typo_in_the_shipped_config_would_be_caught(app_config_text: str, tmp_path: Path) -> None:
    # Guards the guard: the loader must refuse a key the app does not know.
    path = tmp_path / CONFIG_FILE_NAME
    path.write_text(app_config_text.replace("known_hosts_file:", "known_host_file:"), encoding="utf-8")
    with pytest.raises(ConfigError, match="known_host_file"):
        load_config(path)
