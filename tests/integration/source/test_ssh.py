"""SSH against a real ``sshd``: key from env or file, host keys checked strictly, the key never left behind."""

from __future__ import annotations

import os
import shlex
from pathlib import Path

import pytest

from controller.config import SourceConfig
from controller.logs import redact_text
from controller.source import FetchError, git_environment
from tests.gitserver import SshServer, make_repo

from .helpers import source

pytestmark = pytest.mark.slow


def test_a_key_from_the_environment_fetches_with_strict_known_hosts(tmp_path: Path, sshd_server: SshServer) -> None:
    repo = make_repo(tmp_path, {"workflows/a.json": "{}"})
    url = sshd_server.publish(repo, "team/dw.git")
    git_source = source(
        url,
        tmp_path / "state",
        env={"DW_SSH_KEY": sshd_server.client_key_text},
        ssh_key_env="DW_SSH_KEY",
        known_hosts_file=sshd_server.known_hosts,
    )
    assert git_source.fetch().snapshot.commit == repo.head()
    repo.commit({"workflows/b.json": "{}"})
    repo.push()
    assert git_source.fetch().snapshot.commit == repo.head()
    assert list((tmp_path / "state" / "git" / ".ssh").iterdir()) == []  # the key file lived only during the fetch
    assert "PRIVATE KEY" not in (tmp_path / "state" / "git" / "sales" / ".git" / "config").read_text()


def test_a_key_with_escaped_newlines_and_no_final_newline_still_works(tmp_path: Path, sshd_server: SshServer) -> None:
    repo = make_repo(tmp_path, {"a.json": "{}"})
    flattened = sshd_server.client_key_text.strip().replace("\n", "\\n")
    git_source = source(
        sshd_server.publish(repo),
        tmp_path / "state",
        env={"DW_SSH_KEY": flattened},
        ssh_key_env="DW_SSH_KEY",
        known_hosts_file=sshd_server.known_hosts,
    )
    assert git_source.fetch().snapshot.commit == repo.head()


def test_a_world_readable_key_file_is_copied_to_a_private_one(tmp_path: Path, sshd_server: SshServer) -> None:
    mounted = tmp_path / "secret-volume" / "identity"  # Kubernetes secret volumes default to 0644
    mounted.parent.mkdir()
    mounted.write_text(sshd_server.client_key_text)
    os.chmod(mounted, 0o644)
    repo = make_repo(tmp_path, {"a.json": "{}"})
    git_source = source(
        sshd_server.publish(repo), tmp_path / "state", ssh_key_file=mounted, known_hosts_file=sshd_server.known_hosts
    )
    assert git_source.fetch().snapshot.commit == repo.head()


def test_a_host_key_mismatch_is_refused(tmp_path: Path, sshd_server: SshServer) -> None:
    url = sshd_server.publish(make_repo(tmp_path, {"a.json": "{}"}))
    git_source = source(
        url,
        tmp_path / "state",
        env={"DW_SSH_KEY": sshd_server.client_key_text},
        ssh_key_env="DW_SSH_KEY",
        known_hosts_file=sshd_server.impostor_known_hosts(),
    )
    with pytest.raises(FetchError) as caught:
        git_source.fetch()
    assert str(caught.value) == (
        f"source 'sales': git fetch from {redact_text(url)}: the host key of 127.0.0.1:{sshd_server.port} "
        "does NOT match known_hosts (a man-in-the-middle, or the server's key changed) "
        "(verify the server's key out of band, then replace its line in known_hosts_file)"
    )
    assert "PRIVATE KEY" not in str(caught.value)
    assert list((tmp_path / "state" / "git" / ".ssh").iterdir()) == []


def test_an_unknown_host_is_refused_not_trusted_on_first_use(tmp_path: Path, sshd_server: SshServer) -> None:
    empty = tmp_path / "known_hosts"
    empty.write_text("")
    url = sshd_server.publish(make_repo(tmp_path, {"a.json": "{}"}))
    git_source = source(
        url,
        tmp_path / "state",
        env={"DW_SSH_KEY": sshd_server.client_key_text},
        ssh_key_env="DW_SSH_KEY",
        known_hosts_file=empty,
    )
    with pytest.raises(FetchError, match=r"host key of 127\.0\.0\.1:\d+ is not in known_hosts"):
        git_source.fetch()
    assert empty.read_text() == ""  # nothing was added behind the user's back


def test_a_key_the_server_does_not_know_is_refused(tmp_path: Path, sshd_server: SshServer) -> None:
    stranger = tmp_path / "stranger"
    os.system(f"ssh-keygen -q -t ed25519 -N '' -f {shlex.quote(str(stranger))}")  # noqa: S605
    url = sshd_server.publish(make_repo(tmp_path, {"a.json": "{}"}))
    git_source = source(
        url,
        tmp_path / "state",
        env={"DW_SSH_KEY": stranger.read_text()},
        ssh_key_env="DW_SSH_KEY",
        known_hosts_file=sshd_server.known_hosts,
    )
    with pytest.raises(FetchError) as caught:
        git_source.fetch()
    assert "the server refused the SSH key" in str(caught.value)
    key_line = stranger.read_text().splitlines()[1]
    assert redact_text(key_line) == "***"  # registered: any echo of the key is scrubbed


def test_the_ssh_command_checks_host_keys_strictly_and_pins_the_key(tmp_path: Path) -> None:
    known = tmp_path / "known_hosts"
    known.write_text("")
    config = SourceConfig(
        name="sales", repo="git@codeup.aliyun.com:team/dw.git", ssh_key_env="K", known_hosts_file=known
    )
    with git_environment(config, tmp_path, {"K": "-----BEGIN OPENSSH PRIVATE KEY-----\nabc\n"}) as env:
        command = shlex.split(env["GIT_SSH_COMMAND"])
        key_file = Path(command[command.index("-i") + 1])
        assert oct(key_file.stat().st_mode & 0o777) == "0o600"
        assert oct(key_file.parent.stat().st_mode & 0o777) == "0o700"
    assert not key_file.exists()
    options = {command[i + 1] for i, part in enumerate(command) if part == "-o"}
    assert {
        "StrictHostKeyChecking=yes",
        f"UserKnownHostsFile={known}",
        "GlobalKnownHostsFile=/dev/null",
        "IdentitiesOnly=yes",
        "BatchMode=yes",
    } <= options
    assert env["GIT_TERMINAL_PROMPT"] == "0"
