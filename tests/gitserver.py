"""Real git servers on loopback for tests: ``git daemon``, ``git http-backend`` behind basic auth, ``sshd``.

Use the fixtures (``git_daemon``, ``git_http_server``, ``sshd_server``; re-export them from a
``conftest.py`` with ``from tests.gitserver import git_daemon  # noqa: F401``) and :func:`make_repo`::

    def test_x(tmp_path, git_daemon):
        repo = make_repo(tmp_path, {"workflows/a.json": "{}"})
        url = git_daemon.publish(repo, "team/dw.git")      # a bare copy the server serves
        repo.commit({"workflows/b.json": "{}"}); repo.push()  # the server now has the new commit

Every server listens on 127.0.0.1 on a free port, is stopped by its fixture, and cannot outlive the
test run: subprocesses get ``PR_SET_PDEATHSIG`` and run under ``timeout``; the HTTP server is a
daemon thread of the test process.
"""

from __future__ import annotations

import base64
import contextlib
import ctypes
import os
import secrets
import shutil
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

#: Hard bound on any server process's lifetime, whatever happens to the test process.
MAX_SERVER_SECONDS = 900
_GIT_IDENTITY = ["-c", "user.name=dataworks-gitops tests", "-c", "user.email=tests@dataworks-gitops.invalid"]


def git(cwd: Path, *args: str, env: Mapping[str, str] | None = None) -> str:
    """Run git in ``cwd`` with a fixed identity; return stdout (raises on failure, with stderr)."""
    done = subprocess.run(
        ["git", *_GIT_IDENTITY, *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, **(env or {})},
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"git {' '.join(args)} failed in {cwd}: {done.stderr.strip()}")
    return done.stdout


@dataclass
class GitRepo:
    """A working repository the test commits to, and the bare copies servers serve from it."""

    path: Path
    branch: str = "main"
    published: list[Path] = field(default_factory=list)

    def commit(self, files: Mapping[str, str | None], message: str = "change") -> str:
        """Write (or, for None, delete) files, commit them all, return the new commit sha."""
        for name, text in files.items():
            target = self.path / name
            if text is None:
                target.unlink(missing_ok=True)
            else:
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(text, encoding="utf-8")
        git(self.path, "add", "--all")
        git(self.path, "commit", "--quiet", "--allow-empty", "-m", message)
        return self.head()

    def head(self, rev: str = "HEAD") -> str:
        """The commit sha of ``rev``."""
        return git(self.path, "rev-parse", f"{rev}^{{commit}}").strip()

    def tag(self, name: str, rev: str = "HEAD", *, annotated: bool = False) -> None:
        """Create (or move) a tag."""
        extra = ["-a", "-m", f"tag {name}"] if annotated else []
        git(self.path, "tag", "--force", *extra, name, rev)

    def rewrite(self, files: Mapping[str, str | None], message: str = "rewritten") -> str:
        """Replace the branch tip with a different commit (for force-push tests); return its sha."""
        git(self.path, "reset", "--quiet", "--hard", "HEAD~1")
        return self.commit(files, message)

    def push(self) -> None:
        """Mirror every branch and tag (forced, deletions included) to every published copy."""
        for bare in self.published:
            git(self.path, "push", "--quiet", "--force", "--mirror", str(bare))


def make_repo(tmp_path: Path, files: Mapping[str, str], *, branch: str = "main", name: str = "work") -> GitRepo:
    """A new repository under ``tmp_path/name`` with ``files`` committed on ``branch``."""
    path = tmp_path / name
    path.mkdir(parents=True)
    git(path, "init", "--quiet", "--initial-branch", branch)
    repo = GitRepo(path, branch)
    repo.commit(files, "initial")
    return repo


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_port(port: int, *, timeout: float = 15.0, banner: bytes = b"") -> None:
    """Return once 127.0.0.1:port accepts connections (and sends ``banner``, if given)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
                if not banner or sock.recv(64).startswith(banner):
                    return
        except OSError:
            pass
        time.sleep(0.05)
    raise RuntimeError(f"nothing listening on 127.0.0.1:{port} after {timeout}s")


def _die_with_parent() -> None:  # pragma: no cover - runs in the child between fork and exec
    libc = ctypes.CDLL("libc.so.6", use_errno=True)
    libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    os.setsid()


class _ServedRepos:
    """A base folder of bare repositories served under their relative names."""

    def __init__(self, base: Path) -> None:
        self.base = base
        base.mkdir(parents=True, exist_ok=True)

    def url(self, name: str) -> str:  # pragma: no cover - overridden
        raise NotImplementedError

    def publish(self, repo: GitRepo, name: str = "dw.git") -> str:
        """Serve a bare copy of ``repo`` as ``name``; ``repo.push()`` updates it. Returns the URL."""
        bare = self.base / name
        bare.parent.mkdir(parents=True, exist_ok=True)
        git(self.base, "init", "--quiet", "--bare", str(bare))
        repo.published.append(bare)
        repo.push()
        return self.url(name)


class _Process:
    """A server subprocess, bounded in time and tied to the test process's life."""

    def __init__(self) -> None:
        self.process: subprocess.Popen[bytes] | None = None
        self.log_path: Path | None = None

    def _spawn(self, argv: list[str], log_path: Path) -> None:
        self.log_path = log_path
        with open(log_path, "ab") as log_file:
            self.process = subprocess.Popen(
                ["timeout", "--kill-after=5", str(MAX_SERVER_SECONDS), *argv],
                stdout=log_file,
                stderr=subprocess.STDOUT,
                preexec_fn=_die_with_parent,
            )

    def stop(self) -> None:
        """Stop the server (the port refuses connections afterwards)."""
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
        self.process = None

    def log(self) -> str:
        """What the server printed (for assertion messages)."""
        return self.log_path.read_text(errors="replace") if self.log_path and self.log_path.exists() else ""


