"""Charts drawn on the server as inline SVG (templates in training/web/templates/charts/): no JavaScript,
no external library, readable without CSS.

Every chart has a <title> and <desc> (``role="img"``), each bar a <title> with its figures and
``data-*`` attributes (code, value) so that tests and scripts can read what is drawn. Shares are
0..1; the target is drawn as a dashed line.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from markupsafe import Markup

from training.web.templating import render

BAR = "#1f5f99"  # contrast 6.9:1 on white
BAR_MISSED = "#b3541e"  # below its target: 4.9:1 on white
TARGET = "#111111"
GRID = "#c9d1db"
TEXT = "#1d2733"


@dataclass
class Bar:
    key: str  # a code (province, category, level, year)
    label: str
    value: float | None  # share 0..1
    text: str  # the value as shown ("73,1%")
    tooltip: str  # the <title> of the bar
    target: float | None = None
    extra: dict[str, str] = field(default_factory=dict)


COLOURS = {"bar": BAR, "missed": BAR_MISSED, "target": TARGET, "grid": GRID, "text": TEXT}


def _pct_ticks() -> list[float]:
    return [0.0, 0.25, 0.5, 0.75, 1.0]


def scrollable(svg: Markup) -> Markup:
    """A chart in a box that scrolls sideways on narrow screens instead of shrinking its text."""
    return render("charts/scrollable.html", svg=svg)


def _extra(bar: Bar) -> list[tuple[str, str]]:
    return list(bar.extra.items())


def hbar_chart(chart_id: str, title: str, desc: str, bars: list[Bar], target: float | None = None,
               target_label: str = "", tick_text=None) -> Markup:
    """Horizontal bars (one per row, in the given order), share axis 0–100%, optional target line."""
    label_w, value_w, plot_w, row_h, top = 150, 60, 400, 24, 30
    width = label_w + plot_w + value_w + 10
    height = top + row_h * len(bars) + 28
    x0 = label_w
    ticks = [{"x": f"{x0 + plot_w * tick:.1f}", "y1": top - 6, "y2": height - 22, "ty": height - 6,
              "text": tick_text(tick) if tick_text else f"{tick:.0%}"} for tick in _pct_ticks()]
    drawn = []
    for i, bar in enumerate(bars):
        y = top + i * row_h
        value = bar.value or 0.0
        goal = bar.target if bar.target is not None else target
        colour = BAR_MISSED if goal is not None and bar.value is not None and bar.value + 1e-9 < goal else BAR
        w = max(0.0, min(1.0, value)) * plot_w
        tx = f"{x0 + plot_w * min(1.0, bar.target):.1f}" if bar.target is not None else None
        drawn.append({"key": bar.key, "value": fraction(bar.value), "label": bar.label, "extra": _extra(bar),
                      "tooltip": bar.tooltip, "label_x": x0 - 6, "text_y": f"{y + row_h * 0.68:.1f}",
                      "short": _short(bar.label, 24), "x": x0, "y": y + 3, "w": f"{w:.1f}", "h": row_h - 8,
                      "colour": colour, "value_x": f"{x0 + w + 4:.1f}", "text": bar.text, "target_x": tx,
                      "target_y1": y + 1, "target_y2": y + row_h - 3})
    line = None
    if target is not None:
        tx = x0 + plot_w * min(1.0, target)
        line = {"value": f"{target:.6f}", "label": target_label, "x": f"{tx:.1f}", "y1": top - 8, "y2": height - 22,
                "tx": f"{tx + 4:.1f}", "ty": top - 12}
    return render("charts/hbar.svg", id=chart_id, title=title, desc=desc, width=width, height=height,
                  max_width=f"{width * 1.25:.0f}", ticks=ticks, bars=drawn, target=line, colours=COLOURS)


def column_chart(chart_id: str, title: str, desc: str, bars: list[Bar], target: float | None = None,
                 target_label: str = "", tick_text=None) -> Markup:
    """Vertical columns (e.g. one per year), share axis 0–100%, optional target line."""
    left, plot_h, top, col_w, gap = 48, 200, 24, 44, 14
    width = max(360, left + max(1, len(bars)) * (col_w + gap) + 20)
    height = top + plot_h + 44
    base = top + plot_h
    ticks = [{"y": f"{base - plot_h * tick:.1f}", "x1": left, "x2": width - 10, "tx": left - 6,
              "ty": f"{base - plot_h * tick + 4:.1f}", "text": tick_text(tick) if tick_text else f"{tick:.0%}"}
             for tick in _pct_ticks()]
    drawn = []
    for i, bar in enumerate(bars):
        x = left + gap / 2 + i * (col_w + gap)
        h = plot_h * max(0.0, min(1.0, bar.value or 0.0))
        drawn.append({"key": bar.key, "value": fraction(bar.value), "label": bar.label, "extra": _extra(bar),
                      "tooltip": bar.tooltip, "x": f"{x:.1f}", "y": f"{base - h:.1f}", "w": col_w, "h": f"{h:.1f}",
                      "cx": f"{x + col_w / 2:.1f}", "value_y": f"{base - h - 4:.1f}", "label_y": base + 16,
                      "text": bar.text})
    line = None
    if target is not None:
        y = base - plot_h * min(1.0, target)
        line = {"value": f"{target:.6f}", "label": target_label, "x1": left, "x2": width - 10, "y": f"{y:.1f}",
                "tx": left + 4, "ty": f"{y - 5:.1f}"}
    return render("charts/columns.svg", id=chart_id, title=title, desc=desc, width=width, height=height,
                  max_width=f"{width * 1.25:.0f}", ticks=ticks, bars=drawn, target=line, colours=COLOURS)


def fraction(value: float | None) -> str:
    """A share as the ``data-`` attribute value charts and tables sort by ("" for none)."""
    return "" if value is None else f"{value:.6f}"


def _short(text: str, size: int) -> str:
    return text if len(text) <= size else text[:size - 1] + "…"
