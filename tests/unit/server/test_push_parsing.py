"""Parsing turns recorded deliveries into pings, ignored events or pushes with every repo URL form."""

from __future__ import annotations

import json

import pytest

from controller.server.webhooks import PROVIDERS, Ignored, PayloadError, Ping, PushEvent
from tests.fixtures.webhooks import load


def parse(provider: str, event: str) -> object:
    headers, body = load(provider, event)
    return PROVIDERS[provider].parse(headers, body)


def test_github_push_gives_every_repo_url_the_ref_the_commit_and_the_delivery() -> None:
    push = parse("github", "push")
    assert isinstance(push, PushEvent)
    assert set(push.repo_urls) >= {
        "https://github.com/acme-data/dataworks-flows.git",
        "git@github.com:acme-data/dataworks-flows.git",
        "git://github.com/acme-data/dataworks-flows.git",
        "https://github.com/acme-data/dataworks-flows",
    }
    assert push.ref == "refs/heads/main"
    assert push.after == "0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c"
    assert push.delivery == "4f6b9a20-5411-11f1-8d7e-2a1c5d9e0b31"


def test_github_tag_push_keeps_the_tag_ref() -> None:
    push = parse("github", "push-tag")
    assert isinstance(push, PushEvent)
    assert push.ref == "refs/tags/v1.4.0"


def test_github_ping_is_a_ping() -> None:
    assert parse("github", "ping") == Ping("github", "ping", "1b0e8f7c-5410-11f1-8a3c-7d5e1f0b2c66")


def test_gitlab_push_reads_project_and_repository_urls_and_the_idempotency_key() -> None:
    push = parse("gitlab", "push")
    assert isinstance(push, PushEvent)
    assert "https://gitlab.example.com/data/dataworks-flows.git" in push.repo_urls
    assert "git@gitlab.example.com:data/dataworks-flows.git" in push.repo_urls
    assert (push.ref, push.after) == ("refs/heads/main", "da1560886d4f094c3e6c9ef40349f7d38b5d27d7")
    assert push.delivery == "d2b6a8e4-91c3-4f7a-b5e0-8c9d7f6e5a43"


def test_gitlab_tag_push_and_merge_request() -> None:
    tag = parse("gitlab", "tag-push")
    assert isinstance(tag, PushEvent)
    assert tag.ref == "refs/tags/v2.0.0"
    mr = parse("gitlab", "merge-request")
    assert isinstance(mr, Ignored)
    assert mr.event == "Merge Request Hook"


def test_gitlab_system_hook_push_is_a_push() -> None:
    headers, body = load("gitlab", "push")
    push = PROVIDERS["gitlab"].parse({**headers, "X-Gitlab-Event": "System Hook"}, body)
    assert isinstance(push, PushEvent)


def test_gitea_push_with_an_ssh_port() -> None:
    push = parse("gitea", "push")
    assert isinstance(push, PushEvent)
    assert "ssh://git@git.example.com:2222/data/dataworks-flows.git" in push.repo_urls
    assert push.delivery == "9d7f3b1e-2c4a-4e6b-8d0f-1a3c5e7b9d2f"


def test_bitbucket_cloud_push_uses_the_request_uuid_not_the_hook_uuid() -> None:
    push = parse("bitbucket", "cloud-push")
    assert isinstance(push, PushEvent)
    assert push.repo_urls == ("https://bitbucket.org/acme-data/dataworks-flows",)
    assert (push.ref, push.after) == ("refs/heads/main", "c4b2f7f0cd14c0c4b6aa8f1e3a8b3f7e4f5a6b7c")
    assert push.delivery == "c3a5e7f9-1b3d-4f5a-9c7e-0b2d4f6a8c1e"


def test_bitbucket_server_refs_changed_reads_clone_links() -> None:
    push = parse("bitbucket", "server-push")
    assert isinstance(push, PushEvent)
    assert "ssh://git@bitbucket.example.com:7999/data/dataworks-flows.git" in push.repo_urls
    assert "https://bitbucket.example.com/scm/data/dataworks-flows.git" in push.repo_urls
    assert (push.ref, push.after) == ("refs/heads/main", "178864a7d521b6f5e720b386b2c2b0ef8563e0dc")
    assert push.delivery == "7b9d1f3a-5c7e-4a9b-8d1f-3a5c7e9b1d3f"


def test_bitbucket_server_test_connection_is_a_ping() -> None:
    assert isinstance(parse("bitbucket", "server-ping"), Ping)


def test_bitbucket_cloud_deleted_branch_has_no_new_commit() -> None:
    headers, body = load("bitbucket", "cloud-push")
    payload = json.loads(body)
    payload["push"]["changes"][0]["new"] = None
    push = PROVIDERS["bitbucket"].parse(headers, json.dumps(payload).encode())
    assert isinstance(push, PushEvent)
    assert (push.ref, push.after) == ("refs/heads/main", None)


def test_codeup_push_and_tag_push_follow_gitlabs_shape_without_a_delivery_id() -> None:
    push = parse("codeup", "push")
    assert isinstance(push, PushEvent)
    assert "https://codeup.aliyun.com/61234c5b1234567890abcdef/data/dataworks-flows.git" in push.repo_urls
    assert (push.ref, push.delivery) == ("refs/heads/master", None)
    tag = parse("codeup", "tag-push")
    assert isinstance(tag, PushEvent)
    assert tag.ref == "refs/tags/release-2026.05"


def test_generic_body_names_repo_and_ref() -> None:
    push = parse("generic", "push")
    assert isinstance(push, PushEvent)
    assert push.repo_urls == ("https://git.example.com/data/dataworks-flows.git",)
    assert push.ref == "refs/heads/main"


def test_generic_body_without_a_ref_means_any_ref() -> None:
    push = PROVIDERS["generic"].parse({}, b'{"repo": "git@host:team/dw.git"}')
    assert isinstance(push, PushEvent)
    assert push.ref == ""


@pytest.mark.parametrize(
    ("provider", "event", "body"),
    [
        ("github", "push", b"{not json"),
        ("gitlab", "push", b"\xff\xfe"),
        ("bitbucket", "cloud-push", b'{"push": {"changes": []}}'),
        ("github", "push", b'{"repository": {"clone_url": "https://h/x.git"}}'),
        ("generic", "push", b'["https://h/x.git"]'),
        ("generic", "push", b'{"ref": "main"}'),
    ],
)
def test_body_that_is_not_the_documented_json_raises_payload_error(provider: str, event: str, body: bytes) -> None:
    headers, _ = load(provider, event)
    with pytest.raises(PayloadError):
        PROVIDERS[provider].parse(headers, body)


def test_form_encoded_github_delivery_is_unwrapped() -> None:
    headers, body = load("github", "push")
    from urllib.parse import urlencode

    form = urlencode({"payload": body.decode()}).encode()
    push = PROVIDERS["github"].parse({**headers, "Content-Type": "application/x-www-form-urlencoded"}, form)
    assert isinstance(push, PushEvent)
    assert push.ref == "refs/heads/main"


def test_other_github_events_are_ignored() -> None:
    headers, body = load("github", "push")
    event = PROVIDERS["github"].parse({**headers, "X-GitHub-Event": "issues"}, body)
    assert event == Ignored("github", "issues", "4f6b9a20-5411-11f1-8d7e-2a1c5d9e0b31")
