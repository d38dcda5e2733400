"""`python -m runner`: see runner/cli.py."""

import sys

from runner.cli import main

try:
    main()
except KeyboardInterrupt:
    # Every process of the interrupted cell is already stopped (context managers) and the
    # store holds only whole cells: say so in one line instead of a traceback.
    print(
        "syncblock: interrupted; finished cells are stored, the interrupted one is not. "
        "Run the same command again to finish the sweep (resume=true).",
        file=sys.stderr,
    )
    sys.exit(130)
