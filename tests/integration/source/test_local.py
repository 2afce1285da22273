"""Local repositories (the demo's case): a plain path or a file:// URL, no server at all."""

from __future__ import annotations

import socket
import threading
from pathlib import Path

import pytest

from controller.source import FetchError
from tests.gitserver import make_repo

from .helpers import files_on_disk, source


def test_a_plain_path_is_a_source(tmp_path: Path) -> None:
    repo = make_repo(tmp_path, {"workflows/a.json": "{}"})
    git_source = source(str(repo.path), tmp_path / "state", path="workflows")
    assert git_source.fetch().snapshot.commit == repo.head()
    new = repo.commit({"workflows/a.json": '{"v": 2}'})
    result = git_source.fetch()
    assert (result.snapshot.commit, result.changed) == (new, True)
    assert files_on_disk(result.snapshot.root) == {"workflows/a.json": '{"v": 2}'}


def test_a_file_url_is_a_source(tmp_path: Path) -> None:
    repo = make_repo(tmp_path, {"a.json": "{}"})
    assert source(f"file://{repo.path}", tmp_path / "state").fetch().snapshot.commit == repo.head()


def test_a_broken_cache_is_rebuilt(tmp_path: Path) -> None:
    repo = make_repo(tmp_path, {"a.json": "{}"})
    git_source = source(str(repo.path), tmp_path / "state")
    cache = git_source.fetch().snapshot.root
    (cache / ".git" / "HEAD").unlink()  # not a repository any more
    assert git_source.fetch().snapshot.commit == repo.head()


def test_a_missing_local_repository_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(FetchError, match="the repository was not found"):
        source(str(tmp_path / "nowhere"), tmp_path / "state").fetch()


@pytest.mark.slow
def test_a_server_that_never_answers_is_given_up_after_the_timeout(tmp_path: Path) -> None:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    accepted: list[socket.socket] = []
    threading.Thread(target=lambda: accepted.append(listener.accept()[0]), daemon=True).start()
    port = listener.getsockname()[1]
    git_source = source(f"git://127.0.0.1:{port}/dw.git", tmp_path / "state")
    git_source.timeout = 2
    try:
        with pytest.raises(FetchError) as caught:
            git_source.fetch()
    finally:
        for sock in accepted:
            sock.close()
        listener.close()
    assert str(caught.value) == (
        f"source 'sales': git fetch from git://127.0.0.1:{port}/dw.git: git did not finish within 2s "
        "(the server may be slow or unreachable; the next run retries)"
    )
    assert caught.value.duration_seconds < 15
