"""The report's figures, drawn with matplotlib and returned as inline SVG (text kept as text).

matplotlib is part of the `runner` extra (through the `report` extra): `pgolf check` never
imports this module. Without it the report says so where the figures would be.

- training loss against the script's training clock: each seed of this run over the same seed's
  curve in the submission's own log;
- val_bpb per seed, claimed vs reproduced, with the claimed mean, its per-seed spread and the
  verdict's tolerance;
- a timeline per seed: the phases on pgolf's clock and where the train and eval budgets end.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from pgolf.report.model import CurvePoint, RunReport, SeedReport
from pgolf.report.settings import report_limits
from pgolf.report.text import PHASE_LABELS

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

# Okabe-Ito: distinguishable with the common colour-vision deficiencies.
SEED_COLOURS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442")
CLAIMED_COLOUR, REPRODUCED_COLOUR = "#0072B2", "#D55E00"
PHASE_COLOURS = {
    "setup": "#BBBBBB", "boot": "#999999", "warmup": "#E69F00", "training": "#0072B2", "gptq": "#CC79A7",
    "serialization": "#009E73", "ttt_compile": "#F0E442", "eval": "#D55E00", "teardown": "#DDDDDD",
}  # fmt: skip
PHASES = {name: (label, PHASE_COLOURS[name]) for name, label in PHASE_LABELS.items()}  # in timeline order
_FONT_STACK = "system-ui, -apple-system, 'Segoe UI', Roboto, 'DejaVu Sans', Arial, sans-serif"


class PlotsUnavailable(RuntimeError):
    """matplotlib is not installed (a base install): the report is written without figures."""


def available() -> bool:
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return False
    return True


def _figure(width_in: float, height_in: float) -> Figure:
    try:
        from matplotlib.figure import Figure
    except ImportError as exc:
        raise PlotsUnavailable("matplotlib is not installed: pip install 'pgolf[runner]'") from exc
    # Figure() directly, never pyplot: no GUI backend, no global figure registry.
    return Figure(figsize=(width_in, height_in), layout="constrained")


def _to_svg(fig: Figure, ident: str, title: str, description: str) -> str:
    import matplotlib

    buffer = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": ident, "svg.id": ident, "font.size": 10.0}):
        # bbox "tight" grows the canvas to whatever the legend needs: no label is ever clipped.
        fig.savefig(buffer, format="svg", metadata={"Date": None}, bbox_inches="tight", pad_inches=0.08)
    text = buffer.getvalue()
    text = text[text.index("<svg") :]  # no XML declaration or DOCTYPE inside HTML
    # Scale with the page (the viewBox stays), and label the figure for screen readers.
    text = re.sub(r'<svg([^>]*?) width="[^"]*" height="[^"]*"', r"<svg\1", text, count=1)
    head_end = text.index(">") + 1
    label = (
        f' role="img" aria-labelledby="{ident}-title {ident}-desc"'
        f'><title id="{ident}-title">{_escape(title)}</title><desc id="{ident}-desc">{_escape(description)}</desc>'
    )
    text = text[: head_end - 1] + label + text[head_end:]
    # The page's fonts, not matplotlib's list (text stays text: searchable, selectable, zoomable).
    return re.sub(r"font-family: [^;\"]*", f"font-family: {_FONT_STACK}", text).strip()


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def thin(points: Sequence[CurvePoint], limit: int) -> list[CurvePoint]:
    """At most `limit` points, evenly spaced, the first and last kept."""
    if len(points) <= limit:
        return list(points)
    step = (len(points) - 1) / (limit - 1)
    return [points[round(i * step)] for i in range(limit)]


def _style(ax: Axes) -> None:
    ax.grid(True, color="#DDDDDD", linewidth=0.6)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


def _legend(fig: Figure, ax: Axes, entries: int) -> None:
    if entries:
        fig.legend(*ax.get_legend_handles_labels(), loc="outside lower center", ncols=min(2, entries), frameon=False)


def loss_figure(report: RunReport) -> str | None:
    seeds = [s for s in report.seeds if len(s.curve) >= 2 or len(s.claimed_curve) >= 2]
    if not seeds:
        return None
    limit = report_limits().plots.max_curve_points
    fig = _figure(7.5, 4.6)
    ax = fig.add_subplot()
    entries = 0
    for i, seed in enumerate(seeds):
        colour = SEED_COLOURS[i % len(SEED_COLOURS)]
        if len(seed.claimed_curve) >= 2:
            points = thin(seed.claimed_curve, limit)
            ax.plot([p.t_s for p in points], [p.loss for p in points], color=colour, linestyle=(0, (4, 2)),
                    linewidth=1.3, alpha=0.75, label=f"seed {seed.seed}: the submission's log")  # fmt: skip
            entries += 1
        if len(seed.curve) >= 2:
            points = thin(seed.curve, limit)
            ax.plot([p.t_s for p in points], [p.loss for p in points], color=colour, linewidth=2.0,
                    label=f"seed {seed.seed}: this reproduction")  # fmt: skip
            entries += 1
    ax.set_xlabel("training time (s, the script's own clock)")
    ax.set_ylabel("train loss")
    _style(ax)
    _legend(fig, ax, entries)
    return _to_svg(
        fig,
        "fig-loss",
        "Training loss against time",
        "Train loss per seed against the script's training clock: solid lines are this reproduction, dashed lines "
        "the same seed in the submission's own log.",
    )


def _seed_points(ax: Axes, seeds: Sequence[SeedReport]) -> int:
    xs = range(len(seeds))
    entries = 0
    claimed = [(x, s.val_bpb.claimed) for x, s in zip(xs, seeds, strict=True) if s.val_bpb.claimed is not None]
    counted = [(x, s.val_bpb.reproduced) for x, s in zip(xs, seeds, strict=True)
               if s.val_bpb.reproduced is not None and s.admission.counted]  # fmt: skip
    dropped = [(x, s.val_bpb.reproduced) for x, s in zip(xs, seeds, strict=True)
               if s.val_bpb.reproduced is not None and not s.admission.counted]  # fmt: skip
    if claimed:
        ax.scatter([x - 0.1 for x, _ in claimed], [v for _, v in claimed], s=60, facecolors="white",
                   edgecolors=CLAIMED_COLOUR, linewidths=2, zorder=3, label="claimed (submission.json)")  # fmt: skip
        entries += 1
    if counted:
        ax.scatter([x + 0.1 for x, _ in counted], [v for _, v in counted], s=60, color=REPRODUCED_COLOUR,
                   zorder=3, label="reproduced (counted)")  # fmt: skip
        entries += 1
    if dropped:
        ax.scatter([x + 0.1 for x, _ in dropped], [v for _, v in dropped], s=70, marker="X", color="#555555",
                   zorder=3, label="reproduced, not counted (unfinished)")  # fmt: skip
        entries += 1
    return entries


def score_figure(report: RunReport) -> str | None:
    seeds = [s for s in report.seeds if s.val_bpb.claimed is not None or s.val_bpb.reproduced is not None]
    if not seeds:
        return None
    fig = _figure(7.5, 4.4)
    ax = fig.add_subplot()
    o, test = report.overall, report.verdict.test
    entries = 0
    if o.claimed_mean is not None:
        ax.axhline(o.claimed_mean, color=CLAIMED_COLOUR, linewidth=1, label="claimed mean")
        entries += 1
        if o.claimed_std:
            ax.axhspan(o.claimed_mean - o.claimed_std, o.claimed_mean + o.claimed_std, color=CLAIMED_COLOUR,
                       alpha=0.12, linewidth=0, label="claimed mean ± 1 claimed std")  # fmt: skip
            entries += 1
    if test is not None:
        for sign in (-1, 1):
            ax.axhline(test.claimed_mean + sign * test.tolerance_bpb, color="#333333", linestyle=":", linewidth=1.2,
                       label=f"verdict tolerance ±{test.tolerance_bpb:.5f}" if sign > 0 else None)  # fmt: skip
        entries += 1
    if o.reproduced_mean is not None:
        ax.axhline(o.reproduced_mean, color=REPRODUCED_COLOUR, linestyle="-.", linewidth=1.2,
                   label="reproduced mean (counted seeds)")  # fmt: skip
        entries += 1
    entries += _seed_points(ax, seeds)
    ax.set_xticks(range(len(seeds)), [f"seed {s.seed}" for s in seeds])
    ax.set_xlim(-0.6, len(seeds) - 0.4)
    ax.set_ylabel("val_bpb (lower is better)")
    ax.ticklabel_format(axis="y", useOffset=False)
    _style(ax)
    _legend(fig, ax, entries)
    return _to_svg(
        fig,
        "fig-bpb",
        "Claimed vs reproduced val_bpb per seed",
        "Hollow circles are the submission's claimed val_bpb per seed, filled circles this reproduction's; crosses are "
        "scores of seeds that did not finish and do not count. Horizontal lines: the claimed mean with one claimed "
        "standard deviation shaded, the verdict's tolerance (dotted) and the reproduced mean (dash-dot).",
    )


def _budget_marks(ax: Axes, row: int, seed: SeedReport, labelled: set[str]) -> None:
    marks: list[tuple[float, str, tuple[float, tuple[float, float]]]] = []
    train, evaluation = seed.phases.get("training"), seed.phases.get("eval")
    if train is not None and seed.train.budget_s is not None:
        marks.append((train.start_s + seed.train.budget_s, "train budget ends", (0, (3, 2))))
    if evaluation is not None and seed.eval.budget_s is not None:
        marks.append((evaluation.start_s + seed.eval.budget_s, "eval budget ends", (0, (1, 1.5))))
    for x, label, style in marks:
        ax.plot([x, x], [row - 0.45, row + 0.45], color="#000000", linestyle=style, linewidth=1.6,
                label=None if label in labelled else label)  # fmt: skip
        labelled.add(label)


def timeline_figure(report: RunReport) -> str | None:
    seeds = [s for s in report.seeds if s.phases]
    if not seeds:
        return None
    fig = _figure(7.5, 1.9 + 0.55 * len(seeds))
    ax = fig.add_subplot()
    shown: set[str] = set()
    labelled: set[str] = set()
    for row, seed in enumerate(seeds):
        for name, (label, colour) in PHASES.items():
            span = seed.phases.get(name)
            if span is None:
                continue
            ax.broken_barh([(span.start_s, max(span.duration_s, 1e-3))], (row - 0.32, 0.64), facecolors=colour,
                           edgecolor="white", linewidth=0.5, label=None if name in shown else label)  # fmt: skip
            shown.add(name)
        _budget_marks(ax, row, seed, labelled)
    ax.set_yticks(range(len(seeds)), [f"seed {s.seed}" for s in seeds])
    ax.invert_yaxis()
    ax.set_xlabel("seconds since the seed started (pgolf's clock)")
    ax.set_xlim(left=0)
    _style(ax)
    ax.grid(False, axis="y")
    _legend(fig, ax, len(shown) + len(labelled))
    return _to_svg(
        fig,
        "fig-phases",
        "Phase timeline per seed",
        "For each seed, the phases measured on pgolf's clock as coloured bars, and where the train budget (from "
        "the first training step) and the eval budget (from the start of evaluation) end.",
    )


def figures(report: RunReport) -> dict[str, str | None]:
    """Figure id -> inline SVG (None where there is nothing to draw). Raises PlotsUnavailable."""
    return {"loss": loss_figure(report), "bpb": score_figure(report), "phases": timeline_figure(report)}
