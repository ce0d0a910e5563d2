"""Charts drawn on the server as inline SVG: no JavaScript, no external library, readable without CSS.

Every chart has a <title> and <desc> (``role="img"``), each bar a <title> with its figures and
``data-*`` attributes (code, value) so that tests and scripts can read what is drawn. Shares are
0..1; the target is drawn as a dashed line.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field

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


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _pct_ticks() -> list[float]:
    return [0.0, 0.25, 0.5, 0.75, 1.0]


def scrollable(svg: str) -> str:
    """A chart in a box that scrolls sideways on narrow screens instead of shrinking its text."""
    return f'<div class="chart-box">{svg}</div>'


def hbar_chart(chart_id: str, title: str, desc: str, bars: list[Bar], target: float | None = None,
               target_label: str = "", tick_text=None) -> str:
    """Horizontal bars (one per row, in the given order), share axis 0–100%, optional target line."""
    label_w, value_w, plot_w, row_h, top = 150, 60, 400, 24, 30
    width = label_w + plot_w + value_w + 10
    height = top + row_h * len(bars) + 28
    x0 = label_w
    out = [f'<svg id="{_e(chart_id)}" class="chart hbar" viewBox="0 0 {width} {height}" role="img" '
           f'aria-labelledby="{_e(chart_id)}-title {_e(chart_id)}-desc" preserveAspectRatio="xMinYMin meet" '
           f'style="max-width:{width * 1.25:.0f}px" '
           f'xmlns="http://www.w3.org/2000/svg" font-family="system-ui, sans-serif" font-size="13">',
           f'<title id="{_e(chart_id)}-title">{_e(title)}</title>',
           f'<desc id="{_e(chart_id)}-desc">{_e(desc)}</desc>']
    for tick in _pct_ticks():
        x = x0 + plot_w * tick
        out.append(f'<line x1="{x:.1f}" y1="{top - 6}" x2="{x:.1f}" y2="{height - 22}" stroke="{GRID}" />')
        text = tick_text(tick) if tick_text else f"{tick:.0%}"
        out.append(f'<text x="{x:.1f}" y="{height - 6}" text-anchor="middle" fill="{TEXT}">{_e(text)}</text>')
    for i, bar in enumerate(bars):
        y = top + i * row_h
        value = bar.value or 0.0
        goal = bar.target if bar.target is not None else target
        colour = BAR_MISSED if goal is not None and bar.value is not None and bar.value + 1e-9 < goal else BAR
        w = max(0.0, min(1.0, value)) * plot_w
        attrs = " ".join(f'data-{_e(k)}="{_e(v)}"' for k, v in bar.extra.items())
        out.append(f'<g class="bar" data-key="{_e(bar.key)}" data-value="{fraction(bar.value)}"'
                   f' data-label="{_e(bar.label)}" {attrs}>')
        out.append(f'<title>{_e(bar.tooltip)}</title>')
        out.append(f'<text x="{x0 - 6}" y="{y + row_h * 0.68:.1f}" text-anchor="end" fill="{TEXT}">'
                   f'{_e(_short(bar.label, 24))}</text>')
        out.append(f'<rect x="{x0}" y="{y + 3}" width="{w:.1f}" height="{row_h - 8}" fill="{colour}" rx="2" />')
        out.append(f'<text x="{x0 + w + 4:.1f}" y="{y + row_h * 0.68:.1f}" fill="{TEXT}">{_e(bar.text)}</text>')
        if bar.target is not None:
            tx = x0 + plot_w * min(1.0, bar.target)
            out.append(f'<line x1="{tx:.1f}" y1="{y + 1}" x2="{tx:.1f}" y2="{y + row_h - 3}" stroke="{TARGET}" '
                       f'stroke-width="3" />')
        out.append('</g>')
    if target is not None:
        tx = x0 + plot_w * min(1.0, target)
        out.append(f'<g class="target" data-value="{target:.6f}"><title>{_e(target_label)}</title>'
                   f'<line x1="{tx:.1f}" y1="{top - 8}" x2="{tx:.1f}" y2="{height - 22}" stroke="{TARGET}" '
                   f'stroke-width="2" stroke-dasharray="6 4" />'
                   f'<text x="{tx + 4:.1f}" y="{top - 12}" fill="{TEXT}" font-weight="600">{_e(target_label)}</text>'
                   f'</g>')
    out.append("</svg>")
    return "".join(out)


def column_chart(chart_id: str, title: str, desc: str, bars: list[Bar], target: float | None = None,
                 target_label: str = "", tick_text=None) -> str:
    """Vertical columns (e.g. one per year), share axis 0–100%, optional target line."""
    left, plot_h, top, col_w, gap = 48, 200, 24, 44, 14
    width = max(360, left + max(1, len(bars)) * (col_w + gap) + 20)
    height = top + plot_h + 44
    base = top + plot_h
    out = [f'<svg id="{_e(chart_id)}" class="chart columns" viewBox="0 0 {width} {height}" role="img" '
           f'aria-labelledby="{_e(chart_id)}-title {_e(chart_id)}-desc" preserveAspectRatio="xMinYMin meet" '
           f'style="max-width:{width * 1.25:.0f}px" '
           f'xmlns="http://www.w3.org/2000/svg" font-family="system-ui, sans-serif" font-size="13">',
           f'<title id="{_e(chart_id)}-title">{_e(title)}</title>',
           f'<desc id="{_e(chart_id)}-desc">{_e(desc)}</desc>']
    for tick in _pct_ticks():
        y = base - plot_h * tick
        out.append(f'<line x1="{left}" y1="{y:.1f}" x2="{width - 10}" y2="{y:.1f}" stroke="{GRID}" />')
        text = tick_text(tick) if tick_text else f"{tick:.0%}"
        out.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" fill="{TEXT}">{_e(text)}</text>')
    for i, bar in enumerate(bars):
        x = left + gap / 2 + i * (col_w + gap)
        value = max(0.0, min(1.0, bar.value or 0.0))
        h = plot_h * value
        attrs = " ".join(f'data-{_e(k)}="{_e(v)}"' for k, v in bar.extra.items())
        out.append(f'<g class="bar" data-key="{_e(bar.key)}" data-value="{fraction(bar.value)}"'
                   f' data-label="{_e(bar.label)}" {attrs}><title>{_e(bar.tooltip)}</title>')
        out.append(f'<rect x="{x:.1f}" y="{base - h:.1f}" width="{col_w}" height="{h:.1f}" fill="{BAR}" rx="2" />')
        out.append(f'<text x="{x + col_w / 2:.1f}" y="{base - h - 4:.1f}" text-anchor="middle" fill="{TEXT}" '
                   f'font-size="11">{_e(bar.text)}</text>')
        out.append(f'<text x="{x + col_w / 2:.1f}" y="{base + 16}" text-anchor="middle" fill="{TEXT}">'
                   f'{_e(bar.label)}</text></g>')
    if target is not None:
        y = base - plot_h * min(1.0, target)
        out.append(f'<g class="target" data-value="{target:.6f}"><title>{_e(target_label)}</title>'
                   f'<line x1="{left}" y1="{y:.1f}" x2="{width - 10}" y2="{y:.1f}" stroke="{TARGET}" '
                   f'stroke-width="2" stroke-dasharray="6 4" />'
                   f'<text x="{left + 4}" y="{y - 5:.1f}" fill="{TEXT}" font-weight="600" stroke="#fff" '
                   f'stroke-width="3" '
                   f'paint-order="stroke">'
                   f'{_e(target_label)}</text></g>')
    out.append("</svg>")
    return "".join(out)


def fraction(value: float | None) -> str:
    """A share as the ``data-`` attribute value charts and tables sort by ("" for none)."""
    return "" if value is None else f"{value:.6f}"


def _short(text: str, size: int) -> str:
    return text if len(text) <= size else text[:size - 1] + "…"
