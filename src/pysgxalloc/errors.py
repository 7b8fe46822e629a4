"""The errors of pysgxalloc's Python layer that are not the core's (those are re-exported by the package).

`StrategyBuildError`: a user's strategy header could not be built into a module (it does not
compile, misses a member of the concept, declares no strategy, or no C++ compiler was found).
"""

from __future__ import annotations

from pathlib import Path


class StrategyBuildError(ValueError):
    """A strategy header that could not be built: the first line says what and where (the header's
    path and line where the compiler gave one), the lines after it are the compiler's first messages.

    ``summary`` is that first line alone, ``header`` the header's path, ``line`` the header's line
    the compiler blamed (None where it blamed none), ``compiler_output`` all the compiler printed.
    """

    def __init__(
        self,
        summary: str,
        *,
        header: Path | None = None,
        line: int | None = None,
        excerpt: tuple[str, ...] = (),
        compiler_output: str = "",
    ) -> None:
        super().__init__("\n".join((summary, *(f"  {text}" for text in excerpt))))
        self.summary = summary
        self.header = header
        self.line = line
        self.excerpt = excerpt
        self.compiler_output = compiler_output
