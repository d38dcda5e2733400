"""`python -m runner --help` is syncblock's own help (conf/hydra/help/syncblock.yaml)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from hydra import compose, initialize_config_dir
from omegaconf import DictConfig, OmegaConf

ROOT = Path(__file__).resolve().parents[2]
GROUPS = ("scenario", "hashing", "work", "db")  # config groups: named by the group alone


def user_keys() -> list[str]:
    """Every key a user sets: top-level keys, and the leaves under the plain nested ones."""
    with initialize_config_dir(config_dir=str(ROOT / "conf"), version_base="1.3"):
        cfg = compose(config_name="config")
    keys = []
    for key, value in cfg.items():
        if isinstance(value, DictConfig) and key not in GROUPS:
            keys += [f"{key}.{sub}" for sub in OmegaConf.to_container(value)]  # type: ignore[union-attr]
        else:
            keys.append(str(key))
    return keys


def test_help_names_the_tool_the_main_job_and_every_key() -> None:
    """The help starts with syncblock, shows the main job, and explains each key on its line."""
    done = subprocess.run(
        [sys.executable, "-m", "runner", "--help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    text = done.stdout
    assert text.startswith("syncblock:") and "powered by Hydra" not in text
    assert "python -m runner -m workers=1,2,4 users=1,5,10,15,20" in text
    keys_part = text.split("== Keys", 1)[1].split("==", 2)[1]
    explained = {line.split()[0] for line in keys_part.splitlines() if line.startswith("  ")}
    missing = [k for k in user_keys() if k not in explained]
    assert not missing, f"keys without a line in conf/hydra/help/syncblock.yaml: {missing}"
