"""Figures and text -> one self-contained HTML string: plotly.js embedded once, then each
figure as a div. No file access here."""

from __future__ import annotations

import html
import math
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import plotly.offline

from analysis.verdict import FixRow, best_of
from analysis.wording import ms, num, pct

if TYPE_CHECKING:
    from analysis.report import Section

PLOTLY_CONFIG = {"displaylogo": False, "responsive": True}
CSS = """
body { font: 15px/1.5 Georgia, "Times New Roman", serif; color: #222; margin: 0 auto;
       max-width: 1180px; padding: 24px 32px 64px; }
h1 { font: 600 26px/1.2 Helvetica, Arial, sans-serif; margin: 0 0 4px; }
h2 { font: 600 20px/1.3 Helvetica, Arial, sans-serif; margin: 40px 0 4px;
     border-top: 1px solid #ddd; padding-top: 16px; }
.question { font-style: italic; color: #555; margin: 0 0 12px; }
.sub { color: #555; margin: 0 0 16px; }
table { border-collapse: collapse; font: 13px/1.4 Helvetica, Arial, sans-serif; margin: 8px 0; }
th, td { border-bottom: 1px solid #e3e3e3; padding: 4px 10px; text-align: left;
         vertical-align: top; }
th { background: #f5f5f5; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
td.best { font-weight: 700; background: #eef8ee; }
code { font: 12.5px Menlo, Consolas, monospace; background: #f3f3f3; padding: 1px 4px; }
figure { margin: 12px 0 8px; break-inside: avoid; }
figcaption { font: 13px/1.4 Helvetica, Arial, sans-serif; color: #555; margin-top: 2px; }
.failed td { color: #8e1c1c; }
.meta { display: grid; grid-template-columns: 1fr 1fr; gap: 0 32px; }
nav ol { columns: 2; font: 14px Helvetica, Arial, sans-serif; }
@media print { body { max-width: none; padding: 0; } .modebar { display: none !important; }
               h2 { break-after: avoid; } }
"""


def _text(s: str) -> str:
    """Escape a generated sentence; `backticked` spans become <code>."""
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", html.escape(s, quote=False))


def _kv(rows: Sequence[tuple[str, Any]]) -> str:
    body = "".join(
        f"<tr><th>{html.escape(k)}</th><td>{html.escape(str(v))}</td></tr>"
        for k, v in rows
        if v not in (None, "", [])
    )
    return f"<table>{body}</table>"


def _run(h: dict[str, Any]) -> str:
    g = h["grid"]
    sweeps = h["sweeps"]
    dur = g.values("duration_s")
    warm = g.values("warmup_s")
    lo, hi = h["hash_ms"]
    rows: list[tuple[str, Any]] = [
        ("sweep", ", ".join(h["sweep_ids"])),
        ("started", ", ".join(str(s.get("started_at"))[:19] for s in sweeps)),
        ("command", "; ".join(s.get("argv") or "" for s in sweeps)),
        ("cells", f"{g.ok} ok, {g.failed} not ok"),
    ]
    rows += [
        (dim, ", ".join(str(v) for v in g.values(dim)))
        for dim in ("hashing", "workers", "users", "scenario", "db", "bcrypt_rounds", "repeat")
    ]
    rows += [  # how connections reached the workers (issue 9)
        (
            f"{dim} ({meaning})",
            ", ".join(str(v) for v in g.values(dim)) or "persistent, shared (before schema v4)",
        )
        for dim, meaning in (
            ("connections", "persistent: kept alive per user; per_request: new per request"),
            ("balance", "shared: uvicorn --workers, one socket; reuseport: a socket per worker"),
        )
    ]
    rows.append(
        (
            "per cell",
            f"{', '.join(f'{v:g}' for v in dur)} s measured after "
            f"{', '.join(f'{v:g}' for v in warm)} s warm-up"
            if dur
            else "",
        )
    )
    if not math.isnan(lo):
        used = ", ".join(f"{ms(v)} at cost {k}" for k, v in sorted(h["service_ms"].items()))
        rows.append(
            (
                "one hash, S",
                f"{used}: the fastest of {h['measured']} per-cell "
                f"measurements ({ms(lo)} to {ms(hi)}; a busy machine only slows them)",
            )
        )
    return _kv(rows)


