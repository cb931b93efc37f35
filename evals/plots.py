"""The report's figures: retrieval metrics per system and dataset, latency per stage."""

from __future__ import annotations

from pathlib import Path
from typing import Any

PLOT_METRICS = ("hit@5", "recall@10", "mrr@10", "ndcg@10")
STAGE_LABELS = {
    "embed": "embed (query)",
    "retrieve": "retrieve (Qdrant)",
    "postprocess": "postprocess",
    "judge": "answerability",
    "compose": "compose + verify",
    "total": "total",
}


def plot(results: dict[str, Any], folder: Path) -> dict[str, Path]:
    """metrics.png (retrieval metrics per system and dataset) and latency.png."""
    import matplotlib

    matplotlib.use("Agg")  # no display in CI
    import matplotlib.pyplot as plt

    folder.mkdir(parents=True, exist_ok=True)
    paths: dict[str, Path] = {}
    names = list(results["datasets"])
    fig, axes = plt.subplots(1, len(names), figsize=(6.5 * len(names), 4.2), squeeze=False)
    for ax, name in zip(axes[0], names, strict=True):
        systems = results["datasets"][name]["retrieval"]
        width = 0.8 / max(len(systems), 1)
        for i, (system, r) in enumerate(systems.items()):
            xs = [m + i * width for m in range(len(PLOT_METRICS))]
            ax.bar(xs, [r["doc"].get(m, 0) for m in PLOT_METRICS], width, label=system)
        ax.set_xticks([m + 0.4 - width / 2 for m in range(len(PLOT_METRICS))])
        ax.set_xticklabels(PLOT_METRICS)
        ax.set_ylim(0, 1.05)
        ax.set_title(f"{name} (document level)")
        ax.grid(axis="y", alpha=0.3)
    axes[0][0].legend(loc="lower left", fontsize=8)
    fig.tight_layout()
    paths["Retrieval metrics per system"] = folder / "metrics.png"
    fig.savefig(paths["Retrieval metrics per system"], dpi=110)
    plt.close(fig)

    samples: dict[str, list[float]] = {}
    for entry in results["datasets"].values():
        for row in entry.get("answers", {}).get("per_question", []):
            for stage in ("embed", "retrieve", "compose", "total"):
                if stage in row["timings_ms"]:
                    samples.setdefault(stage, []).append(row["timings_ms"][stage])
    if "api" in results:
        samples["POST /api/ask"] = results["api"]["samples_ms"]
    if samples:
        fig, axes = plt.subplots(1, len(samples), figsize=(3.6 * len(samples), 3.4), squeeze=False)
        for ax, (stage, values) in zip(axes[0], samples.items(), strict=True):
            ax.hist(values, bins=30, color="#4c72b0")
            ax.set_title(STAGE_LABELS.get(stage, stage))
            ax.set_xlabel("ms")
        axes[0][0].set_ylabel("questions")
        fig.tight_layout()
        paths["Latency histograms"] = folder / "latency.png"
        fig.savefig(paths["Latency histograms"], dpi=110)
        plt.close(fig)
    return paths
