"""Pure pieces of the runner: locust argv, client rows, progress text, sweep ids, S."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

from runner.cell import CellResult, one_line
from runner.load.loadgen import LoadPlan, locust_argv
from runner.load.locustfiles.rows import client_row
from runner.progress import cell_text, eta_s
from runner.serve.hashtime import median_hash_ms
from runner.store.session import sweep_id_for

PARAMS = {"scenario": "mixed", "hashing": "blocking", "workers": 2, "users": 5, "repeat": 1}


def test_locust_argv_headless_with_csv_and_deadline(tmp_path: Path) -> None:
    """Timed plans pass -t warmup+duration; --processes only when more than one."""
    plan = LoadPlan("mixed.py", "http://127.0.0.1:9", users=5, spawn_rate=5, run_time_s=23)
    argv = locust_argv(plan, tmp_path)
    assert argv[argv.index("-t") + 1] == "23s" and "--processes" not in argv
    assert {"--headless", "--csv-full-history", "--only-summary"} <= set(argv)
    assert argv[argv.index("--csv") + 1] == str(tmp_path / "locust")
    two = locust_argv(LoadPlan("health.py", "h", 4, 4, None, processes=2), tmp_path)
    assert two[two.index("--processes") + 1] == "2" and "-t" not in two


def test_client_row_reads_request_id_back_and_path() -> None:
    """The row takes X-Request-ID from the response, else the sent one; status 0 without one."""
    resp = SimpleNamespace(headers={"X-Request-ID": "abc"}, status_code=201)
    row = client_row(
        request_type="POST",
        url="http://h:1/api/users/register/?x=1",
        name="n",
        response=resp,
        exception=None,
        start_time=1.5,
        response_time=2.5,
        context={"request_id": "sent"},
        pid=7,
    )
    assert row["request_id"] == "abc" and row["path"] == "/api/users/register/"
    assert (row["status"], row["ok"], row["error"], row["pid"]) == (201, True, None, 7)
    lost = client_row(
        request_type="GET",
        url=None,
        name="/api/health/",
        response=None,
        exception=ConnectionError("refused"),
        start_time=1.0,
        response_time=0.1,
        context={"request_id": "sent"},
        pid=7,
    )
    assert (lost["request_id"], lost["status"], lost["ok"]) == ("sent", 0, False)
    assert lost["error"] == "refused" and lost["path"] == "/api/health/"


def test_progress_line_shows_headline_numbers_or_reason() -> None:
    """An ok line shows register/health avg ms, rps and failures; a failed one its reason."""
    ok = CellResult(
        "k",
        "ok",
        PARAMS,
        wall_s=25.0,
        endpoints={
            "/api/users/register/": {"avg_ms": 812.4, "rps": 4.0, "failures": 0},
            "/api/health/": {"avg_ms": 250.0, "rps": 1.0, "failures": 2},
        },
    )
    text = cell_text(ok).plain
    assert "register 812 ms" in text and "health 250 ms" in text
    assert "5.0 rps" in text and "2 failures" in text and "w=2" in text
    failed = cell_text(CellResult("k", "failed", PARAMS, error="ServerStartError: boom")).plain
    assert "failed" in failed and "ServerStartError: boom" in failed


def test_progress_line_names_the_axes_off_their_defaults() -> None:
    """A cell of another work kind, database or open-loop rate says so on its line."""
    plain = CellResult("k", "ok", PARAMS | {"work": "bcrypt", "db": "sqlite"})
    assert "[" not in cell_text(plain).plain
    odd = PARAMS | {"work": "gil_c", "db": "postgres", "arrival": "open", "rate": 4.0}
    assert "[gil_c · postgres · open 4/s]" in cell_text(CellResult("k", "ok", odd)).plain


def test_eta_is_mean_cell_time_times_cells_left() -> None:
    """ETA = mean wall time of run cells x remaining; unknown without a total or a sample."""
    assert eta_s([10.0, 20.0], done=2, total=6) == 60.0
    assert eta_s([], done=1, total=6) is None and eta_s([5.0], 1, None) is None


def test_sweep_id_is_stable_per_directory(tmp_path: Path) -> None:
    """Every job of a multirun derives the same sweep id; another dir gives another id."""
    a = sweep_id_for(tmp_path / "2026-01-01_10-00-00")
    assert a == sweep_id_for(tmp_path / "2026-01-01_10-00-00")
    assert a.startswith("2026-01-01_10-00-00-")
    assert a != sweep_id_for(tmp_path / "x" / "2026-01-01_10-00-00")


def test_server_env_puts_db_and_logs_in_the_cell(tmp_path: Path, cell_spec: Any) -> None:
    """The app's database and logs live in the cell dir; hashing and cost pass through."""
    spec = cell_spec("hashing=threadpool", "bcrypt_rounds=10")
    env = spec.server_env(tmp_path)
    assert env["SYNCBLOCK_DB_URL"] == f"sqlite:///{tmp_path}/app.db"
    assert env["SYNCBLOCK_LOG_DIR"] == str(tmp_path / "server")
    assert (env["SYNCBLOCK_HASHING"], env["SYNCBLOCK_BCRYPT_ROUNDS"]) == ("threadpool", "10")


def test_one_line_keeps_type_and_first_line() -> None:
    """Failure reasons stored in cells.error are one line with the exception type."""
    assert one_line(RuntimeError("first\nsecond")) == "RuntimeError: first"


def test_hash_time_grows_with_cost() -> None:
    """S at cost 8 is clearly longer than at cost 4 (each round doubles the work)."""
    assert median_hash_ms(8) > 2 * median_hash_ms(4) > 0
