"""A small SVG writer for the report's charts: stacked panels of horizontal bars, one bar per server.

Each panel has its own scale (its rows may differ in unit or by orders of magnitude) and prints the
value at the end of every bar; a server keeps its colour across panels and charts.
"""

from xml.sax.saxutils import escape

COLOURS = {"eddy": "#d9480f", "tokio": "#1971c2", "hyper": "#5f3dc4", "raw": "#495057"}
SPARE = ["#2b8a3e", "#e67700", "#0c8599", "#c2255c"]
WIDTH = 760
LABEL_W = 90
VALUE_W = 110
BAR_H = 18
GAP = 6
PANEL_TITLE_H = 26


def colour(name, order):
    if name in COLOURS:
        return COLOURS[name]
    return SPARE[order.index(name) % len(SPARE)] if name in order else SPARE[0]


def text(x, y, s, size=12, anchor="start", weight="normal"):
    return (f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" '
            f'font-weight="{weight}">{escape(s)}</text>')


def panels(title, panel_list, fmt):
    """SVG text for `title` over panels [(panel title, [(server, value), ...]), ...].

    `fmt(value)` gives the label printed after each bar.
    """
    servers = []
    for _, bars in panel_list:
        for name, _ in bars:
            if name not in servers:
                servers.append(name)
    out = []
    y = 34
    out.append(text(WIDTH / 2, 22, title, size=15, anchor="middle", weight="bold"))
    bar_area = WIDTH - LABEL_W - VALUE_W - 20
    for ptitle, bars in panel_list:
        out.append(text(10, y + 16, ptitle, size=13, weight="bold"))
        y += PANEL_TITLE_H
        top = max((v for _, v in bars), default=0) or 1
        for name, value in bars:
            w = max(1.0, bar_area * value / top)
            out.append(text(LABEL_W - 8, y + BAR_H - 5, name, anchor="end"))
            out.append(f'<rect x="{LABEL_W}" y="{y}" width="{w:.1f}" height="{BAR_H}" '
                       f'fill="{colour(name, servers)}"/>')
            out.append(text(LABEL_W + w + 6, y + BAR_H - 5, fmt(value)))
            y += BAR_H + GAP
        y += GAP * 2
    height = y + 6
    head = (f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
            f'viewBox="0 0 {WIDTH} {height}" font-family="sans-serif">'
            f'<rect width="100%" height="100%" fill="white"/>')
    return "\n".join([head] + out + ["</svg>", ""])


def ratios(title, rows):
    """SVG text for `title` over rows [(label, [(peer, eddy/peer ratio), ...]), ...].

    For groups whose rows differ in unit (micro benchmarks): every bar is eddy's figure divided by a
    peer's, on one shared axis with a line at 1.0.
    """
    label_w, right = 300, 70
    peers = []
    for _, bars in rows:
        for name, _ in bars:
            if name not in peers:
                peers.append(name)
    top = max([r for _, bars in rows for _, r in bars] + [1.2])
    area = WIDTH - label_w - right
    out = [text(WIDTH / 2, 22, title, size=15, anchor="middle", weight="bold")]
    y = 40
    one_x = label_w + area / top
    body_top = y
    for label, bars in rows:
        out.append(text(label_w - 8, y + 12, label if len(label) <= 44 else label[:43] + "…", anchor="end"))
        for name, r in bars:
            w = max(1.0, area * r / top)
            out.append(f'<rect x="{label_w}" y="{y}" width="{w:.1f}" height="14" '
                       f'fill="{colour(name, peers)}"/>')
            out.append(text(label_w + w + 4, y + 11, f"{r:.2f}", size=11))
            y += 16
        y += 6
    out.append(f'<line x1="{one_x:.1f}" y1="{body_top - 4}" x2="{one_x:.1f}" y2="{y}" stroke="black" '
               f'stroke-dasharray="4 3"/>')
    out.append(text(one_x, y + 14, "1.0", size=11, anchor="middle"))
    legend_x = 10
    y += 22
    for name in peers:
        out.append(f'<rect x="{legend_x}" y="{y}" width="12" height="12" fill="{colour(name, peers)}"/>')
        out.append(text(legend_x + 16, y + 11, f"eddy/{name}", size=11))
        legend_x += 110
    height = y + 22
    head = (f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
            f'viewBox="0 0 {WIDTH} {height}" font-family="sans-serif">'
            f'<rect width="100%" height="100%" fill="white"/>')
    return "\n".join([head] + out + ["</svg>", ""])