class GitDaemon(_ServedRepos, _Process):
    """``git daemon --export-all --enable=receive-pack`` serving ``base`` on ``git://127.0.0.1:port``."""

    def __init__(self, base: Path) -> None:
        _ServedRepos.__init__(self, base)
        _Process.__init__(self)
        self.port = free_port()

    def url(self, name: str) -> str:
        """``git://127.0.0.1:PORT/name``."""
        return f"git://127.0.0.1:{self.port}/{name}"

    def start(self) -> None:
        """Start (or restart, on the same port) the daemon and wait until it listens."""
        argv = ["git", "daemon", "--reuseaddr", "--export-all", "--enable=receive-pack", "--informative-errors"]
        argv += [f"--base-path={self.base}", "--listen=127.0.0.1", f"--port={self.port}", str(self.base)]
        self._spawn(argv, self.base.parent / "git-daemon.log")
        wait_for_port(self.port)


@dataclass
class RecordedRequest:
    """One request the HTTP git server saw."""

    method: str
    path: str
    authorization: str | None
    status: int


class GitHttpServer(_ServedRepos):
    """``git http-backend`` (smart HTTP) behind HTTP basic auth, in a thread of the test process."""

    def __init__(self, base: Path, *, username: str = "deploy", token: str | None = None) -> None:
        super().__init__(base)
        self.username = username
        self.token = token or "tok-" + secrets.token_hex(12)  # fresh per server: nothing can hard-code it
        self.requests: list[RecordedRequest] = []
        self._server: ThreadingHTTPServer | None = None
        self.port = 0

    def url(self, name: str) -> str:
        """``http://127.0.0.1:PORT/name`` — no credentials in it."""
        return f"http://127.0.0.1:{self.port}/{name}"

    def start(self) -> None:
        """Serve on a free port (the same one again after :meth:`stop`)."""
        handler = type("Handler", (_GitHttpHandler,), {"owner": self})
        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), handler)
        self._server.daemon_threads = True
        self.port = int(self._server.server_address[1])
        threading.Thread(target=self._server.serve_forever, args=(0.05,), name="git-http", daemon=True).start()

    def stop(self) -> None:
        """Stop serving and close the socket."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def authorized(self, header: str | None) -> bool:
        """Basic auth with this server's user name and token."""
        expected = base64.b64encode(f"{self.username}:{self.token}".encode()).decode()
        return header == f"Basic {expected}"


class _GitHttpHandler(BaseHTTPRequestHandler):
    """CGI glue: one ``git http-backend`` process per request."""

    owner: GitHttpServer
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def log_message(self, format: str, *args: object) -> None:
        return  # quiet: tests assert on self.owner.requests instead

    def _serve(self) -> None:
        header = self.headers.get("Authorization")
        path, _, query = self.path.partition("?")
        if not self.owner.authorized(header):
            self.owner.requests.append(RecordedRequest(self.command, self.path, header, 401))
            self._drain()
            self.send_response(401)
            self.send_header("WWW-Authenticate", 'Basic realm="git"')
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        body = self._body()
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "GIT_PROJECT_ROOT": str(self.owner.base),
            "GIT_HTTP_EXPORT_ALL": "1",
            "REQUEST_METHOD": self.command,
            "PATH_INFO": path,
            "QUERY_STRING": query,
            "CONTENT_TYPE": self.headers.get("Content-Type", ""),
            "CONTENT_LENGTH": str(len(body)),
            "REMOTE_USER": self.owner.username,
            "REMOTE_ADDR": "127.0.0.1",
            "GIT_PROTOCOL": self.headers.get("Git-Protocol", ""),
            "HTTP_CONTENT_ENCODING": self.headers.get("Content-Encoding", ""),
        }
        backend = ["git", "http-backend"]
        done = subprocess.run(backend, input=body, capture_output=True, env=env, timeout=60, check=False)
        head, _, payload = done.stdout.partition(b"\r\n\r\n")
        status, headers = 200, []
        for line in head.decode("latin-1").split("\r\n"):
            key, _, value = line.partition(":")
            if key.lower() == "status":
                status = int(value.strip().split()[0])
            elif key:
                headers.append((key, value.strip()))
        self.owner.requests.append(RecordedRequest(self.command, self.path, header, status))
        self.send_response(status)
        for key, value in headers:
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def _body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    self.rfile.readline()
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def _drain(self) -> None:
        self._body()


