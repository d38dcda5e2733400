"""One declaration per config axis: the config schema, the cell key, the cells row and the
store's table all follow CellSpec's `axis` fields, and a test names the list that lacks one."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import duckdb
import hydra
from hydra import initialize_config_dir
from omegaconf import DictConfig, OmegaConf

from runner.plan.config import validate
from runner.plan.spec import AXIS, AXIS_KEY_NAMES, axes, keyed_axes, stored_axes
from runner.store.records import CellRecord, columns

_ABSENT = object()
CONF = Path(__file__).resolve().parents[2] / "conf"


def compose(*overrides: str) -> DictConfig:
    with initialize_config_dir(config_dir=str(CONF), version_base="1.3"):
        return hydra.compose(config_name="config", overrides=list(overrides))


def _cells_columns() -> set[str]:
    sql = resources.files("runner.store").joinpath("schema.sql").read_text()
    con = duckdb.connect()
    con.execute(sql)
    return {r[0] for r in con.execute("DESCRIBE cells").fetchall()}


def test_every_axis_reads_a_config_key_the_schema_declares() -> None:
    """Each axis' dotted config path exists in the structured-config schema."""
    cfg = compose()
    paths = [f.metadata[AXIS]["conf"] for f in axes()]
    missing = [p for p in paths if OmegaConf.select(cfg, p, default=_ABSENT) is _ABSENT]
    assert not missing, f"runner/plan/schema.py lacks: {missing}"


def test_every_keyed_axis_is_in_the_measurement() -> None:
    """The cell key hashes every keyed axis, and changing one changes the key."""
    spec = validate(compose())
    names = {AXIS_KEY_NAMES.get(f.name, f.name) for f in keyed_axes()}
    assert not names - spec.measurement().keys(), (
        f"measurement() lacks {names - spec.measurement().keys()}"
    )
    assert validate(compose("repeat=2")).key != spec.key


def test_every_stored_axis_has_a_record_field_and_a_column() -> None:
    """cells.<column> exists for every stored axis, in the record and in schema.sql."""
    record = set(columns(CellRecord))
    table = _cells_columns()
    no_field = sorted(set(stored_axes().values()) - record)
    no_column = sorted(set(stored_axes().values()) - table)
    assert not no_field, f"runner/store/records.py CellRecord lacks: {no_field}"
    assert not no_column, f"runner/store/schema.sql cells lacks: {no_column}"


def test_record_and_table_agree() -> None:
    """Every CellRecord field is a column of cells, and the reverse."""
    record, table = set(columns(CellRecord)), _cells_columns()
    assert not record - table, f"schema.sql cells lacks: {sorted(record - table)}"
    assert not table - record, f"CellRecord lacks: {sorted(table - record)}"
