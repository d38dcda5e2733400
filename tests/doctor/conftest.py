"""Plans of the test apps, discovered once per session (generation and first calls cost ~s)."""

from __future__ import annotations

import pytest

from runner.doctor.discover import discover
from runner.doctor.plan import Plan

SHOP = "tests.doctorapps.shop:app"
KINDS = "tests.doctorapps.kinds:app"
PLAIN = "tests.doctorapps.plain:app"


@pytest.fixture(scope="session")
def shop_plan() -> Plan:
    return discover(SHOP, first_call=True)


@pytest.fixture(scope="session")
def kinds_plan() -> Plan:
    return discover(KINDS, first_call=True)


@pytest.fixture(scope="session")
def plain_plan() -> Plan:
    return discover(PLAIN, first_call=True)
