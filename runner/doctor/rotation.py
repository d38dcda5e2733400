"""Which call the doctor's load sends next (pure): routes in turn for an even mix, each route
alone for the sequential pass, and each route's few calls in turn within it."""

from __future__ import annotations

from collections.abc import Iterator

from runner.doctor.plan import Call, Plan, PlannedRoute

Send = tuple[PlannedRoute, Call]


class Rotation:
    """Hands out the plan's routes in turn (equal shares), each route's calls in turn."""

    def __init__(self, routes: tuple[PlannedRoute, ...]) -> None:
        if not routes:
            raise ValueError("the call plan has no routes to send")
        self.routes = routes
        self.sent = 0
        self.per_route = [0] * len(routes)

    def call_of(self, index: int) -> Send:
        """The next call of route `index`."""
        route = self.routes[index]
        call = route.calls[self.per_route[index] % len(route.calls)]
        self.per_route[index] += 1
        return route, call

    def next(self) -> Send:
        """The next route's next call."""
        index = self.sent % len(self.routes)
        self.sent += 1
        return self.call_of(index)


def sequence(plan: Plan, n: int) -> Iterator[Send]:
    """n consecutive calls of each route in plan order (each route's latency alone)."""
    rotation = Rotation(plan.routes)
    for index in range(len(plan.routes)):
        for _ in range(n):
            yield rotation.call_of(index)


def warmup_route(plan: Plan) -> PlannedRoute:
    """The route to warm up on: the probe path's (the cheapest), else the plan's first."""
    for route in plan.routes:
        if plan.probe_path is not None and route.path == plan.probe_path:
            return route
    return plan.routes[0]
