"""Every counter strategy's costs side by side: ``python -m pysgxalloc costs``, kept here for old commands.

Usage: python bench/strategy_costs.py [--threads N] [--ops N] [--repeats R] [--pin] [--json FILE]
(the same options as ``pysgxalloc costs --help``; the measuring lives in pysgxalloc.strategy_costs).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from pysgxalloc.cli.main import main as pysgxalloc_main


def main(argv: Sequence[str] | None = None) -> int:
    return pysgxalloc_main(["costs", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    sys.exit(main())
