"""`python -m runner`: see runner/cli.py."""

import sys

from runner import outcome
from runner.cli import main
from runner.processes import interrupt

interrupt.install()  # SIGTERM and SIGHUP take Ctrl-C's path
try:
    main()
    sys.exit(outcome.finish())
except KeyboardInterrupt as exc:
    # Every process of the interrupted cell is already stopped (context managers) and the
    # store holds only whole cells: say so in one line instead of a traceback.
    interrupt.settle()  # a parallel launcher's jobs, told to stop, end first
    print(interrupt.message(exc), file=sys.stderr)
    sys.exit(interrupt.exit_code(exc))
