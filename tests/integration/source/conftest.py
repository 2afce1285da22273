"""The git-server fixtures live in tests/gitserver.py so other suites (reconcile, e2e) can reuse them."""

from tests.gitserver import git_daemon, git_http_server, sshd_server

__all__ = ["git_daemon", "git_http_server", "sshd_server"]