def _machine(sweeps: Sequence[dict[str, Any]]) -> str:
    if not sweeps:
        return "<p>No sweep row is stored, so the machine is unknown.</p>"
    s = sweeps[-1]
    pv = s.get("package_versions") or {}
    mem = s.get("mem_total_bytes")
    return _kv(
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


def _failed(failed: Sequence[dict[str, Any]]) -> str:
    if not failed:
        return "<p>Every cell completed.</p>"
    rows = "".join(
        f"<tr><td>{f['job']}</td><td>{html.escape(f['label'])}</td>"
        f"<td>{html.escape(f['status'])}</td><td>{html.escape(f['error'])}</td></tr>"
        for f in failed
    )
    return (
        "<table class='failed'><tr><th>job</th><th>cell</th><th>status</th><th>reason</th>"
        f"</tr>{rows}</table>"
    )


def _fix_table(rows: Sequence[FixRow]) -> str:
    r0 = rows[0]
    at = f"{r0.users} users" + (f", {r0.workers} w" if r0.workers else "")
    cols = [
        ("health_p95_ms", f"/api/health/ p95 at {at}", True, ms),
        ("best_rps", "best register rps", False, lambda v: num(v, 2)),
        ("fraction", "of ceiling (cores / S)", False, pct),
        ("lag_p99_ms", f"loop lag p99 at {at}", True, ms),
    ]
    best = {a: best_of(rows, a, low) if len(rows) > 1 else None for a, _, low, _ in cols}
    head = "".join(f"<th>{html.escape(t)}</th>" for _, t, _, _ in cols)
    body = ""
    for r in rows:
        cells = "".join(
            f"<td class='num{' best' if best[a] == r.hashing else ''}'>"
            f"{f(getattr(r, a))}{' ★' if best[a] == r.hashing else ''}</td>"
            for a, _, _, f in cols
        )
        body += f"<tr><th>{html.escape(r.hashing)}</th>{cells}</tr>"
    return f"<table><tr><th>strategy</th>{head}</tr>{body}</table>" + (
        "<p class='sub'>★ best in its column.</p>" if len(rows) > 1 else ""
    )


def _section(s: Section, index: int) -> str:
    parts = [
        f"<section id='{s.anchor}'><h2>{html.escape(s.title)}</h2>",
        f"<p class='question'>{html.escape(s.question)}</p>",
    ]
    if s.table:
        parts.append(_fix_table(s.table))
    for k, (fig, caption) in enumerate(s.figures):
        div = fig.to_html(
            full_html=False,
            include_plotlyjs=False,
            config=PLOTLY_CONFIG,
            div_id=f"fig-{s.anchor}-{k + 1}",
        )
        cap = f"<figcaption>{html.escape(caption)}</figcaption>" if caption else ""
        parts.append(f"<figure>{div}{cap}</figure>")
    parts += [f"<p>{_text(p)}</p>" for p in s.paragraphs]
    parts.append("</section>")
    return "\n".join(parts)


def render(h: dict[str, Any], sections: Sequence[Section]) -> str:
    """The whole page as one string."""
    toc = "".join(
        f"<li><a href='#{s.anchor}'>{html.escape(s.title[3:])}</a></li>" for s in sections
    )
    body = "\n".join(_section(s, i) for i, s in enumerate(sections))
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>syncblock report · {html.escape(", ".join(h["sweep_ids"]))}</title>
<style>{CSS}</style>
<script>window.PlotlyConfig = {{MathJaxConfig: 'local'}};</script>
<script>{plotly.offline.get_plotlyjs()}</script>
</head><body>
<h1>syncblock: what a blocking bcrypt call does to an asyncio server</h1>
<p class="sub">Generated {h["generated"]} from <code>{html.escape(h["store"])}</code> by
<code>python -m analysis</code>. Every number below is computed from that store.</p>
<div class="meta"><div><h3>What was run</h3>{_run(h)}</div>
<div><h3>Machine</h3>{_machine(h["sweeps"])}</div></div>
<h3>Cells that did not complete</h3>{_failed(h["failed"])}
{h.get("overlap", "")}
<nav><h3>Contents</h3><ol>{toc}</ol></nav>
{body}
</body></html>
"""
