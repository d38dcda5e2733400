"""Hydra configs of syncblock (a package so `python -m runner` finds them as pkg://conf)."""
