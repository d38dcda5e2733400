"""The paragraphs: numbers come from the data; missing data names the command to run."""

from __future__ import annotations

import pytest

from analysis.core.aggregate import points
from analysis.core.fixes import fix_table
from analysis.core.noise import Sample
from analysis.sections import health, load, resources, sequential
from analysis.sections.loop import blocked_loop
from analysis.sections.register import registration
from analysis.sections.verdict.text import verdict
from tests.analysis.rows import grid_of, summary_row


def test_health_decomposition_states_handler_and_wait() -> None:
    """Client time is split into the handler's time and the waiting, with the share waited."""
    rows = [
        summary_row(
            endpoint="health",
            users=4,
            joined_client_ms=400.0,
            joined_server_ms=0.4,
            joined_wait_ms=399.6,
            avg_ms=400.0,
        )
    ]
    [para] = [p for p in health.paragraphs(points(rows), grid_of(rows)) if "health" in p]
    assert "400 ms on average at the client" in para
    assert "0.40 ms" in para and "400 ms (100 %) was waiting" in para


def test_registration_follows_model() -> None:
    """Measured means within 20 % of R = N*S/min(N,c) are reported as following the model."""
    rows = [summary_row(users=1, avg_ms=105.0), summary_row(users=4, avg_ms=410.0)]
    [para] = registration(points(rows), grid_of(rows))
    assert "follows the model within 5 %" in para
    assert "105 ms measured" in para and "100 ms modelled" in para


def test_registration_departure_is_quantified() -> None:
    """A point far below the model is reported with its signed gap and the reason."""
    rows = [
        summary_row("blocking", users=1, avg_ms=100.0),
        summary_row("blocking", users=4, avg_ms=200.0),
    ]
    [para] = registration(points(rows), grid_of(rows))
    assert "departs most at 4 users: 200 ms measured against 400 ms modelled (-50 %)" in para
    assert "ran faster" in para and "follows within 20 % at users = 1." in para


def test_pool_strategy_model_uses_every_core() -> None:
    """threadpool with 1 worker on 2 cores: c = 2, so 4 users at S = 100 ms model 200 ms."""
    rows = [summary_row("threadpool", users=4, avg_ms=210.0)]
    para = registration(points(rows), grid_of(rows))[0]
    assert "c = 2" in para and "follows the model within 5 %" in para


def test_blocked_loop_relates_stall_to_hash_time() -> None:
    """Stall per registration is total stall over registrations served, as a multiple of S."""
    cell = {"cell_id": "c0", "hashing": "blocking", "workers": 1, "users": 4, "hash_ms": 100.0}
    worst = {"c0": {"pid": 7, "p99_ms": 110.0, "max_ms": 300.0}}
    stalls = {"c0": {"stalls": 40, "stall_total_ms": 5000.0, "registrations": 50}}
    g = grid_of([summary_row(users=4)])
    paras = blocked_loop({"blocking": cell}, worst, stalls, g)
    assert "up to 300 ms late (p99 110 ms)" in paras[0]
    assert "longest stall lasted 3.0× the single-hash time S = 100 ms" in paras[0]
    assert "5.00 s over 50 registrations served: 100 ms of stalled loop" in paras[0]
    assert "(1.0× S)" in paras[0]
    assert "hashing=blocking,threadpool" in paras[1]


def test_missing_sections_name_the_command() -> None:
    """Without sequential cells the section gives the exact runner command that fills it."""
    rows = [summary_row(workers=2, users=5)]
    [para] = sequential.paragraphs([], grid_of(rows))
    # the same sweep again: baseline=true (the default) adds the sequential cells, the rest
    # is already stored and skipped
    assert "`python -m runner -m workers=2 users=5 hashing=blocking duration=10`" in para
    assert "baseline=true" in para


def test_one_user_count_asks_for_more() -> None:
    """A sweep with one user count says which user counts to add."""
    rows = [summary_row(users=5), summary_row(users=5, endpoint="health")]
    paras = load.paragraphs(points(rows), grid_of(rows))
    assert any("users=1,5,10" in p for p in paras)
    assert "No request failed in any cell." in paras


def test_load_generator_warning() -> None:
    """A load generator averaging above 80 % of a core triggers the suspect-timings warning."""
    res = [
        {
            "label": "blocking · 1 w · 10 u",
            "role": "load_generator",
            "cpu_avg_percent": 85.0,
            "cpu_max_percent": 99.0,
            "rss_max_bytes": 2**20,
        },
        {
            "label": "blocking · 1 w · 1 u",
            "role": "load_generator",
            "cpu_avg_percent": 20.0,
            "cpu_max_percent": 30.0,
            "rss_max_bytes": 2**20,
        },
    ]
    paras = resources.paragraphs(res, grid_of([summary_row()]))
    [warning] = [p for p in paras if p.startswith("Warning")]
    assert "blocking · 1 w · 10 u" in warning and "1 w · 1 u" not in warning
    assert "load.processes=2" in warning


