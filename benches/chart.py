#!/usr/bin/env python3
"""Draws the benchmark runner's table (target/bench/results.csv) as a PNG chart.

Two panels share the rows of the table:
  * left: torc / goal, on a log scale, green when the goal is met and red when not; for a goal
    "<= x" a bar left of the line 1 meets it, for ">= x" a bar right of it;
  * right: torc / peer (the peer measured in the same run, or the ideal).
Each bar is labelled with torc's figure and the goal or the peer's figure.

Usage: python3 benches/chart.py results.csv results.png
Needs matplotlib (the runner checks for it and skips the chart without it).
"""

import csv
import math
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def number(text):
    try:
        v = float(text)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


def fmt(v, unit):
    if v is None:
        return "n/a"
    a = abs(v)
    s = f"{v:.0f}" if a >= 1000 else f"{v:.1f}" if a >= 10 else f"{v:.2f}" if a >= 1 else f"{v:.3f}"
    return f"{s} {unit}".strip()


def bars(ax, labels, values, colors, texts, title):
    ys = range(len(labels))
    shown = [v for v in values if v is not None and v > 0]
    lo = min(shown + [1.0]) / 3
    hi = max(shown + [1.0]) * 3
    for y, v, c, t in zip(ys, values, colors, texts):
        if v is None or v <= 0:
            ax.text(1.0, y, "  " + t, va="center", fontsize=8, color="dimgray")
            continue
        # A bar from 1 to v on the log scale, so that the side of the line tells the story.
        ax.barh(y, abs(v - 1.0) if v != 1.0 else 1e-9, left=min(v, 1.0), color=c, height=0.6)
        # A dot at the value, visible even when the bar is too short to see.
        ax.plot([v], [y], marker="o", markersize=4, color=c)
        # The label right of the bar (or of the line), clear of the row names.
        ax.text(max(v, 1.0) * 1.15, y, t, va="center", ha="left", fontsize=8)
    ax.axvline(1.0, color="black", linewidth=0.8)
    ax.set_xscale("log")
    ax.set_xlim(lo, hi * 300)
    ax.set_title(title, fontsize=10)
    ax.grid(axis="x", which="major", linestyle=":", linewidth=0.5)


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: chart.py results.csv results.png")
    with open(sys.argv[1], newline="") as f:
        rows = list(csv.DictReader(f))
    if not rows:
        sys.exit("chart.py: no rows in " + sys.argv[1])

    labels, goal_v, goal_c, goal_t, peer_v, peer_c, peer_t = [], [], [], [], [], [], []
    for r in rows:
        unit = r["unit"]
        torc = number(r["torc"])
        peer = number(r["peer"])
        target = number(r["goal_value"])
        direction = r["goal_direction"]
        arrow = {"at_most": " (lower is better)", "at_least": " (higher is better)"}.get(direction, "")
        labels.append(r["measure"] + arrow)
        if torc is not None and target:
            ratio = torc / target
            met = ratio <= 1 if direction == "at_most" else ratio >= 1
            goal_v.append(ratio)
            goal_c.append("tab:green" if met else "tab:red")
            goal_t.append(f"{fmt(torc, unit)} vs goal {r['goal']}")
        else:
            goal_v.append(None)
            goal_c.append("gray")
            goal_t.append("no goal" if not r["goal"] else "not measured")
        if torc is not None and peer:
            peer_v.append(torc / peer)
            peer_c.append("tab:blue")
            peer_t.append(f"{fmt(torc, unit)} vs {fmt(peer, unit)}")
        else:
            peer_v.append(None)
            peer_c.append("gray")
            peer_t.append("no peer" if not r["peer_name"] else "not measured")

    height = 1.2 + 0.45 * len(rows)
    fig, (left, right) = plt.subplots(1, 2, figsize=(18, height), sharey=True)
    bars(left, labels, goal_v, goal_c, goal_t, "torc / goal (green: goal met, red: not met)")
    bars(right, labels, peer_v, peer_c, peer_t, "torc / peer (same run)")
    left.set_yticks(range(len(labels)))
    left.set_yticklabels(labels, fontsize=8)
    left.invert_yaxis()
    fig.suptitle("torc benchmark runner (median of runs)", fontsize=11)
    fig.tight_layout()
    fig.savefig(sys.argv[2], dpi=110)


if __name__ == "__main__":
    main()
