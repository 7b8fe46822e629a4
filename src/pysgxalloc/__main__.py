"""python -m pysgxalloc: the command line of pysgxalloc.cli.main, the same as the ``pysgxalloc`` command."""

import sys

from pysgxalloc.cli.main import main

__all__ = ["main"]

if __name__ == "__main__":
    sys.exit(main())
