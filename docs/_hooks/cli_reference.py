"""MkDocs hook: the command-line reference page, generated from the argument parsers at build time.

cli.md holds a marker; this replaces it with pysgxalloc.cli.reference.markdown(), which walks the
parsers `pysgxalloc` itself builds, so the page says what --help says and cannot go stale.
"""

from __future__ import annotations

from typing import Any

from pysgxalloc.cli.reference import markdown

MARKER = "<!-- generated: pysgxalloc.cli.reference -->"


def on_page_markdown(text: str, page: Any, config: Any, files: Any) -> str:
    return text.replace(MARKER, markdown()) if MARKER in text else text
