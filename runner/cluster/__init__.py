"""Cells as SLURM jobs: the jobs' states without accounting (`squeue.py`), and the row of a cell
whose job ended without storing it (`lost.py`). The launcher is hydra_plugins/syncblock_launcher."""