def test_verdict_sentences_from_table() -> None:
    """The verdict names the calmer strategy from the raw health rows, with intervals and n,
    and the fastest one with its registrations behind the figure."""
    rows = [  # no server CPU stored: held against cores / S
        summary_row("blocking", users=4, rps=8.0, requests=80, cpu_avg_percent=None),
        summary_row("blocking", users=4, endpoint="health", p95_ms=400.0),
        summary_row(
            "threadpool", users=4, rps=18.0, loop_lag_p99_ms=1.0, requests=180, cpu_avg_percent=None
        ),
        summary_row("threadpool", users=4, endpoint="health", p95_ms=4.0, loop_lag_p99_ms=1.0),
    ]
    samples = [
        Sample("blocking", tuple(300.0 + k for k in range(100))),
        Sample("threadpool", tuple(3.0 + k / 100 for k in range(120))),
    ]
    paras = verdict(fix_table(points(rows)), grid_of(rows), samples)
    assert paras[0].startswith("To keep the server responsive, use threadpool: at 4 users")
    assert "beyond noise" in paras[0]
    assert "threadpool median 3.6 ms" in paras[0] and "n = 120" in paras[0]
    assert "blocking median 350 ms" in paras[0] and "n = 100" in paras[0]
    assert "threadpool reached 18.0 registrations/s (n = 180 registrations" in paras[1]
    assert "90 % of the ceiling of 20.0/s (cores / S)" in paras[1]
    assert "cannot be" not in paras[1]


def test_throughput_above_its_ceiling_is_an_inconsistency_of_s() -> None:
    """No cell can beat c / S: above 100 % (no server CPU stored) the text blames S, not the
    strategy."""
    rows = [
        summary_row("blocking", users=4, rps=8.0, requests=80, cpu_avg_percent=None),
        summary_row("threadpool", users=4, rps=21.4, requests=214, cpu_avg_percent=None),
    ]
    paras = verdict(fix_table(points(rows)), grid_of(rows))
    text = next(p for p in paras if p.startswith("For throughput"))
    assert "107 % of the ceiling, which cannot be" in text
    assert "an inconsistency of S, not a result" in text
    assert "sync_def and processpool were not part of this sweep" in paras[2]


def test_throughput_is_held_against_its_own_cells_cpu() -> None:
    """With the server's CPU stored, the best cell is held against cores over its own CPU per
    registration (the share of the cores kept busy, never above 100 %), and cores / S stays
    beside it when the cell beat that: S was measured on a slower machine."""
    rows = [
        summary_row("blocking", users=4, rps=8.0, requests=80, cpu_avg_percent=100.0),
        summary_row("threadpool", users=4, rps=21.4, requests=214, cpu_avg_percent=196.0),
    ]
    [r] = [x for x in fix_table(points(rows)) if x.hashing == "threadpool"]
    assert r.cpu_ms == pytest.approx(10 * 196 / 21.4)
    assert r.fraction == pytest.approx(0.98)
    assert r.model_fraction == pytest.approx(1.07)
    paras = verdict(fix_table(points(rows)), grid_of(rows))
    text = next(p for p in paras if p.startswith("For throughput"))
    assert (
        "98 % of its ceiling (21.8/s: 2 cores / the 92 ms of server CPU per registration in "
        "that cell), above cores / S = 20.0/s: S = 100 ms was measured while the machine ran "
        "slower" in text
    )
    assert "cannot be" not in text
    assert "against 50 % for blocking" in text  # one core of two busy


def test_uneven_workers_explain_a_slow_multi_worker_point() -> None:
    """2 workers, the busiest serving 100 %: the departure names the unspread load."""

    def rows(share: float, used: int) -> list[dict[str, object]]:
        return [
            summary_row("blocking", workers=2, users=1, avg_ms=100.0),
            summary_row(
                "blocking",
                workers=2,
                users=4,
                avg_ms=400.0,
                busiest_worker_share=share,
                workers_used=used,
            ),
        ]

    para = registration(points(rows(1.0, 1)), grid_of(rows(1.0, 1)))[0]
    assert "+100 %" in para and "did not spread over the 2 workers" in para
    even = registration(points(rows(0.5, 2)), grid_of(rows(0.5, 2)))[0]
    assert "did not spread" not in even
