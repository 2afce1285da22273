"""Loading the file: the documented example, defaults, durations, paths."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest

from controller.config import format_duration, load_config, parse_duration
from controller.errors import ConfigError

from .conftest import EXAMPLE, MINIMAL


def test_the_documented_example_loads(write_config: Callable[[str], Path]) -> None:
    config = load_config(write_config(EXAMPLE))
    source = config.sources[0]
    assert config.dataworks.project_id == 12345
    assert config.state_dir == Path("/var/lib/dataworks-gitops")
    assert (source.name, source.repo, source.ref, source.path) == (
        "sales",
        "git@codeup.aliyun.com:team/dw.git",
        "main",
        "workflows",
    )
    assert source.interval == timedelta(minutes=3)
    assert source.kind == "ssh"
    assert source.vars == {"OWNER": "1234567"}
    assert source.ignore == ("/tasks/*/owner",)
    assert (source.apply, source.prune, source.self_heal) == ("update", False, True)


def test_a_minimal_file_gets_every_documented_default(write_config: Callable[[str], Path]) -> None:
    config = load_config(write_config(MINIMAL))
    dw, source = config.dataworks, config.sources[0]
    assert (dw.region, dw.env, dw.protocol, dw.endpoint, dw.publish) == ("cn-shanghai", "Prod", "https", None, True)
    assert dw.effective_endpoint == "dataworks.cn-shanghai.aliyuncs.com"
    assert (dw.qps, dw.read_qps, dw.write_qps, dw.daily_budget, dw.shared_bucket) == (5.0, None, None, None, True)
    assert (source.ref, source.path, source.apply) == ("main", ".", "update")
    assert (source.prune, source.self_heal) == (False, True)
    assert source.interval == timedelta(minutes=3)
    assert source.full_resync == timedelta(hours=24)
    assert source.timeout == timedelta(minutes=10)
    assert source.prune_max_share == 0.3
    assert (source.vars, source.ignore, source.sensitive) == ({}, (), ())
    assert (config.server.host, config.server.port) == ("0.0.0.0", 8080)
    assert config.webhooks.providers() == {}
    assert config.webhooks.max_body_bytes == 5 * 1024 * 1024
    assert (config.log.level, config.log.format) == ("info", "auto")
    assert config.state_dir == Path("/var/lib/dataworks-gitops")


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("90s", 90), ("3m", 180), ("1h", 3600), ("24h", 86400), ("1h30m", 5400), ("2d", 172800), ("1.5m", 90), (45, 45)],
)
def test_durations_accept_the_short_forms_users_write(text: object, seconds: int) -> None:
    assert parse_duration(text) == timedelta(seconds=seconds)


@pytest.mark.parametrize("text", ["3x", "", "m", "3 minutes", "-1m", "1h-5m"])
def test_a_string_that_is_not_a_duration_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="is not a duration"):
        parse_duration(text)


def test_durations_format_back_to_the_short_form() -> None:
    assert [format_duration(parse_duration(t)) for t in ("90s", "3m", "24h", "1h30m")] == ["1m30s", "3m", "1d", "1h30m"]


def test_relative_paths_in_the_file_are_relative_to_the_file(tmp_path: Path) -> None:
    folder = tmp_path / "conf"
    folder.mkdir()
    path = folder / "dataworks-gitops.yaml"
    path.write_text(
        "dataworks: {project_id: 1}\nstate_dir: state\nsources:\n"
        "  - {name: demo, repo: ../example-repo}\n"
        "  - {name: ssh, repo: 'git@h:t/r.git', ssh_key_file: keys/id, known_hosts_file: keys/known_hosts}\n",
        encoding="utf-8",
    )
    config = load_config(path)
    assert config.state_dir == folder / "state"
    assert config.sources[0].repo == str(tmp_path / "conf" / ".." / "example-repo")
    assert config.sources[0].kind == "file"
    assert config.sources[1].ssh_key_file == folder / "keys" / "id"
    assert config.sources[1].known_hosts_file == folder / "keys" / "known_hosts"


def test_repo_transports_are_recognised(write_config: Callable[[str], Path]) -> None:
    repos = ["ssh://git@h/r.git", "https://h/r.git", "git://127.0.0.1/r.git", "file:///srv/r", "git@h:t/r.git"]
    entries = "".join(f"  - {{name: s{i}, repo: '{r}'}}\n" for i, r in enumerate(repos))
    config = load_config(write_config("dataworks: {project_id: 1}\nsources:\n" + entries))
    assert [s.kind for s in config.sources] == ["ssh", "https", "git", "file", "ssh"]


def test_numbers_and_booleans_in_vars_become_strings(write_config: Callable[[str], Path]) -> None:
    config = load_config(write_config(MINIMAL + "    vars: {OWNER: 1234567, ENABLED: true, 'ON': 0.5}\n"))
    assert config.sources[0].vars == {"OWNER": "1234567", "ENABLED": "true", "ON": "0.5"}


def test_a_var_name_yaml_reads_as_a_boolean_asks_for_quotes(write_config: Callable[[str], Path]) -> None:
    path = write_config(MINIMAL + "    vars: {ON: x}\n")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert str(caught.value) == f"{path}: sources[0].vars: variable name True was read as bool; quote it, e.g. 'ON'"


def test_http_is_allowed_for_the_loopback_simulator(write_config: Callable[[str], Path]) -> None:
    text = MINIMAL.replace("{project_id: 7}", "{project_id: 7, protocol: http, endpoint: '127.0.0.1:8123'}")
    config = load_config(write_config(text))
    assert (config.dataworks.protocol, config.dataworks.effective_endpoint) == ("http", "127.0.0.1:8123")


def test_webhook_providers_are_listed_by_name(write_config: Callable[[str], Path]) -> None:
    text = MINIMAL + "webhooks: {github: {secret_env: GH_SECRET}, codeup: {secret_env: CODEUP_SECRET}}\n"
    providers = load_config(write_config(text)).webhooks.providers()
    assert {name: p.secret_env for name, p in providers.items()} == {"github": "GH_SECRET", "codeup": "CODEUP_SECRET"}


def test_config_source_lookup_names_the_configured_sources(write_config: Callable[[str], Path]) -> None:
    config = load_config(write_config(MINIMAL))
    assert config.source("sales").name == "sales"
    with pytest.raises(ConfigError, match=r"no source named 'hr'.*configured sources: sales"):
        config.source("hr")
