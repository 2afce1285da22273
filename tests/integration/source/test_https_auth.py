"""HTTPS with a token: it travels in git's environment only — never a URL, a config file, a log or an error."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest
import structlog

from controller import logs
from controller.source import FetchError
from tests.gitserver import GitHttpServer, make_repo

from .helpers import source

pytestmark = pytest.mark.slow


@pytest.fixture
def log_output() -> Iterator[io.StringIO]:
    """Everything the controller logs during the test, rendered as JSON lines (after redaction)."""
    stream = io.StringIO()
    logs.configure("debug", "json", stream=stream)
    try:
        yield stream
    finally:
        structlog.reset_defaults()


def every_file_under(folder: Path) -> str:
    return "\n".join(p.read_bytes().decode("latin-1") for p in folder.rglob("*") if p.is_file())


def test_a_token_from_the_environment_clones_over_basic_auth(
    tmp_path: Path, git_http_server: GitHttpServer, log_output: io.StringIO
) -> None:
    repo = make_repo(tmp_path, {"workflows/a.json": "{}"})
    url = git_http_server.publish(repo, "team/dw.git")
    env = {"GIT_USER": git_http_server.username, "GIT_TOKEN": git_http_server.token}
    git_source = source(
        url, tmp_path / "state", env=env, https_username_env="GIT_USER", https_token_env="GIT_TOKEN"
    )
    assert git_source.fetch().snapshot.commit == repo.head()
    repo.commit({"workflows/b.json": "{}"})
    repo.push()
    assert git_source.fetch().snapshot.commit == repo.head()
    token = git_http_server.token
    assert {r.status for r in git_http_server.requests} == {200}
    assert all(token not in r.path for r in git_http_server.requests)
    cache = tmp_path / "state" / "git" / "sales"
    assert token not in (cache / ".git" / "config").read_text()
    assert token not in every_file_under(tmp_path / "state")
    assert token not in log_output.getvalue()
    assert '"event": "git_fetched"' in log_output.getvalue()


def test_a_token_from_the_process_environment_is_used(
    tmp_path: Path, git_http_server: GitHttpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    from controller.config import SourceConfig
    from controller.source import GitSource

    git_http_server.username = "git"  # the default user name sent with a bare token
    monkeypatch.setenv("DW_GIT_TOKEN", git_http_server.token)
    repo = make_repo(tmp_path, {"a.json": "{}"})
    config = SourceConfig(name="sales", repo=git_http_server.publish(repo), https_token_env="DW_GIT_TOKEN")
    assert GitSource(config, tmp_path / "state").fetch().snapshot.commit == repo.head()


def test_a_wrong_token_fails_without_revealing_either_token(
    tmp_path: Path, git_http_server: GitHttpServer, log_output: io.StringIO
) -> None:
    url = git_http_server.publish(make_repo(tmp_path, {"a.json": "{}"}))
    wrong = "tok-wrong-5f4e3d2c1b0a"
    env = {"GIT_USER": git_http_server.username, "GIT_TOKEN": wrong}
    git_source = source(url, tmp_path / "state", env=env, https_username_env="GIT_USER", https_token_env="GIT_TOKEN")
    with pytest.raises(FetchError) as caught:
        git_source.fetch()
    message = str(caught.value)
    assert message == (
        f"source 'sales': git fetch from {url}: the server refused the credentials (check the token in the env var "
        "https_token_env names (and https_username_env); it needs read access)"
    )
    assert 401 in {r.status for r in git_http_server.requests}
    for secret in (wrong, git_http_server.token):
        assert secret not in message
        assert secret not in log_output.getvalue()
        assert secret not in every_file_under(tmp_path / "state")


def test_no_token_is_refused_by_the_server_without_hanging_on_a_prompt(
    tmp_path: Path, git_http_server: GitHttpServer
) -> None:
    url = git_http_server.publish(make_repo(tmp_path, {"a.json": "{}"}))
    with pytest.raises(FetchError, match="the server refused the credentials"):
        source(url, tmp_path / "state").fetch()


def test_an_unset_token_variable_is_named_in_the_error(tmp_path: Path, git_http_server: GitHttpServer) -> None:
    url = git_http_server.publish(make_repo(tmp_path, {"a.json": "{}"}))
    with pytest.raises(FetchError) as caught:
        source(url, tmp_path / "state", https_token_env="GIT_TOKEN").fetch()
    assert str(caught.value) == (
        "source 'sales': https_token_env names GIT_TOKEN, which is not set in the environment "
        "(export GIT_TOKEN before starting the controller (Kubernetes: a secretKeyRef env var))"
    )
    assert git_http_server.requests == []
