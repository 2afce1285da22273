"""Credentials are never accepted in the file, and never echoed in an error."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from controller.config import load_config
from controller.errors import ConfigError

from .conftest import MINIMAL

SECRET = "Zx9-very-secret-value-123"


def error_for(path: Path) -> str:
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    text = str(caught.value)
    assert SECRET not in text
    assert "\n" not in text
    return text


def test_an_access_key_secret_in_the_file_points_at_the_environment(write_config: Callable[[str], Path]) -> None:
    path = write_config(MINIMAL.replace("{project_id: 7}", f"{{project_id: 7, access_key_secret: {SECRET}}}"))
    assert error_for(path) == (
        f"{path}: dataworks.access_key_secret: credentials are not accepted in the config file "
        "(set ALIBABA_CLOUD_ACCESS_KEY_SECRET in the environment, or use the default credential chain)"
    )


def test_an_access_key_id_and_sts_token_point_at_their_variables(write_config: Callable[[str], Path]) -> None:
    key_id = write_config(MINIMAL.replace("{project_id: 7}", f"{{project_id: 7, access_key_id: {SECRET}}}"))
    assert "ALIBABA_CLOUD_ACCESS_KEY_ID" in error_for(key_id)
    token = write_config(MINIMAL.replace("{project_id: 7}", f"{{project_id: 7, security_token: {SECRET}}}"))
    assert "ALIBABA_CLOUD_SECURITY_TOKEN" in error_for(token)


def test_a_git_token_in_a_source_points_at_https_token_env(write_config: Callable[[str], Path]) -> None:
    path = write_config(MINIMAL + f"    token: {SECRET}\n")
    assert error_for(path) == (
        f"{path}: sources[0].token: credentials are not accepted in the config file "
        "(put the token in an environment variable and name it with https_token_env)"
    )


def test_an_inline_ssh_key_points_at_ssh_key_env(write_config: Callable[[str], Path]) -> None:
    path = write_config(MINIMAL + f"    ssh_private_key: {SECRET}\n")
    assert "ssh_key_env" in error_for(path)


def test_a_webhook_secret_points_at_secret_env(write_config: Callable[[str], Path]) -> None:
    path = write_config(MINIMAL + f"webhooks: {{github: {{secret: {SECRET}}}}}\n")
    assert error_for(path) == (
        f"{path}: webhooks.github.secret: credentials are not accepted in the config file "
        "(put it in an environment variable and name that: secret_env: GITHUB_WEBHOOK_SECRET)"
    )


def test_a_token_in_the_repo_url_is_refused_without_echoing_it(write_config: Callable[[str], Path]) -> None:
    path = write_config(MINIMAL.replace("https://codeup", f"https://deploy:{SECRET}@codeup"))
    assert error_for(path) == (
        f"{path}: sources[0].repo: a password or token in the URL is a credential in the file; use https_token_env"
    )


def test_the_secret_itself_in_an_env_name_key_is_refused_without_echoing_it(
    write_config: Callable[[str], Path],
) -> None:
    path = write_config(MINIMAL + "    https_token_env: ghp_Zx9verysecretvalue123\n")
    text = error_for(path)
    assert "ghp_" not in text
    assert text.startswith(f"{path}: sources[0].https_token_env: must be the NAME of an environment variable")


def test_a_secret_looking_var_must_come_from_the_environment(write_config: Callable[[str], Path]) -> None:
    path = write_config(MINIMAL + f"    vars: {{DB_PASSWORD: {SECRET}}}\n")
    assert error_for(path) == (
        f"{path}: sources[0].vars.DB_PASSWORD: credentials are not accepted in the config file "
        "(set it from the environment: DATAWORKS_GITOPS_SOURCES__<NAME>__VARS__DB_PASSWORD=...)"
    )


def test_a_credential_set_through_an_override_is_refused_too(
    write_config: Callable[[str], Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATAWORKS_GITOPS_DATAWORKS__ACCESS_KEY_SECRET", SECRET)
    path = write_config(MINIMAL)
    assert error_for(path) == (
        f"{path}: dataworks.access_key_secret (from DATAWORKS_GITOPS_DATAWORKS__ACCESS_KEY_SECRET): "
        "credentials are not accepted in the configuration "
        "(set ALIBABA_CLOUD_ACCESS_KEY_SECRET in the environment, or use the default credential chain)"
    )


def test_a_token_over_plain_http_to_a_remote_host_is_refused(write_config: Callable[[str], Path]) -> None:
    path = write_config(MINIMAL.replace("https://", "http://") + "    https_token_env: GIT_TOKEN\n")
    assert "clear text" in error_for(path)
