"""Only a push to a source's repository AND its tracked branch or tag triggers that source."""

from __future__ import annotations

import pytest

from controller.server.webhooks import PushEvent, RefUpdate, matches_source

REPO = "git@github.com:acme-data/dataworks-flows.git"


def push(ref: str, *urls: str) -> PushEvent:
    urls = urls or ("https://github.com/acme-data/dataworks-flows.git", "git@github.com:acme-data/dataworks-flows.git")
    return PushEvent("github", urls, (RefUpdate(ref, "0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c"),), "d-1")


@pytest.mark.parametrize(
    ("pushed", "source_ref", "expected"),
    [
        ("refs/heads/main", "main", True),
        ("refs/heads/main", "refs/heads/main", True),
        ("refs/heads/dev", "main", False),
        ("refs/heads/main-2", "main", False),
        ("refs/heads/feature/main", "main", False),
        ("refs/tags/v1.4.0", "v1.4.0", True),
        ("refs/tags/v1.4.0", "refs/tags/v1.4.0", True),
        ("refs/tags/v1.4.0", "main", False),
        ("refs/tags/v1.4.0", "refs/heads/v1.4.0", False),
        ("refs/heads/v1.4.0", "refs/tags/v1.4.0", False),
        ("refs/heads/main", "", True),
        ("refs/heads/release", "HEAD", True),
        ("refs/tags/v1.4.0", "HEAD", False),
        ("refs/heads/main", "0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c", False),
    ],
)
def test_ref_decides(pushed: str, source_ref: str, expected: bool) -> None:
    assert matches_source(push(pushed), REPO, source_ref) is expected


def test_push_to_another_repository_with_the_same_branch_does_not_match() -> None:
    other = push("refs/heads/main", "https://github.com/acme-data/other-flows.git")
    assert not matches_source(other, REPO, "main")


def test_push_to_a_fork_with_the_same_name_does_not_match() -> None:
    fork = push("refs/heads/main", "https://github.com/someone/dataworks-flows.git")
    assert not matches_source(fork, REPO, "main")


def test_any_of_the_payloads_url_forms_can_match_the_configured_form() -> None:
    browse_only = push("refs/heads/main", "https://github.com/acme-data/dataworks-flows")
    assert matches_source(browse_only, "ssh://git@github.com/acme-data/dataworks-flows.git", "main")


def test_one_of_several_pushed_refs_is_enough() -> None:
    multi = PushEvent(
        "bitbucket",
        ("https://bitbucket.org/acme-data/dataworks-flows",),
        (RefUpdate("refs/heads/dev", "a" * 40), RefUpdate("refs/heads/main", None)),
        None,
    )
    assert matches_source(multi, "git@bitbucket.org:acme-data/dataworks-flows.git", "main")
    assert not matches_source(multi, "git@bitbucket.org:acme-data/dataworks-flows.git", "prod")


def test_generic_push_without_a_ref_matches_every_source_of_the_repository() -> None:
    anyref = PushEvent("generic", (REPO,), (RefUpdate("", None),), None)
    assert matches_source(anyref, REPO, "main")
    assert matches_source(anyref, REPO, "v1.4.0")
    assert not matches_source(anyref, "git@github.com:acme-data/other.git", "main")


def test_generic_short_ref_matches_a_branch_or_tag_of_that_name() -> None:
    short = PushEvent("generic", (REPO,), (RefUpdate("main", None),), None)
    assert matches_source(short, REPO, "refs/heads/main")
    assert not matches_source(short, REPO, "dev")


def test_empty_source_repo_never_matches() -> None:
    assert not matches_source(push("refs/heads/main"), "", "main")
