"""The command `python -m runner.doctor.discover`: the plan file, left-out lines, exit 2."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from app.contract import REPO_ROOT
from runner.doctor.discover import discover, main
from runner.doctor.plan import from_json, to_json
from tests.doctor.conftest import SHOP

USER_APP = """
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route


async def hello(request):
    return PlainTextResponse("hi")


app = Starlette(routes=[Route("/hello", hello)])
"""


def run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "runner.doctor.discover", *args]
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=60)


def test_user_package_from_its_directory(tmp_path: Path) -> None:
    """Run from the directory holding the user's package, the app imports and is planned."""
    (tmp_path / "myservice").mkdir()
    (tmp_path / "myservice" / "__init__.py").write_text("")
    (tmp_path / "myservice" / "asgi.py").write_text(USER_APP)
    out = run(["myservice.asgi:app", "--out", "plan.json", "--first-call"], tmp_path)
    assert out.returncode == 0, out.stderr
    plan = from_json((tmp_path / "plan.json").read_text())
    assert [(r.name, r.handler and r.handler.qualname) for r in plan.routes] == [
        ("GET /hello", "myservice.asgi:hello")
    ]
    assert plan.probe_path == "/hello"


def test_bad_import_string_exits_2_with_one_line(tmp_path: Path) -> None:
    """An app that does not import: exit 2, one line on stderr, no traceback."""
    out = run(["nosuchpkg.asgi:app", "--out", "plan.json"], tmp_path)
    assert out.returncode == 2
    assert out.stderr == (
        "server.app='nosuchpkg.asgi:app': no module 'nosuchpkg' "
        "(run from the directory that holds it)\n"
    )
    assert not (tmp_path / "plan.json").exists()


@pytest.mark.parametrize(
    ("app", "line"),
    [
        ("tests.doctorapps.shop:nope", "'tests.doctorapps.shop' has no attribute 'nope'"),
        ("tests.doctorapps.shop:ITEMS", "a dict, not an ASGI app"),
        ("tests.doctorapps.shop", "expected 'package.module:attribute'"),
        ("tests.doctorapps.kinds:pbkdf2", "no Starlette or FastAPI router found inside it"),
        ("tests.doctorapps.broken:app", "importing 'tests.doctorapps.broken' failed: no module"),
        ("tests.doctorapps.badschema:app", "its OpenAPI schema cannot be built (a model the"),
    ],
)
def test_bad_app_exits_2_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], app: str, line: str
) -> None:
    """Each kind of bad app gives exit 2 and one line naming server.app, nothing else."""
    assert main([app, "--out", str(tmp_path / "plan.json")]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"server.app={app!r}: ") and line in err
    assert err.count("\n") == 1 and "Traceback" not in err


def test_app_without_routes_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A router with no HTTP route is bad input too."""
    assert main(["tests.doctorapps.empty:app", "--out", str(tmp_path / "p.json")]) == 2
    assert capsys.readouterr().err.endswith(": the app has no HTTP routes\n")


def test_two_runs_give_the_same_plan(tmp_path: Path) -> None:
    """Another process plans the same calls (derandomized), and prints each left-out route."""
    out = run([SHOP, "--out", str(tmp_path / "plan.json")], REPO_ROOT)
    assert out.returncode == 0, out.stderr
    assert out.stdout == "WebSocket /ws: not HTTP\n"
    assert (tmp_path / "plan.json").read_text() == to_json(discover(SHOP))
