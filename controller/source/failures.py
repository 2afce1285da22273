"""Turn what ``git``/``ssh`` print on failure into one clean line saying what broke and the fix.

Pipeline position: used by :mod:`controller.source.git_source` when a git call fails. Git runs
with ``LC_ALL=C`` (GitPython sets it), so the English messages below are stable. Every text that
leaves here went through :func:`controller.logs.redact_text` (registered secrets, URL user-info).
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from controller.logs import redact_text

__all__ = ["explain", "repo_host"]

# (pattern in git's stderr, what happened, how to fix it) — first match wins.
_KNOWN: tuple[tuple[re.Pattern[str], str, str], ...] = (
    (
        re.compile(r"REMOTE HOST IDENTIFICATION HAS CHANGED", re.I),
        "the host key of {host} does NOT match known_hosts (a man-in-the-middle, or the server's key changed)",
        "verify the server's key out of band, then replace its line in known_hosts_file",
    ),
    (
        re.compile(r"No \S+ host key is known for|Host key verification failed", re.I),
        "the host key of {host} is not in known_hosts, and host keys are checked strictly",
        "add the server's key to known_hosts_file (ssh-keyscan, then verify the fingerprint)",
    ),
    (
        re.compile(r"Permission denied \(publickey", re.I),
        "the server refused the SSH key",
        "add the public key as a read-only deploy key of the repository; check ssh_key_env/ssh_key_file",
    ),
    (
        re.compile(r"(invalid format|error in libcrypto|incorrect passphrase|Load key .*: )", re.I),
        "ssh cannot use the private key (not a private key, or protected by a passphrase)",
        "give an unencrypted OpenSSH/PEM private key through ssh_key_env or ssh_key_file",
    ),
    (
        re.compile(r"Authentication failed|could not read (Username|Password)|HTTP (401|403)|error: 40[13]", re.I),
        "the server refused the credentials",
        "check the token in the env var https_token_env names (and https_username_env); it needs read access",
    ),
    (
        re.compile(r"couldn't find remote ref|no such remote ref|not our ref|unadvertised object", re.I),
        "ref {ref!r} is not a branch, tag or commit of the repository",
        "fix the source's ref: a branch, a tag or a full commit sha",
    ),
    (
        re.compile(
            r"Repository not found|no such repository|repository not exported|does not appear to be a git repository"
            r"|not found|No such file",
            re.I,
        ),
        "the repository was not found",
        "check the source's repo URL or path, and that the credentials may read it",
    ),
    (
        re.compile(r"Could not resolve host|Name or service not known|Temporary failure in name resolution", re.I),
        "cannot resolve the git server's host name",
        "check the repo URL and the DNS of the controller's network",
    ),
    (
        re.compile(r"Connection refused|Failed to connect|unable to connect|Connection (timed out|reset|closed)"
                   r"|Network is unreachable|No route to host|unexpected disconnect|early EOF|remote end hung up",
                   re.I),
        "cannot reach the git server ({host})",
        "it may be down or blocked; the last good commit stays in use and the next run retries",
    ),
)


def repo_host(repo: str) -> str:
    """The host (and port) of a repo string, for messages; the path for local repositories."""
    if "://" in repo:
        parts = urlsplit(repo)
        if parts.scheme == "file":
            return parts.path
        if not parts.hostname:
            return repo
        return f"{parts.hostname}:{parts.port}" if parts.port else parts.hostname
    if ":" in repo and not repo.startswith("/"):
        return repo.split(":", 1)[0].rsplit("@", 1)[-1]
    return repo


def explain(stderr: str, *, repo: str, ref: str, timed_out: bool = False, timeout: float = 0) -> tuple[str, str]:
    """``(what happened, how to fix it)`` for a failed git call, scrubbed of secrets."""
    host = repo_host(repo)
    if timed_out:
        return (
            f"git did not finish within {timeout:g}s",
            "the server may be slow or unreachable; the next run retries",
        )
    for pattern, what, fix in _KNOWN:
        if pattern.search(stderr):
            return redact_text(what.format(host=host, ref=ref)), fix
    return redact_text(_last_line(stderr)) or "git failed without a message", "the next run retries"


def _last_line(stderr: str) -> str:
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    errors = [line for line in lines if line.lower().startswith(("fatal:", "error:"))]
    line = (errors or lines or [""])[-1]
    return line[:240]
