"""The row of a cell whose SLURM job ended without storing it (scancel, its time limit, a dead
node): stored `failed` with the job's state as the reason, so the sweep counts it, the report
names it, and a resume runs it again (only `ok` cells are skipped)."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from pathlib import Path

from omegaconf import DictConfig

from runner.cell import CellResult, store_cell
from runner.cluster.wait import Lost
from runner.plan.cellrow import Where, base_record
from runner.plan.config import validate
from runner.store import connection, sweep_id_for
from runner.store.redact import redact_data


def reason(lost: Lost) -> str:
    """The failed cell's one line (pure)."""
    where = f" on {lost.entry.node}" if lost.entry.node else ""
    return f"SLURM job {lost.job_id} ended {lost.state}{where} before its cell was stored"


def record_lost(config: DictConfig, job_num: int, lost: Lost) -> CellResult:
    """Store the job's cell as failed, unless the job stored it before it ended."""
    spec = validate(config)
    sweep_dir = Path(config.hydra.sweep.dir)
    where = Where((sweep_dir / str(config.hydra.sweep.subdir)).resolve(), sweep_id_for(sweep_dir),
                  job_num)  # fmt: skip
    rec = base_record(spec, where)
    rec = dataclasses.replace(
        rec,
        error=reason(lost),
        finished_at=datetime.now(UTC),
        host=lost.entry.node or None,
        slurm_job_id=lost.entry.slurm_job_id or None,
    )
    params = redact_data(spec.measurement())
    with connection(spec.store) as con:
        row = con.execute("SELECT status FROM cells WHERE cell_id = ?", [rec.cell_id]).fetchone()
    if row is not None:  # the job stored its cell, then died before writing its result
        return CellResult(spec.key, str(row[0]), params, cell_id=rec.cell_id)
    store_cell(spec.store, rec, None)
    return CellResult(spec.key, "failed", params, cell_id=rec.cell_id, error=rec.error)
