"""Figures and text -> one self-contained HTML string, through the Jinja2 template
`analysis/templates/report.html` (autoescape on): `page` computes a plain dict, the template
lays it out; plotly.js is embedded once, each figure is Plotly's own HTML fragment. No file
access here but reading the template."""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache
from typing import Any

import jinja2
import plotly.offline
from markupsafe import Markup, escape

from analysis.core.section import Section
from analysis.core.service import describe
from app.contract import DEFAULT_APP

STUDY_TITLE = "syncblock: what a blocking bcrypt call does to an asyncio server"

PLOTLY_CONFIG = {"displaylogo": False, "responsive": True}


def prose(s: str) -> Markup:
    """Escape a generated sentence; `backticked` spans become <code>."""
    return Markup(re.sub(r"`([^`]+)`", r"<code>\1</code>", str(escape(s))))


@cache
def _template() -> jinja2.Template:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("analysis", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )
    env.filters["prose"] = prose
    return env.get_template("report.html")


def _shown(rows: Sequence[tuple[str, Any]]) -> list[tuple[str, str]]:
    """The (key, value) rows that have a value, as text."""
    return [(k, str(v)) for k, v in rows if v not in (None, "", [])]


def _run(h: dict[str, Any]) -> list[tuple[str, str]]:
    """The "What was run" rows: the sweep, the grid, the durations and S."""
    g = h["grid"]
    sweeps = h["sweeps"]
    dur = g.values("duration_s")
    warm = g.values("warmup_s")
    rows: list[tuple[str, Any]] = [
        ("sweep", ", ".join(h["sweep_ids"])),
        ("started", ", ".join(str(s.get("started_at"))[:19] for s in sweeps)),
        ("command", "; ".join(s.get("argv") or "" for s in sweeps)),
        ("cells", f"{g.ok} ok, {g.failed} not ok"),
    ]
    study = _study(h)
    if not study:  # a user's app: hashing, bcrypt and S are knobs of the study's app only
        rows.append(("app", ", ".join(h.get("apps") or [])))
    dims: tuple[str, ...] = ("hashing", "workers", "users", "scenario", "db", "bcrypt_rounds")
    dims = (*dims, "repeat") if study else ("workers", "users", "scenario", "repeat")
    rows += [(dim, ", ".join(str(v) for v in g.values(dim))) for dim in dims]
    rows += [  # how connections reached the workers: it decides how the load spreads
        (f"{dim} ({meaning})", ", ".join(g.values(dim)) or "persistent, shared (before schema v4)")
        for dim, meaning in (
            ("connections", "persistent: kept alive per user; per_request: new per request"),
            ("balance", "shared: uvicorn --workers, one socket; reuseport: a socket per worker"),
        )
    ]
    rows.append(
        (
            "per cell",
            f"{', '.join(f'{v:g}' for v in dur)} s measured after "
            f"{', '.join(f'{v:g}' for v in warm)} s warm-up; a closed-loop load counts the "
            "requests answered inside that window, an open loop or the sequential scenario "
            "those sent inside it"
            if dur
            else "",
        )
    )
    if h["service"] and study:
        used = "; ".join(describe(s) for s in h["service"].values())
        rows.append(("S, one registration alone", used))
    return _shown(rows)


def _study(h: dict[str, Any]) -> bool:
    """Did the cells serve the study's own app (or record none)?"""
    apps = h.get("apps") or []
    return not apps or DEFAULT_APP in apps


def _machine(sweeps: Sequence[dict[str, Any]]) -> list[tuple[str, str]]:
    """The "Machine" rows of the newest sweep ([] when no sweep row is stored)."""
    if not sweeps:
        return []
    s = sweeps[-1]
    pv = s.get("package_versions") or {}
    mem = s.get("mem_total_bytes")
    return _shown(
        [
            ("host", s.get("hostname")),
            ("CPU", f"{s.get('cpu_model')} × {s.get('cpu_count')}"),
            ("memory", f"{mem / 2**30:.1f} GiB" if mem else None),
            ("Python", s.get("python_version")),
            (
                "packages",
                ", ".join(f"{k} {v}" for k, v in sorted(pv.items()))
                if isinstance(pv, dict)
                else str(pv),
            ),
            ("git sha", s.get("git_sha")),
        ]
    )


def _section(s: Section) -> dict[str, Any]:
    return {
        "anchor": s.anchor,
        "title": f"{s.number}. {s.title}",
        "name": s.title,
        "question": s.question,
        "table": s.table,
        "figures": [
            {
                "html": Markup(
                    fig.to_html(
                        full_html=False,
                        include_plotlyjs=False,
                        config=PLOTLY_CONFIG,
                        div_id=f"fig-{s.anchor}-{k + 1}",
                    )
                ),
                "caption": caption,
            }
            for k, (fig, caption) in enumerate(s.figures)
        ],
        "paragraphs": with_answers(s),
    }


# a number with its unit, as the report writes them (core/wording.py: ms, pct, times)
NUMBER = re.compile(r"\d[\d.,]*(?: ms| s| %|×| MiB)")


def with_answers(s: Section) -> list[str]:
    """The section's paragraphs, led by each of its answers that quotes a number its own text
    does not (one the section shows only in a figure): "In short: ...", so every number at
    the top of the page is in the section it links to."""
    own = " ".join([*s.paragraphs, *(cap for _, cap in s.figures)])
    lead = [
        f"In short: {a.text}"
        for a in s.answers
        if any(n not in own for n in NUMBER.findall(a.text))
    ]
    return lead + list(s.paragraphs)


def _answering(sections: Sequence[Section]) -> list[Section]:
    """The sections whose answers open the page: the doctor's ranking alone when it gave one
    (a user's app), else every section's, in page order."""
    doctor = [s for s in sections if s.anchor == "doctor" and s.answers]
    return doctor or list(sections)


def page(h: dict[str, Any], sections: Sequence[Section]) -> dict[str, Any]:
    """Everything the template shows, as plain values (figures as their HTML fragments)."""
    return {
        "sweep_ids": h["sweep_ids"],
        "generated": h["generated"],
        "store": h["store"],
        "run": _run(h),
        "title": STUDY_TITLE
        if _study(h)
        else f"syncblock: what blocks the event loop of {', '.join(h.get('apps') or [])}",
        "machine": _machine(h["sweeps"]),
        "failed": h["failed"],
        "overlap": h.get("overlap") or "",
        "sections": [_section(s) for s in sections],
        "answers": [
            {
                "question": a.question,
                "text": a.text,
                "anchor": s.anchor,
                "title": s.title,
                "number": s.number,
            }
            for s in _answering(sections)
            for a in s.answers
        ],
        "plotly_js": Markup(plotly.offline.get_plotlyjs()),
    }


def render(h: dict[str, Any], sections: Sequence[Section]) -> str:
    """The whole page as one string."""
    return _template().render(page(h, sections))
