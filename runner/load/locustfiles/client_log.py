"""Added to a user's own locustfile (`scenario.locustfile=<path>`): importing `common` registers
the client-row logger and the wait for the target, so a user's load is recorded like ours."""

from runner.load.locustfiles import common  # noqa: F401  (its listeners are the point)
