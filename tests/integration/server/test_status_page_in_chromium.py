"""The status page as a real headless Chromium renders it: names, statuses, drift, escaping."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import struct
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

from tests.integration.server.conftest import Running

pytestmark = pytest.mark.slow

# The flags the project's probe uses: no sandbox (containers run as root), no network beyond the page.
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


def chromium(tmp_path: Path, *args: str, timeout: float = 60) -> str:
    """Run Chromium with ``args``; return its stdout. Its whole process group is always killed."""
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    if exe is None:
        pytest.fail("chromium is not installed: apt-get install -y chromium (.ci/run installs it)")
    profile = tmp_path / "chromium-profile"
    proc = subprocess.Popen(
        [exe, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, start_new_session=True,
    )
    try:
        out, _ = proc.communicate(timeout=timeout)
    finally:
        # Chromium leaves helper processes (zygote, crashpad) behind; they share its process group.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    assert proc.returncode == 0 or out, f"chromium exited {proc.returncode} with no output"
    return out.decode()


class Tables(HTMLParser):
    """Cell texts of each table row, by table id, and the classes of status badges."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: dict[str, list[list[str]]] = {}
        self.badges: list[tuple[str, str]] = []
        self.scripts = 0
        self._table: str | None = None
        self._cell: list[str] | None = None
        self._badge: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "script":
            self.scripts += 1
        elif tag == "table":
            self._table = a.get("id") or ""
            self.rows[self._table] = []
        elif tag == "tr" and self._table is not None:
            self.rows[self._table].append([])
        elif tag == "td" and self._table is not None:
            self._cell = []
        elif tag == "span" and "status" in (a.get("class") or "").split():
            self._badge = a.get("class") or ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "table":
            self._table = None
        elif tag == "td" and self._table is not None and self._cell is not None:
            self.rows[self._table][-1].append("".join(self._cell).strip())
            self._cell = None
        elif tag == "span":
            self._badge = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)
        if self._badge is not None:
            self.badges.append((data.strip(), self._badge))


def test_chromium_shows_workflows_statuses_and_drift(server: Running, tmp_path: Path) -> None:
    dom = chromium(tmp_path, "--dump-dom", f"{server.url}/")
    page = Tables()
    page.feed(dom)

    workflows = [row for row in page.rows["workflows"] if row]
    assert [(r[0], r[1], r[2], r[3]) for r in workflows] == [
        ("orders_daily", "analytics", "workflows/orders_daily/workflow.yaml", "OutOfSync"),
        ("user_profile", "analytics", "workflows/user_profile/workflow.json", "Synced"),
        ("ads_report", "analytics", "workflows/ads_report.json", "Failed"),
        ("<script>alert('pwned')</script>", "marketing", "flows/x.yaml", "Progressing"),
    ]
    assert "not a known node type" in workflows[2][5]
    assert ("Failed", "status status-failed") in page.badges
    assert ("OutOfSync", "status status-outofsync") in page.badges

    sources = [row for row in page.rows["sources"] if row]
    assert [(r[0], r[1], r[3]) for r in sources] == [
        ("analytics", "https://gitlab.example.com/data/dataworks-flows.git", "OutOfSync"),
        ("marketing", "git@github.com:acme-data/marketing-flows.git", "Suspended"),
    ]
    assert "glpat-sample-token-1234" not in dom

    assert '<code class="path">/trigger/cron</code>' in dom
    assert "00 30 02 * * ?" in dom
    assert "AND status &lt;&gt; 'test'" in dom


def test_script_in_a_workflow_name_stays_text(server: Running, tmp_path: Path) -> None:
    dom = chromium(tmp_path, "--dump-dom", f"{server.url}/")
    page = Tables()
    page.feed(dom)
    assert page.scripts == 0, "an injected <script> element reached the DOM"
    assert "&lt;script&gt;alert('pwned')&lt;/script&gt;" in dom


def test_chromium_screenshot_of_the_page(server: Running, tmp_path: Path) -> None:
    shot = tmp_path / "status.png"
    chromium(tmp_path, f"--screenshot={shot}", "--window-size=1280,900", f"{server.url}/")
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    assert (width, height) == (1280, 900)
    assert len(data) > 20_000, "a blank page compresses to a few KB; the status page does not"