class SshServer(_ServedRepos, _Process):
    """OpenSSH ``sshd`` on 127.0.0.1 with its own host key; key login as the current (root) user."""

    def __init__(self, base: Path, keys: Path) -> None:
        _ServedRepos.__init__(self, base)
        _Process.__init__(self)
        self.port = free_port()
        self.keys = keys
        keys.mkdir(parents=True, exist_ok=True)
        self.user = os.environ.get("USER") or "root"
        self.host_key = keys / "ssh_host_ed25519_key"
        self.client_key = keys / "client_ed25519"
        _keygen(self.host_key)
        _keygen(self.client_key)
        (keys / "authorized_keys").write_text(self.client_key.with_suffix(".pub").read_text())
        self.known_hosts = keys / "known_hosts"
        self.known_hosts.write_text(self.known_hosts_line(self.host_key.with_suffix(".pub")))

    def known_hosts_line(self, public_key: Path) -> str:
        """A known_hosts line claiming ``public_key`` for this server's address."""
        kind, data = public_key.read_text().split()[:2]
        return f"[127.0.0.1]:{self.port} {kind} {data}\n"

    def impostor_known_hosts(self) -> Path:
        """A known_hosts file that pins a DIFFERENT host key for this server (a mismatch)."""
        other = self.keys / "other_host_key"
        if not other.exists():
            _keygen(other)
        path = self.keys / "impostor_known_hosts"
        path.write_text(self.known_hosts_line(other.with_suffix(".pub")))
        return path

    @property
    def client_key_text(self) -> str:
        """The client's private key (what ``ssh_key_env`` would hold)."""
        return self.client_key.read_text()

    def url(self, name: str) -> str:
        """``ssh://USER@127.0.0.1:PORT/<absolute path of the bare repo>``."""
        return f"ssh://{self.user}@127.0.0.1:{self.port}{self.base / name}"

    def start(self) -> None:
        """Start sshd in the foreground (``-D -e``) and wait for its banner."""
        Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)  # sshd's privilege separation directory
        config = self.keys / "sshd_config"
        config.write_text(
            "\n".join(
                [
                    f"Port {self.port}",
                    "ListenAddress 127.0.0.1",
                    f"HostKey {self.host_key}",
                    f"PidFile {self.keys / 'sshd.pid'}",
                    f"AuthorizedKeysFile {self.keys / 'authorized_keys'}",
                    "PubkeyAuthentication yes",
                    "PasswordAuthentication no",
                    "KbdInteractiveAuthentication no",
                    "UsePAM no",
                    "PermitRootLogin prohibit-password",
                    "StrictModes no",
                    "LogLevel VERBOSE",
                    "",
                ]
            )
        )
        self._spawn(["/usr/sbin/sshd", "-D", "-e", "-f", str(config)], self.keys / "sshd.log")
        wait_for_port(self.port, banner=b"SSH-2.0")


def _keygen(path: Path) -> None:
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", path.name, "-f", str(path)],
        check=True,
        capture_output=True,
        timeout=30,
    )


# --- fixtures --------------------------------------------------------------------------------


@pytest.fixture
def git_daemon(tmp_path: Path) -> Iterator[GitDaemon]:
    """A running ``git daemon`` serving bare repos from ``tmp_path/git-daemon/repos``."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    daemon = GitDaemon(tmp_path / "git-daemon" / "repos")
    daemon.start()
    try:
        yield daemon
    finally:
        daemon.stop()


@pytest.fixture
def git_http_server(tmp_path: Path) -> Iterator[GitHttpServer]:
    """A running smart-HTTP git server requiring basic auth (``.username`` / ``.token``)."""
    server = GitHttpServer(tmp_path / "git-http" / "repos")
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def sshd_server(tmp_path: Path) -> Iterator[SshServer]:
    """A running ``sshd`` accepting ``.client_key`` and pinned by ``.known_hosts`` (needs root)."""
    if not Path("/usr/sbin/sshd").exists():
        pytest.skip("openssh-server is not installed (.ci/run installs it)")
    if os.geteuid() != 0:
        pytest.skip("the sshd fixture runs sshd as root")
    server = SshServer(tmp_path / "sshd" / "repos", tmp_path / "sshd" / "keys")
    server.start()
    try:
        yield server
    finally:
        server.stop()
