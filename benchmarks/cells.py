"""Real cells for the benchmarks: configs composed exactly as Hydra composes them for
`python -m runner`, run through `run_cell` into a benchmark store, read back from it."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import duckdb
from hydra import compose, initialize_config_dir
from omegaconf import DictConfig

from runner.cell import CellResult, run_cell

CONF = Path(__file__).resolve().parents[1] / "conf"


def compose_cell(overrides: Sequence[str]) -> DictConfig:
    """The cell config `python -m runner <overrides>` would run (validated by run_cell)."""
    with initialize_config_dir(config_dir=str(CONF), version_base="1.3"):
        return compose(config_name="config", overrides=list(overrides))


def cell_overrides(
    *, store: Path, rounds: int, warmup: float, duration: float, **keys: Any
) -> list[str]:
    """Hydra overrides of a benchmark cell: always resume=false, so it really runs (pure)."""
    base = {
        "store": str(store),
        "bcrypt_rounds": rounds,
        "warmup": warmup,
        "duration": duration,
        "resume": "false",
    }
    return [f"{k}={v}" for k, v in {**base, **keys}.items()]


def run_bench_cell(
    overrides: Sequence[str], cell_dir: Path, sweep_id: str, job_num: int
) -> CellResult:
    """Run one real cell; raises when it failed (a benchmark needs its numbers)."""
    result = run_cell(
        compose_cell(overrides), cell_dir=cell_dir, sweep_id=sweep_id, job_num=job_num
    )
    if result.status != "ok":
        raise RuntimeError(f"cell {cell_dir.name} {result.status}: {result.error}")
    return result


def rows(store: Path, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
    """A read-only query on a store, as dicts."""
    con = duckdb.connect(str(store), read_only=True)
    try:
        cur = con.execute(sql, list(params))
        names = [d[0] for d in cur.description or []]
        return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]
    finally:
        con.close()


def summary(store: Path, cell_id: str) -> dict[str, dict[str, Any]]:
    """cell_summary rows of a cell, by endpoint."""
    found = rows(store, "SELECT * FROM cell_summary WHERE cell_id = ?", [cell_id])
    return {r["endpoint"]: r for r in found}


def cell_row(store: Path, cell_id: str) -> dict[str, Any]:
    return rows(store, "SELECT * FROM cells WHERE cell_id = ?", [cell_id])[0]
