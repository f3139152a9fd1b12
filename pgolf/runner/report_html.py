"""report.html: the Markdown report's content as one self-contained page, with inline SVG plots.

Two plots, drawn by the small SVG helper below (no plotting library, no script, no external
asset, so the page can be attached to an issue or archived as it is):
- training loss against time, one line per seed (the script's training clock);
- claimed vs reproduced val_bpb per seed, with the claimed mean ± one claimed std as a band.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from dataclasses import dataclass

from pgolf.runner.report import RunReport, fmt, render_markdown

_COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf")
_W, _H, _PAD = 640, 320, 56


def nice_ticks(lo: float, hi: float, count: int = 5) -> list[float]:
    """Round tick values covering [lo, hi] (1, 2, 5 x 10^k steps)."""
    if not math.isfinite(lo) or not math.isfinite(hi):
        return []
    if hi <= lo:
        hi = lo + (abs(lo) * 0.01 or 1.0)
    raw = (hi - lo) / max(count, 1)
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 5, 10) if m * mag >= raw)
    first = math.ceil(lo / step) * step
    return [round(first + i * step, 12) for i in range(int((hi - first) / step + 1e-9) + 1)]


@dataclass(frozen=True)
class Axes:
    """Maps data coordinates to the pixels of one plot area."""

    x0: float
    x1: float
    y0: float
    y1: float

    def px(self, x: float) -> float:
        return _PAD + (x - self.x0) / ((self.x1 - self.x0) or 1.0) * (_W - 2 * _PAD)

    def py(self, y: float) -> float:
        return _H - _PAD - (y - self.y0) / ((self.y1 - self.y0) or 1.0) * (_H - 2 * _PAD)

    def frame(self, title: str, xlabel: str, ylabel: str, xticks: bool = True) -> list[str]:
        out = [f'<rect x="{_PAD}" y="{_PAD}" width="{_W - 2 * _PAD}" height="{_H - 2 * _PAD}" class="frame"/>']
        for y in nice_ticks(self.y0, self.y1):
            out.append(f'<text x="{_PAD - 6}" y="{self.py(y) + 4:.1f}" class="tick" text-anchor="end">{y:g}</text>')
        if xticks:
            for x in nice_ticks(self.x0, self.x1):
                out.append(
                    f'<text x="{self.px(x):.1f}" y="{_H - _PAD + 16}" class="tick" text-anchor="middle">{x:g}</text>'
                )
        out += [
            f'<text x="{_W / 2}" y="20" class="title" text-anchor="middle">{html.escape(title)}</text>',
            f'<text x="{_W / 2}" y="{_H - 12}" class="label" text-anchor="middle">{html.escape(xlabel)}</text>',
            f'<text x="14" y="{_H / 2}" class="label" text-anchor="middle" '
            f'transform="rotate(-90 14 {_H / 2})">{html.escape(ylabel)}</text>',
        ]
        return out


def _svg(body: Sequence[str], label: str) -> str:
    aria = html.escape(label)
    head = f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_W} {_H}" role="img" aria-label="{aria}">'
    return "\n".join([head, *body, "</svg>"])


def _span(values: Sequence[float]) -> tuple[float, float]:
    lo, hi = min(values), max(values)
    pad = (hi - lo) * 0.05 or abs(lo) * 0.001 or 1.0
    return lo - pad, hi + pad


def loss_plot(report: RunReport) -> str:
    curves = {s.seed: s.curve for s in report.seeds if len(s.curve) >= 2}
    if not curves:
        return "<p>No training-loss curve with times was parsed from the logs.</p>"
    xs = [x for c in curves.values() for x, _ in c]
    ys = [y for c in curves.values() for _, y in c]
    ax = Axes(*_span(xs), *_span(ys))
    body = ax.frame("Training loss against time", "training time (s, script clock)", "train loss")
    for i, (seed, curve) in enumerate(sorted(curves.items())):
        colour = _COLOURS[i % len(_COLOURS)]
        points = " ".join(f"{ax.px(x):.1f},{ax.py(y):.1f}" for x, y in curve)
        body.append(f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="1.5"/>')
        body.append(
            f'<text x="{_W - _PAD + 4}" y="{_PAD + 14 * (i + 1)}" class="tick" fill="{colour}">seed {seed}</text>'
        )
    return _svg(body, "training loss against time per seed")


def score_plot(report: RunReport) -> str:
    seeds = [s for s in report.seeds if s.val_bpb.claimed is not None or s.val_bpb.reproduced is not None]
    values = [v for s in seeds for v in (s.val_bpb.claimed, s.val_bpb.reproduced) if v is not None]
    if not values:
        return "<p>No claimed or reproduced val_bpb to plot.</p>"
    o = report.overall
    band = (
        (o.claimed_mean - o.claimed_std, o.claimed_mean + o.claimed_std) if o.claimed_mean and o.claimed_std else None
    )
    ax = Axes(-0.5, len(seeds) - 0.5, *_span(values + list(band or ())))
    body = ax.frame("Claimed vs reproduced val_bpb", "seed", "val_bpb", xticks=False)
    if band is not None:
        top, bottom = ax.py(band[1]), ax.py(band[0])
        body.append(
            f'<rect x="{_PAD}" y="{top:.1f}" width="{_W - 2 * _PAD}" height="{bottom - top:.1f}" class="band"/>'
        )
    for i, s in enumerate(seeds):
        x = ax.px(i)
        body.append(f'<text x="{x:.1f}" y="{_H - _PAD + 16}" class="tick" text-anchor="middle">{s.seed}</text>')
        if s.val_bpb.claimed is not None:
            body.append(f'<circle cx="{x - 6:.1f}" cy="{ax.py(s.val_bpb.claimed):.1f}" r="5" class="claimed"/>')
        if s.val_bpb.reproduced is not None:
            body.append(f'<circle cx="{x + 6:.1f}" cy="{ax.py(s.val_bpb.reproduced):.1f}" r="5" class="reproduced"/>')
    body.append(
        f'<text x="{_W - _PAD}" y="{_PAD - 8}" class="tick" text-anchor="end">'
        '<tspan class="claimed-t">● claimed</tspan>  <tspan class="reproduced-t">● reproduced</tspan>'
        "  (band: claimed mean ± 1 std)</text>"
    )
    return _svg(body, "claimed versus reproduced val_bpb per seed")


_STYLE = """
body { font: 14px/1.45 system-ui, sans-serif; max-width: 72rem; margin: 2rem auto; padding: 0 1rem; color: #222; }
pre { white-space: pre-wrap; background: #f6f6f6; padding: 1rem; border-radius: 4px; }
.plots { display: flex; flex-wrap: wrap; gap: 1rem; } .plots svg { width: 100%; max-width: 640px; }
.frame { fill: none; stroke: #999; } .tick { font-size: 11px; fill: #444; } .label { font-size: 12px; }
.title { font-size: 14px; font-weight: 600; } .band { fill: #1f77b4; opacity: 0.12; }
.claimed { fill: #1f77b4; } .reproduced { fill: #d62728; }
.claimed-t { fill: #1f77b4; } .reproduced-t { fill: #d62728; }
.verdict { font-weight: 600; }
"""


def render_html(report: RunReport) -> str:
    title = f"pgolf reproduction: {report.name}"
    verdict = "official" if report.official else "non-official: " + "; ".join(report.unofficial_reasons)
    diff = f"{fmt(report.overall.val_bpb.diff, sign=True)} bpb"
    return "\n".join(
        [
            "<!doctype html>",
            '<html lang="en"><head><meta charset="utf-8">',
            f"<title>{html.escape(title)}</title><style>{_STYLE}</style></head><body>",
            f"<h1>{html.escape(title)}</h1>",
            f'<p class="verdict">{html.escape(verdict)} · reproduced − claimed: {html.escape(diff)}</p>',
            f'<div class="plots">{loss_plot(report)}{score_plot(report)}</div>',
            f"<pre>{html.escape(render_markdown(report))}</pre>",
            "</body></html>",
            "",
        ]
    )
