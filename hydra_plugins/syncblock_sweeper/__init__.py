"""syncblock's Hydra sweeper plugin (see syncblock_sweeper.py)."""
