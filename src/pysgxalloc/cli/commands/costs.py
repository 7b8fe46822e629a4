"""pysgxalloc costs: where each strategy wins, measured here (update cost, read cost, accuracy, memory).

The command's options are `CostOptions`' settings: each one's default is CostSetup's
(pysgxalloc.strategy_costs), which measures; the tables, then the recommendation that
pysgxalloc.recommend makes of the same samples (the demo's last lines), are printed here.
"""

from __future__ import annotations

import argparse
import json
import statistics
from dataclasses import asdict, dataclass
from typing import Any, BinaryIO

from rich.console import Console
from rich.table import Table

from pysgxalloc.cli._console import (
    print_interrupted,
    progress_bar,
    safe_cells,
    stderr_console,
    stdout_console,
    table,
)
from pysgxalloc.cli.arguments import EXIT_INTERRUPTED, add_strategies_option, error_line, output_file
from pysgxalloc.cli.outputs import EXIT_WRITE_FAILED, check_outputs, write_outputs
from pysgxalloc.cli.setting_options import SettingOptions
from pysgxalloc.compare import PINNED_WHERE_THREADS_FIT, pin_by_default
from pysgxalloc.counted import counted
from pysgxalloc.counter_options import counter_batch_setting
from pysgxalloc.intervals import RUNS_FOR_95
from pysgxalloc.machine import usable_cpus
from pysgxalloc.recommend import recommend
from pysgxalloc.settings import Setting, flag, integer, optional_integer
from pysgxalloc.strategy import parse_strategy
from pysgxalloc.strategy_costs import CostSetup, StrategyCosts, measure_once, start_costs

PROG = "pysgxalloc costs"
HELP = "where each strategy wins: update cost, read cost, accuracy and memory, padded and packed"
DESCRIPTION = """\
Measure every counter strategy on this machine and print its costs side by side: the update
cost under contention, the cheap and the exact read while writers churn the pool (and what
the reads cost the writers), the largest error of the cheap read seen when no thread was
updating against the strategy's bound, and the bytes of counter state, padded and packed.
Then the padding ablation (cells one per 128 bytes against packed onto shared cache lines)
and the recommendation for the SGX fault path, which weighs update and read cost together
(the demo's last lines give the same one). Every figure is the median (min-max) of --repeats
runs, the strategies interleaved. Ctrl-C prints what was measured so far and exits with 130.
"""


@dataclass(frozen=True, kw_only=True)
class CostOptions:
    """What a costs run measures with: `CostSetup`'s fields (None: CostSetup's default, which depends
    on this machine), and how many runs of each strategy."""

    threads: Setting[int | None, int | None] = optional_integer(
        None,
        low=1,
        core=None,
        shown="usable CPUs, at least 2",
        help="threads of the update runs; thread i allocates from node i % nodes",
    )
    writers: Setting[int | None, int | None] = optional_integer(
        None,
        low=0,
        core=None,
        shown="usable CPUs - 1, at least 1",
        help="writer threads churning the pool beside the one reader of the read runs",
    )
    nodes: Setting[int, int] = integer(2, low=1, core=None, help="NUMA nodes")
    ops: Setting[int, int] = integer(2_000_000, low=2, core=None, help="operations per thread and run")
    batch: Setting[int, int] = integer(
        64,
        low=1,
        core=None,
        help="pages each iteration allocates before freeing them: more than percpu_batch's batch, so its "
        "deltas fold",
    )
    hold: Setting[int, int] = integer(
        5, low=0, core=None, help="pages each update thread holds across the quiescent readings"
    )
    rounds: Setting[int, int] = integer(10, low=1, core=None, help="quiescent readings per update run")
    counter_batch: Setting[int | None, int | None] = counter_batch_setting()
    pin: Setting[bool, bool] = flag(
        False,
        core=None,
        help="pin thread i to the i-th usable CPU, wrapping round",
        off_help="let the scheduler place the threads",
    )
    repeats: Setting[int, int] = integer(
        RUNS_FOR_95,
        low=1,
        core=None,
        help="runs of each strategy (the fewest for a 95% interval of a median)",
    )


OPTIONS = SettingOptions.of(CostOptions)


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "costs", help=HELP, description=DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    OPTIONS.add_to(parser, auto={"pin": PINNED_WHERE_THREADS_FIT})
    add_strategies_option(parser)
    parser.add_argument("--json", type=output_file(), metavar="FILE", help="write every sample here (JSON)")
    parser.set_defaults(run=run)


def cost_setup(given: dict[str, Any]) -> CostSetup:
    """The setup of a costs run: what was given, CostSetup's defaults for the rest; pinned where
    neither the update runs' threads nor the read runs' writers and reader outnumber the CPUs."""
    setup = CostSetup(**{name: value for name, value in given.items() if name not in ("pin", "repeats")})
    pin = given.get("pin")
    if pin is None:
        pin = pin_by_default(max(setup.threads, setup.writers + 1))
    return CostSetup(**{**asdict(setup), "pin": pin})


