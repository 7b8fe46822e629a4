"""What the commands that repeat reclaim scenarios share (reclaim, lockup, the demo's sections): a
progress bar while the runs go, and the finished runs printed even after Ctrl-C."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Mapping
from typing import TypeVar

from rich.console import Console

from pysgxalloc.cli._console import print_interrupted, progress_bar, stderr_console, stdout_console
from pysgxalloc.cli.arguments import EXIT_INTERRUPTED, EXIT_USAGE, error_line
from pysgxalloc.cli.flag_names import flag_error

Run = TypeVar("Run")


def collect_runs(
    results: list[Run], runs: Iterable[Run], total: int, title: str, describe: Callable[[Run], str]
) -> None:
    """Each of `runs` appended to `results` as it finishes, under a progress bar of `total`
    steps, so a Ctrl-C still leaves the finished ones there."""
    with progress_bar(stderr_console()) as progress:
        task = progress.add_task(title, total=total)
        for run in runs:
            results.append(run)
            progress.update(task, advance=1, description=describe(run))


def collect_then_print(
    prog: str,
    collect: Callable[[list[Run]], None],
    show: Callable[[Console, list[Run], str], None],
    *,
    planned: int,
    flags: Mapping[str, str],
) -> int:
    """A command's body: `collect` the `planned` runs, then `show` them on stdout; a bad value exits
    2, its message naming the flag the user typed (`flags`: setting name -> flag), and Ctrl-C prints
    the finished runs, then the notice on stderr, and exits 130."""
    results: list[Run] = []
    interrupted = False
    try:
        collect(results)
    except (ValueError, TypeError) as error:
        print(error_line(prog, flag_error(str(error), flags)), file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        interrupted = True
    if results:
        show(stdout_console(), results, f"{prog}: ")
    if interrupted:
        print_interrupted(len(results), planned)
        return EXIT_INTERRUPTED
    return 0
