"""Environment overrides: DATAWORKS_GITOPS_*, nested with __, win over the file."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest

from controller.config import load_config
from controller.errors import ConfigError

from .conftest import EXAMPLE


def test_environment_wins_over_the_file(write_config: Callable[[str], Path], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATAWORKS_GITOPS_SERVER__PORT", "9090")
    monkeypatch.setenv("DATAWORKS_GITOPS_DATAWORKS__PROJECT_ID", "999")
    monkeypatch.setenv("DATAWORKS_GITOPS_STATE_DIR", "/srv/state")
    monkeypatch.setenv("DATAWORKS_GITOPS_LOG__LEVEL", "DEBUG")
    config = load_config(write_config(EXAMPLE))
    assert config.server.port == 9090
    assert config.dataworks.project_id == 999
    assert config.dataworks.region == "cn-shanghai"  # untouched siblings stay
    assert config.state_dir == Path("/srv/state")
    assert config.log.level == "debug"


def test_one_source_is_overridden_by_name_or_index(
    write_config: Callable[[str], Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATAWORKS_GITOPS_SOURCES__SALES__REF", "release")
    monkeypatch.setenv("DATAWORKS_GITOPS_SOURCES__0__INTERVAL", "90s")
    monkeypatch.setenv("DATAWORKS_GITOPS_SOURCES__SALES__PRUNE", "true")
    config = load_config(write_config(EXAMPLE))
    source = config.sources[0]
    assert (source.ref, source.interval, source.prune) == ("release", timedelta(seconds=90), True)
    assert source.path == "workflows"  # the rest of the file's source stays


def test_lists_and_vars_are_overridden_from_json_and_single_names(
    write_config: Callable[[str], Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATAWORKS_GITOPS_SOURCES__SALES__IGNORE", '["/owner", "/tasks/*/timeout"]')
    monkeypatch.setenv("DATAWORKS_GITOPS_SOURCES__SALES__VARS__OWNER", "42")
    monkeypatch.setenv("DATAWORKS_GITOPS_SOURCES__SALES__VARS__DB_PASSWORD", "s3cret-from-env")
    source = load_config(write_config(EXAMPLE)).sources[0]
    assert source.ignore == ("/owner", "/tasks/*/timeout")
    assert source.vars == {"OWNER": "42", "DB_PASSWORD": "s3cret-from-env"}


def test_a_secret_var_from_the_environment_is_registered_for_redaction(
    write_config: Callable[[str], Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    from controller.logs import redact_text

    monkeypatch.setenv("DATAWORKS_GITOPS_SOURCES__SALES__VARS__DB_PASSWORD", "pw-only-in-env-1234")
    load_config(write_config(EXAMPLE))
    assert redact_text("connect with pw-only-in-env-1234") == "connect with ***"


def test_the_whole_sources_list_can_come_from_json(
    write_config: Callable[[str], Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATAWORKS_GITOPS_SOURCES", '[{"name": "hr", "repo": "https://h/hr.git", "ref": "v1"}]')
    config = load_config(write_config(EXAMPLE))
    assert [(s.name, s.ref) for s in config.sources] == [("hr", "v1")]


def test_a_source_override_for_an_unknown_source_names_the_known_ones(
    write_config: Callable[[str], Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATAWORKS_GITOPS_SOURCES__HR__REF", "main")
    with pytest.raises(ConfigError) as caught:
        load_config(write_config(EXAMPLE))
    assert str(caught.value) == (
        "environment DATAWORKS_GITOPS_SOURCES__HR__*: there is no source 'hr' "
        "(address a source by name or index; the file has: sales)"
    )


def test_a_bad_value_from_the_environment_names_the_variable(
    write_config: Callable[[str], Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATAWORKS_GITOPS_SOURCES__SALES__INTERVAL", "soon")
    path = write_config(EXAMPLE)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert str(caught.value).startswith(
        f"{path}: sources[0].interval (from DATAWORKS_GITOPS_SOURCES__SALES__INTERVAL): 'soon' is not a duration"
    )


def test_the_config_path_variable_is_not_mistaken_for_a_key(
    write_config: Callable[[str], Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATAWORKS_GITOPS_CONFIG", "/elsewhere.yaml")
    assert load_config(write_config(EXAMPLE)).sources[0].name == "sales"
