"""The report in headless Chromium from file:// with the network disabled: no page errors and
every figure rendered (its SVG exists)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from analysis import build_report
from tests.fixtures import build_fixture_store

pytestmark = pytest.mark.browser

# Injected into a test copy of the page: record errors and console.error calls, then, after
# load, write per-figure SVG counts and the errors into the DOM that --dump-dom prints.
PROBE_HEAD = """<script>
window.__errors = [];
window.addEventListener('error', e => __errors.push('error: ' + (e.message || e.type)), true);
window.addEventListener('unhandledrejection', e => __errors.push('rejection: ' + e.reason));
const __ce = console.error; console.error = (...a) => { __errors.push('console: ' + a.join(' '));
  __ce.apply(console, a); };
</script>"""
PROBE_TAIL = """<script>
window.addEventListener('load', () => setTimeout(() => {
  const figs = {};
  document.querySelectorAll('.plotly-graph-div').forEach(d => {
    figs[d.id] = d.querySelectorAll('svg.main-svg').length; });
  const pre = document.createElement('pre'); pre.id = '__probe';
  pre.textContent = JSON.stringify({figs: figs, errors: __errors});
  document.body.appendChild(pre);
}, 1000));
</script>"""


def chromium() -> str:
    """The chromium binary; skipped when absent, but a failure under CI."""
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    if exe is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed but CI is set (apt-get install chromium)")
        pytest.skip("chromium not installed (Debian package `chromium`); browser test skipped")
    return exe


def run_chromium(exe: str, page: Path, profile: Path, *extra: str) -> subprocess.CompletedProcess:
    """Headless, sandbox off (root in containers), every network path closed."""
    args = [
        exe,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-extensions",
        f"--user-data-dir={profile}",
        "--proxy-server=127.0.0.1:9",
        "--host-resolver-rules=MAP * ~NOTFOUND",
        "--enable-logging=stderr",
        "--v=0",
        "--virtual-time-budget=10000",
        *extra,
        page.as_uri(),
    ]
    return subprocess.run(args, capture_output=True, text=True, timeout=180)


def test_report_renders_offline_without_errors(tmp_path: Path) -> None:
    """Every figure div gets its SVG, and no page error or console error is raised."""
    exe = chromium()
    store = build_fixture_store(tmp_path / "results.duckdb")
    page = build_report(store=store, out=tmp_path / "report.html").read_text(encoding="utf-8")
    expected = re.findall(r'id="(fig-[\w-]+)" class="plotly-graph-div"', page)
    assert len(expected) >= 7
    probe = tmp_path / "probe.html"
    probe.write_text(
        page.replace("<head>", "<head>" + PROBE_HEAD, 1).replace(
            "</body>", PROBE_TAIL + "</body>", 1
        ),
        encoding="utf-8",
    )
    proc = run_chromium(exe, probe, tmp_path / "profile", "--dump-dom")
    assert proc.returncode == 0, proc.stderr[-2000:]
    found = re.search(r'<pre id="__probe">(.*?)</pre>', proc.stdout, re.S)
    assert found is not None, "the probe never ran: page did not finish loading"
    result = json.loads(found.group(1).replace("&quot;", '"').replace("&amp;", "&"))
    assert result["errors"] == []
    assert sorted(result["figs"]) == sorted(expected)
    assert all(n >= 1 for n in result["figs"].values()), result["figs"]
    console = [
        ln
        for ln in proc.stderr.splitlines()
        if "CONSOLE" in ln and re.search(r"Uncaught|Error", ln)
    ]
    assert console == []