def run(args: argparse.Namespace) -> int:
    given = OPTIONS.given(args)
    repeats = given.get("repeats", CostOptions.repeats)
    try:
        setup = cost_setup(given)
        costs = start_costs(setup, [parse_strategy(name) for name in args.strategies])
    except (TypeError, ValueError) as error:
        raise OPTIONS.error(error) from None
    # Checked before the first run: a path that cannot be written must not cost the measurements.
    json_output = check_outputs({"--json": args.json}).get("--json")
    planned = repeats * len(costs)
    done = 0
    interrupted = False
    with progress_bar(stderr_console()) as bar:
        task = bar.add_task("measuring", total=planned)
        try:
            for _ in range(repeats):
                for one in costs:
                    bar.update(task, description=one.strategy.name)
                    measure_once(one, setup)
                    done += 1
                    bar.advance(task)
        except (TypeError, ValueError) as error:
            if json_output is not None:
                json_output.close()
            raise OPTIONS.error(error) from None
        except KeyboardInterrupt:
            interrupted = True
    measured = [one for one in costs if one.update_ns and one.exact_read_ns]
    out = stdout_console()
    _print(out, setup, measured, pin_chosen="pin" not in given)
    failures: list[str] = []
    if json_output is not None:
        saved = {"usable_cpus": usable_cpus(), "setup": asdict(setup)}
        saved["strategies"] = {one.strategy.name: _samples(one) for one in measured}
        text = (json.dumps(saved, indent=2) + "\n").encode()

        def write(file: BinaryIO) -> None:
            file.write(text)

        written, failures = write_outputs([(json_output, write)])
        for path in written:
            out.print(f"wrote {path}", markup=False)
        for failure in failures:
            stderr_console().print(error_line(PROG, failure, EXIT_WRITE_FAILED), markup=False, soft_wrap=True)
    if interrupted:
        print_interrupted(done, planned)
        return EXIT_INTERRUPTED
    return EXIT_WRITE_FAILED if failures else 0


def _samples(costs: StrategyCosts) -> dict[str, Any]:
    samples = asdict(costs)
    samples["strategy"] = costs.strategy.name
    return samples


def _spread(samples: list[float]) -> str:
    return f"{statistics.median(samples):.2f} ({min(samples):.2f}-{max(samples):.2f})"


def _print(
    out: Console, setup: CostSetup, measured: list[StrategyCosts], *, pin_chosen: bool = False
) -> None:
    """The setup in a line (pinned or not, and why where the command chose), the tables, and the
    recommendation. `pin_chosen`: the command pinned or not by itself (no --pin or --no-pin)."""
    cpus = usable_cpus()
    update_label = " (oversubscribed)" if setup.threads > cpus else ""
    read_label = " (oversubscribed)" if setup.writers + 1 > cpus else ""
    pinned = "pinned" if setup.pin else "unpinned"
    if pin_chosen and not setup.pin:
        pinned += " (threads outnumber the usable CPUs)"
    out.print(
        f"update: hammer, {counted(setup.threads, 'thread')}{update_label}, {counted(setup.nodes, 'node')}, "
        f"batch {setup.batch:,}, hold {setup.hold:,}, {counted(setup.rounds, 'round')}; "
        f"read: {counted(setup.writers, 'writer')} (batch {setup.batch:,}) + 1 reader{read_label}; "
        f"percpu_batch counter_batch {setup.counter_batch:,}; {pinned}; padded layout; usable CPUs: {cpus:,}",
        soft_wrap=True,
    )
    out.print("figures: median (min-max) of ns; reads are back to back (a throughput cost, not a latency)")
    if not measured:
        return
    out.print(_costs_table(measured))
    ablation = [one for one in measured if one.packed_update_ns]
    if ablation:
        out.print(
            "padding ablation: update ns/op with cells padded (one per 128 bytes) vs packed (shared lines)"
        )
        out.print(_ablation_table(ablation))
    out.print(recommend(measured).text(), soft_wrap=True)


def _costs_table(measured: list[StrategyCosts]) -> Table:
    out = table()
    out.add_column("strategy")
    for name in ("update ns/op", "cheap read ns", "writers Mops/s", "exact read ns", "max error / bound"):
        out.add_column(name, justify="right")
    out.add_column("bytes padded", justify="right")
    out.add_column("bytes packed", justify="right")
    for one in measured:
        bound = "none" if one.error_bound is None else f"{one.error_bound:,}"
        out.add_row(
            *safe_cells(
                [
                    one.strategy.name,
                    _spread(one.update_ns),
                    _spread(one.cheap_read_ns),
                    _spread(one.writer_mops),
                    _spread(one.exact_read_ns),
                    f"{one.max_error:,} / {bound}",
                    f"{one.bytes_padded:,}",
                    f"{one.bytes_packed:,}",
                ]
            )
        )
    return out


def _ablation_table(ablation: list[StrategyCosts]) -> Table:
    out = table()
    out.add_column("strategy")
    for name in ("padded ns/op", "packed ns/op", "packed/padded"):
        out.add_column(name, justify="right")
    for one in ablation:
        ratio = statistics.median(one.packed_update_ns) / statistics.median(one.update_ns)
        out.add_row(
            *safe_cells(
                [one.strategy.name, _spread(one.update_ns), _spread(one.packed_update_ns), f"{ratio:.2f}"]
            )
        )
    return out
