"""What the HTML pages share: one style sheet, escaping, numbers that read right both ways.

Pages are left-to-right (their headings and tables are English); Arabic text
sits in blocks of its own marked ``dir="rtl" lang="ar"``, and every number
is isolated left-to-right, so signs and decimals never flip.
"""

from __future__ import annotations

import html
from datetime import datetime, timezone
from typing import Any

from .._version import __version__

__all__ = ["MATPLOTLIB_MISSING", "require_matplotlib", "escape", "number", "page", "now"]

#: The one-line message given when matplotlib is missing.
MATPLOTLIB_MISSING = "the report's plots need matplotlib: install arclass[report] (pip install 'arclass[report]')"


_STYLE = """
:root { color-scheme: light; }
body { font-family: "Noto Sans", "Noto Naskh Arabic", "Segoe UI", Tahoma, Arial, sans-serif;
       margin: 1.5rem auto; max-width: 70rem; padding: 0 1rem; color: #1b1b1b; line-height: 1.5; }
h1 { font-size: 1.5rem; margin-bottom: .2rem; }
h2 { font-size: 1.2rem; margin-top: 2rem; border-bottom: 1px solid #ccc; padding-bottom: .2rem; }
h3 { font-size: 1rem; margin: 1rem 0 .3rem; }
.meta { color: #555; font-size: .9rem; }
table { border-collapse: collapse; margin: .4rem 0 1rem; font-size: .92rem; }
th, td { border: 1px solid #ddd; padding: .25rem .55rem; vertical-align: top; }
th { background: #f3f3f3; font-weight: 600; }
.num { direction: ltr; unicode-bidi: isolate; font-variant-numeric: tabular-nums; white-space: nowrap; }
.yes { color: #0b6b34; font-weight: 600; }
.no { color: #777; }
.doc { white-space: pre-wrap; text-align: right; font-size: 1.15rem; line-height: 2; border: 1px solid #ddd;
       border-radius: 4px; padding: .6rem .9rem; background: #fcfcfc; }
.doc mark { color: inherit; border-radius: 3px; padding: 0 .08em; }
.legend { font-size: .85rem; color: #444; }
.swatch { display: inline-block; width: 2.2em; height: .9em; vertical-align: middle; border: 1px solid #ccc; }
.terms { display: flex; gap: 1.5rem; flex-wrap: wrap; }
.figures { display: flex; gap: 1rem; flex-wrap: wrap; }
figure { margin: 0; }
figure img { width: 430px; height: auto; border: 1px solid #eee; }
figcaption { font-size: .85rem; color: #444; max-width: 430px; }
table.mistakes { width: 100%; }
table.mistakes td:nth-child(-n+4) { white-space: nowrap; }
td.text { font-size: 1rem; }
details summary { cursor: pointer; }
nav a { margin-inline-end: 1rem; }
"""


def require_matplotlib() -> None:
    """Raise ImportError with :data:`MATPLOTLIB_MISSING` when matplotlib cannot be imported."""
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise ImportError(MATPLOTLIB_MISSING) from None


def escape(value: Any) -> str:
    return html.escape(str(value), quote=True)


def number(value: float, fmt: str = ".3f") -> str:
    return f'<span class="num">{escape(format(value, fmt))}</span>'


def page(title: str, body: str, *, lang: str, direction: str) -> str:
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="{lang}" dir="{direction}">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f'<meta name="generator" content="arclass {escape(__version__)}">\n'
        f"<title>{escape(title)}</title>\n<style>{_STYLE}</style>\n</head>\n<body>\n{body}\n</body>\n</html>\n"
    )


def now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
