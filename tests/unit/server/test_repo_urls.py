"""Every spelling of one repository normalises to the same key; credentials never survive."""

from __future__ import annotations

import pytest

from controller.server.urls import normalise_repo_url, strip_credentials

SAME_REPO = [
    "git@host:team/dw.git",
    "git@host:team/dw",
    "ssh://git@host/team/dw",
    "ssh://git@host:22/team/dw.git",
    "https://host/team/dw.git",
    "https://host/team/dw/",
    "https://host/team/dw.git/",
    "https://user:token@host/team/dw",
    "https://oauth2:glpat-XXXXXXXXXXXXXXXX@host:443/team/dw.git",
    "http://HOST/team/dw",
    "git://host/team/dw.git",
    "  https://host/team/dw  ",
    "host:team/dw.git",
    "https://Host/Team/DW.git",
]


@pytest.mark.parametrize("url", SAME_REPO)
def test_spellings_of_one_repository_compare_equal(url: str) -> None:
    assert normalise_repo_url(url) == "host/team/dw"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("git@github.com:acme-data/dataworks-flows.git", "github.com/acme-data/dataworks-flows"),
        ("ssh://git@git.example.com:2222/data/dataworks-flows.git", "git.example.com/data/dataworks-flows"),
        ("https://bitbucket.example.com/scm/data/dw.git", "bitbucket.example.com/scm/data/dw"),
        ("https://gitlab.example.com/group/sub/dw.git", "gitlab.example.com/group/sub/dw"),
        ("https://host/team/dw.github.io.git", "host/team/dw.github.io"),
    ],
)
def test_normalised_form(url: str, expected: str) -> None:
    assert normalise_repo_url(url) == expected


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("https://host/team/dw", "https://host/team/dw2"),
        ("https://host/team/dw", "https://other/team/dw"),
        ("https://host/team/dw", "https://host/other/dw"),
        ("git@host:team/dw.git", "git@host:team/sub/dw.git"),
    ],
)
def test_different_repositories_stay_different(a: str, b: str) -> None:
    assert normalise_repo_url(a) != normalise_repo_url(b)


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("https://user:token@host/team/dw.git", "https://host/team/dw.git"),
        ("https://x-access-token@host/team/dw", "https://host/team/dw"),
        ("https://host/team/dw.git", "https://host/team/dw.git"),
        ("ssh://git@host:2222/team/dw.git", "ssh://git@host:2222/team/dw.git"),
        ("ssh://git:secret@host/team/dw.git", "ssh://host/team/dw.git"),
        ("git@host:team/dw.git", "git@host:team/dw.git"),
    ],
)
def test_credentials_are_stripped_for_display(url: str, shown: str) -> None:
    assert strip_credentials(url) == shown
