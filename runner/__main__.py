"""`python -m runner`: see runner/cli.py."""

from runner.cli import main

main()
