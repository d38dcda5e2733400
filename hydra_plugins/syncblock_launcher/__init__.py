"""syncblock's SLURM launcher: hydra-submitit-launcher's, with bounded waits (see slurm.py)."""
