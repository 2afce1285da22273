"""Fetching over git:// from a real ``git daemon``: refs, new commits, force pushes, outages."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from controller.errors import SourceError
from controller.source import FetchError
from tests.gitserver import GitDaemon, make_repo

from .helpers import files_on_disk, source

pytestmark = pytest.mark.slow

SPEC = '{"version": "1.1.0", "kind": "CycleWorkflow", "spec": {}}'


def test_a_branch_is_cloned_and_checked_out_at_its_tip(tmp_path: Path, git_daemon: GitDaemon) -> None:
    repo = make_repo(tmp_path, {"workflows/daily.json": SPEC, "README.md": "hi"})
    url = git_daemon.publish(repo, "team/dw.git")
    result = source(url, tmp_path / "state", ref="main", path="workflows").fetch()
    snap = result.snapshot
    assert snap.commit == repo.head()
    assert (snap.source, snap.ref, snap.path, snap.subject) == ("sales", "main", "workflows", "initial")
    assert snap.author == "dataworks-gitops tests <tests@dataworks-gitops.invalid>"
    assert snap.committed_at.tzinfo is not None
    assert snap.root == tmp_path / "state" / "git" / "sales"
    assert files_on_disk(snap.root) == {"README.md": "hi", "workflows/daily.json": SPEC}
    assert snap.files() == ["workflows/daily.json"]
    expected_blob = subprocess.run(
        ["git", "hash-object", "--stdin"], input=SPEC, capture_output=True, text=True, check=True
    ).stdout.strip()
    assert snap.blob_sha("workflows/daily.json") == expected_blob
    assert (result.previous_commit, result.changed, result.downloaded) == (None, True, True)
    assert 0 < result.duration_seconds < 30


def test_a_new_commit_is_picked_up_by_the_next_fetch(tmp_path: Path, git_daemon: GitDaemon) -> None:
    repo = make_repo(tmp_path, {"workflows/a.json": SPEC})
    git_source = source(git_daemon.publish(repo), tmp_path / "state")
    first = git_source.fetch()
    again = git_source.fetch()
    assert (again.changed, again.snapshot.commit) == (False, first.snapshot.commit)
    new = repo.commit({"workflows/b.json": SPEC, "workflows/a.json": None}, "add b, drop a")
    repo.push()
    second = git_source.fetch()
    assert (second.snapshot.commit, second.previous_commit, second.changed) == (new, first.snapshot.commit, True)
    assert second.snapshot.subject == "add b, drop a"
    assert files_on_disk(second.snapshot.root) == {"workflows/b.json": SPEC}


def test_a_tag_and_an_annotated_tag_resolve_to_their_commit(tmp_path: Path, git_daemon: GitDaemon) -> None:
    repo = make_repo(tmp_path, {"a.json": SPEC})
    tagged = repo.head()
    repo.tag("v1.0.0")
    repo.tag("release-1", annotated=True)
    repo.commit({"b.json": SPEC})
    url = git_daemon.publish(repo)
    assert source(url, tmp_path / "s1", ref="v1.0.0").fetch().snapshot.commit == tagged
    assert source(url, tmp_path / "s2", ref="release-1").fetch().snapshot.commit == tagged


def test_a_moved_tag_is_followed(tmp_path: Path, git_daemon: GitDaemon) -> None:
    repo = make_repo(tmp_path, {"a.json": SPEC})
    repo.tag("stable")
    git_source = source(git_daemon.publish(repo), tmp_path / "state", ref="stable")
    git_source.fetch()
    moved = repo.commit({"a.json": "{}"})
    repo.tag("stable")
    repo.push()
    assert git_source.fetch().snapshot.commit == moved


def test_a_full_commit_sha_is_fetched_and_then_never_refetched(tmp_path: Path, git_daemon: GitDaemon) -> None:
    repo = make_repo(tmp_path, {"a.json": "old"})
    pinned = repo.head()
    repo.commit({"a.json": "new"})
    git_source = source(git_daemon.publish(repo), tmp_path / "state", ref=pinned)
    first = git_source.fetch()
    assert first.snapshot.commit == pinned
    assert files_on_disk(first.snapshot.root) == {"a.json": "old"}
    git_daemon.stop()  # a commit never changes: no network needed any more
    second = git_source.fetch()
    assert (second.snapshot.commit, second.downloaded) == (pinned, False)


def test_a_short_sha_resolves_through_a_full_fetch(tmp_path: Path, git_daemon: GitDaemon) -> None:
    repo = make_repo(tmp_path, {"a.json": "old"})
    pinned = repo.head()
    repo.commit({"a.json": "new"})
    snap = source(git_daemon.publish(repo), tmp_path / "state", ref=pinned[:10]).fetch().snapshot
    assert snap.commit == pinned


def test_a_branch_with_a_slash_and_a_full_ref_name_work(tmp_path: Path, git_daemon: GitDaemon) -> None:
    repo = make_repo(tmp_path, {"a.json": SPEC}, branch="release/2026-11")
    url = git_daemon.publish(repo)
    assert source(url, tmp_path / "s1", ref="release/2026-11").fetch().snapshot.commit == repo.head()
    assert source(url, tmp_path / "s2", ref="refs/heads/release/2026-11").fetch().snapshot.commit == repo.head()


def test_a_force_pushed_branch_replaces_the_old_tip(tmp_path: Path, git_daemon: GitDaemon) -> None:
    repo = make_repo(tmp_path, {"a.json": "v1"})
    repo.commit({"a.json": "v2"}, "to be rewritten")
    git_source = source(git_daemon.publish(repo), tmp_path / "state")
    git_source.fetch()
    rewritten = repo.rewrite({"a.json": "v2-rewritten"}, "rewritten history")
    repo.push()
    result = git_source.fetch()
    assert (result.snapshot.commit, result.changed) == (rewritten, True)
    assert files_on_disk(result.snapshot.root) == {"a.json": "v2-rewritten"}


def test_the_server_down_keeps_the_last_good_commit_and_recovers(tmp_path: Path, git_daemon: GitDaemon) -> None:
    repo = make_repo(tmp_path, {"workflows/a.json": SPEC})
    git_source = source(git_daemon.publish(repo), tmp_path / "state", path="workflows")
    good = git_source.fetch().snapshot
    repo.commit({"workflows/b.json": SPEC})
    repo.push()
    git_daemon.stop()
    with pytest.raises(FetchError) as caught:
        git_source.fetch()
    error = caught.value
    assert isinstance(error, SourceError)
    assert str(error) == (
        f"source 'sales': git fetch from git://127.0.0.1:{git_daemon.port}/dw.git: cannot reach the git server "
        f"(127.0.0.1:{git_daemon.port}) (it may be down or blocked; the last good commit stays in use and the next "
        "run retries)"
    )
    assert (error.source, error.last_good) == ("sales", good)
    assert error.duration_seconds > 0
    assert git_source.last_good == good
    assert files_on_disk(good.root) == {"workflows/a.json": SPEC}  # the worktree was not touched
    git_daemon.start()
    assert git_source.fetch().snapshot.commit == repo.head()


def test_the_last_good_commit_survives_a_restart(tmp_path: Path, git_daemon: GitDaemon) -> None:
    repo = make_repo(tmp_path, {"a.json": SPEC})
    url = git_daemon.publish(repo)
    good = source(url, tmp_path / "state").fetch().snapshot
    git_daemon.stop()
    restarted = source(url, tmp_path / "state")
    with pytest.raises(FetchError) as caught:
        restarted.fetch()
    assert caught.value.last_good is not None
    assert caught.value.last_good.commit == good.commit
    assert source(url, tmp_path / "state", ref="other").last_good is None  # the cache holds another ref


def test_an_unknown_ref_is_a_clear_error(tmp_path: Path, git_daemon: GitDaemon) -> None:
    url = git_daemon.publish(make_repo(tmp_path, {"a.json": SPEC}))
    with pytest.raises(FetchError) as caught:
        source(url, tmp_path / "state", ref="nope").fetch()
    assert str(caught.value) == (
        f"source 'sales': git fetch from {url}: ref 'nope' is not a branch, tag or commit of the repository "
        "(fix the source's ref: a branch, a tag or a full commit sha)"
    )


def test_an_unknown_repository_is_a_clear_error(tmp_path: Path, git_daemon: GitDaemon) -> None:
    with pytest.raises(FetchError, match="the repository was not found"):
        source(git_daemon.url("missing.git"), tmp_path / "state").fetch()


def test_a_folder_missing_from_the_commit_is_refused_and_nothing_moves(tmp_path: Path, git_daemon: GitDaemon) -> None:
    repo = make_repo(tmp_path, {"workflows/a.json": SPEC})
    git_source = source(git_daemon.publish(repo), tmp_path / "state", path="workflows")
    good = git_source.fetch().snapshot
    repo.commit({"workflows/a.json": None, "other/x.txt": "moved away"})
    repo.push()
    with pytest.raises(FetchError) as caught:
        git_source.fetch()
    assert "path 'workflows' does not exist at commit" in str(caught.value)
    assert files_on_disk(good.root) == {"workflows/a.json": SPEC}
    assert git_source.last_good == good


def test_local_edits_in_the_cache_are_wiped_on_the_next_fetch(tmp_path: Path, git_daemon: GitDaemon) -> None:
    repo = make_repo(tmp_path, {"a.json": SPEC})
    git_source = source(git_daemon.publish(repo), tmp_path / "state")
    root = git_source.fetch().snapshot.root
    (root / "a.json").write_text("tampered")
    (root / "stray.json").write_text("{}")
    git_source.fetch()
    assert files_on_disk(root) == {"a.json": SPEC}


def test_a_changed_repo_url_is_followed(tmp_path: Path, git_daemon: GitDaemon) -> None:
    first = make_repo(tmp_path, {"a.json": "first"}, name="first")
    second = make_repo(tmp_path, {"a.json": "second"}, name="second")
    source(git_daemon.publish(first, "one.git"), tmp_path / "state").fetch()
    snap = source(git_daemon.publish(second, "two.git"), tmp_path / "state").fetch().snapshot
    assert files_on_disk(snap.root) == {"a.json": "second"}
