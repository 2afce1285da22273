"""Git credentials for one fetch, passed to ``git`` through its environment only.

Pipeline position: used by :mod:`controller.source.git_source` around every network git call.

* **SSH**: the private key (from the env var ``ssh_key_env`` names, or copied from
  ``ssh_key_file`` so a 0644 Kubernetes secret mount still works) is written to a 0600 file under
  ``<state_dir>/git/.ssh/`` for the duration of the call, then removed. ``GIT_SSH_COMMAND`` pins
  it (``IdentitiesOnly=yes``) and checks host keys STRICTLY (``StrictHostKeyChecking=yes``,
  ``known_hosts_file`` as the only known-hosts file when set). No prompts (``BatchMode=yes``).
* **HTTPS**: the token (and optional user name) from the env vars the config names becomes an
  ``Authorization: Basic`` header given to git as ``http.extraHeader`` through
  ``GIT_CONFIG_COUNT/KEY/VALUE`` — never in the remote URL, never in ``.git/config``.

Every secret read here is registered with :func:`controller.logs.register_secret`, so it is
scrubbed from any log line or error text that might echo it.
"""

from __future__ import annotations

import base64
import os
import shlex
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from controller.config import SourceConfig
from controller.errors import SourceError
from controller.logs import register_secret

__all__ = ["DEFAULT_HTTPS_USERNAME", "git_environment"]

#: User name sent with a token when ``https_username_env`` is not set: GitHub, GitLab and Gitea
#: ignore it for personal access tokens; Codeup wants the real account name.
DEFAULT_HTTPS_USERNAME = "git"
SSH_CONNECT_TIMEOUT = 15

_BASE = {
    "GIT_TERMINAL_PROMPT": "0",  # fail instead of waiting for a password nobody will type
    "GIT_ALLOW_PROTOCOL": "file:git:http:https:ssh",  # never ext:: or other command transports
    "GCM_INTERACTIVE": "never",
}


@contextmanager
def git_environment(
    source: SourceConfig, state_dir: Path, environ: Mapping[str, str] | None = None
) -> Iterator[dict[str, str]]:
    """Environment variables for git calls of ``source``; key files exist only inside the block."""
    environ = os.environ if environ is None else environ
    env = dict(_BASE)
    if source.kind == "ssh":
        with _ssh_key(source, state_dir, environ) as key_file:
            env["GIT_SSH_COMMAND"] = _ssh_command(source, key_file)
            yield env
        return
    if source.https_token_env:
        env.update(_https_header(source, environ))
    yield env


def _require(source: SourceConfig, key: str, name: str, environ: Mapping[str, str]) -> str:
    value = environ.get(name, "")
    if not value:
        raise SourceError(
            f"source {source.name!r}: {key} names {name}, which is not set in the environment",
            hint=f"export {name} before starting the controller (Kubernetes: a secretKeyRef env var)",
        )
    register_secret(value)
    return value


def _https_header(source: SourceConfig, environ: Mapping[str, str]) -> dict[str, str]:
    token = _require(source, "https_token_env", str(source.https_token_env), environ)
    user = DEFAULT_HTTPS_USERNAME
    if source.https_username_env:
        user = _require(source, "https_username_env", source.https_username_env, environ)
    basic = base64.b64encode(f"{user}:{token}".encode()).decode()
    register_secret(basic)
    return {
        "GIT_CONFIG_COUNT": "1",
        "GIT_CONFIG_KEY_0": "http.extraHeader",
        "GIT_CONFIG_VALUE_0": f"Authorization: Basic {basic}",
    }


@contextmanager
def _ssh_key(source: SourceConfig, state_dir: Path, environ: Mapping[str, str]) -> Iterator[Path | None]:
    if source.ssh_key_env:
        material = _require(source, "ssh_key_env", source.ssh_key_env, environ)
    elif source.ssh_key_file:
        try:
            material = source.ssh_key_file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise SourceError(
                f"source {source.name!r}: cannot read ssh_key_file {source.ssh_key_file} ({exc.__class__.__name__})",
                hint="point ssh_key_file at a readable private key file",
            ) from None
    else:
        yield None  # ssh's own defaults (agent, ~/.ssh/id_*), still with strict host checking
        return
    folder = state_dir / "git" / ".ssh"
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(folder, 0o700)
    key_file = folder / f"{source.name}.key"
    _write_private(key_file, _normalise_key(material))
    try:
        yield key_file
    finally:
        key_file.unlink(missing_ok=True)


def _normalise_key(material: str) -> str:
    """Env vars often carry a key with literal ``\\n`` or without the final newline ssh insists on."""
    if "\n" not in material.strip() and "\\n" in material:
        material = material.replace("\\n", "\n")
    material = material.strip().replace("\r\n", "\n") + "\n"
    register_secret(material)
    for line in material.splitlines():
        if len(line) >= 16 and not line.startswith("-----"):
            register_secret(line)
    return material


def _write_private(path: Path, text: str) -> None:
    path.unlink(missing_ok=True)  # a left-over from a killed run; O_EXCL below refuses to follow links
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)


def _ssh_command(source: SourceConfig, key_file: Path | None) -> str:
    parts = ["ssh", "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=yes"]
    parts += ["-o", f"ConnectTimeout={SSH_CONNECT_TIMEOUT}"]
    if key_file is not None:
        parts += ["-i", str(key_file), "-o", "IdentitiesOnly=yes", "-o", "IdentityAgent=none"]
    if source.known_hosts_file is not None:
        if not source.known_hosts_file.is_file():
            raise SourceError(
                f"source {source.name!r}: known_hosts_file {source.known_hosts_file} does not exist",
                hint="create it with the server's verified host key (ssh-keyscan HOST, then check the fingerprint)",
            )
        parts += ["-o", f"UserKnownHostsFile={source.known_hosts_file}", "-o", "GlobalKnownHostsFile=/dev/null"]
    return " ".join(shlex.quote(p) for p in parts)
