"""Plots as PNG files (matplotlib, Agg backend: no display needed)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _save(fig, path: Path) -> None:
    import io

    from geostance.fileio import atomic_write_bytes

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=120, bbox_inches="tight")
    atomic_write_bytes(path, buffer.getvalue())


def confusion_matrix_png(matrix: Sequence[Sequence[int]], labels: Sequence[str], title: str, path: Path) -> Path:
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(1.2 * len(labels) + 2.5, 1.1 * len(labels) + 1.8))
    image = ax.imshow(matrix, cmap="Blues")
    ax.set_xticks(range(len(labels)), labels=labels, rotation=30, ha="right")
    ax.set_yticks(range(len(labels)), labels=labels)
    ax.set_xlabel("predicted")
    ax.set_ylabel("gold")
    ax.set_title(title)
    peak = max((max(row) for row in matrix), default=0)
    for i, row in enumerate(matrix):
        for j, value in enumerate(row):
            ax.text(j, i, str(value), ha="center", va="center", color="white" if value > peak / 2 else "black")
    fig.colorbar(image, ax=ax, fraction=0.046)
    _save(fig, path)
    plt.close(fig)
    return path


def per_label_f1_png(model: dict[str, float], baseline: dict[str, float], title: str, path: Path) -> Path:
    plt = _pyplot()
    labels = sorted(set(model) | set(baseline))
    fig, ax = plt.subplots(figsize=(max(4.0, 0.9 * len(labels) + 2), 3.5))
    xs = range(len(labels))
    ax.bar([x - 0.2 for x in xs], [model.get(lab, 0.0) for lab in labels], width=0.4, label="model")
    ax.bar([x + 0.2 for x in xs], [baseline.get(lab, 0.0) for lab in labels], width=0.4, label="baseline")
    ax.set_xticks(list(xs), labels=labels, rotation=30, ha="right")
    ax.set_ylim(0, 1)
    ax.set_ylabel("F1")
    ax.set_title(title)
    ax.legend()
    _save(fig, path)
    plt.close(fig)
    return path


def learning_curve_png(fractions: Sequence[float], series: dict[str, Sequence[float]], path: Path) -> Path:
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(5.5, 3.8))
    for name, values in series.items():
        ax.plot([100 * f for f in fractions], values, marker="o", label=name)
    ax.set_xlabel("% of train articles used")
    ax.set_ylabel("score on the evaluation split")
    ax.set_ylim(0, 1.05)
    ax.set_xticks([100 * f for f in fractions])
    ax.grid(alpha=0.3)
    ax.set_title("Learning curve: does more annotation pay off?")
    ax.legend()
    _save(fig, path)
    plt.close(fig)
    return path


def learning_curves_png(
    curves: dict[str, dict[str, list[tuple[int, float]]]], goal: float, title: str, path: Path
) -> Path:
    """One line per strategy and seed (score by labelled rows) and the goal as a dashed line."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7, 4.5))
    colours = {"queue": "tab:blue", "random": "tab:orange"}
    for strategy, by_seed in curves.items():
        for k, curve in enumerate(by_seed.values()):
            xs, ys = zip(*curve, strict=True)
            ax.plot(xs, ys, color=colours.get(strategy), alpha=0.8, label=strategy if k == 0 else None)
    ax.axhline(goal, linestyle="--", color="grey", label="95% of full data")
    ax.set_xlabel("labelled rows")
    ax.set_ylabel("test F_avg")
    ax.set_title(title)
    ax.legend()
    _save(fig, path)
    plt.close(fig)
    return path
