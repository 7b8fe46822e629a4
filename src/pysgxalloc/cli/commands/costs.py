"""pysgxalloc costs: where each strategy wins, measured here (update cost, read cost, accuracy, memory).

Prints two tables from pysgxalloc.strategy_costs: every strategy's median (min-max)
figures, and the padding ablation (cells padded vs packed onto shared cache lines);
then the recommendation for the SGX fault path, update and read cost together
(pysgxalloc.recommend, the same as the demo's last lines). Ctrl-C prints what was
measured so far and exits with 130.
"""

from __future__ import annotations

import argparse
import json
import statistics
from dataclasses import asdict
from typing import Any

from rich.console import Console
from rich.table import Table

from pysgxalloc.cli._console import print_interrupted, progress_bar, stderr_console, stdout_console, table
from pysgxalloc.cli.arguments import EXIT_INTERRUPTED, CommandError, at_least, output_file
from pysgxalloc.intervals import RUNS_FOR_95
from pysgxalloc.machine import usable_cpus
from pysgxalloc.recommend import recommend
from pysgxalloc.strategy_costs import CostSetup, StrategyCosts, measure_once, start_costs

HELP = "where each strategy wins: update cost, read cost, accuracy and memory, padded and packed"


# CostSetup field -> (lowest value, help): each is an option --FIELD (dashes for underscores)
# whose default is this machine's CostSetup().
_OPTIONS: dict[str, tuple[int, str]] = {
    "threads": (1, "update threads"),
    "writers": (0, "read cost: writers beside the reader"),
    "nodes": (1, "NUMA nodes"),
    "ops": (2, "operations per thread and run"),
    "batch": (1, "pages allocated before freeing them"),
    "hold": (0, "pages each update worker holds across the quiescent readings"),
    "rounds": (1, "quiescent readings per update run"),
    "counter_batch": (1, "percpu_batch's batch"),
}


def register(subparsers: Any) -> None:
    defaults = CostSetup()
    parser = subparsers.add_parser(
        "costs",
        help=HELP,
        description=__doc__.split("\n\n", 1)[1] if __doc__ else None,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    for field, (lowest, text) in _OPTIONS.items():
        default = getattr(defaults, field)
        parser.add_argument(
            "--" + field.replace("_", "-"),
            metavar="N",
            type=at_least(lowest),
            default=default,
            help=f"{text} (default here: {default})",
        )
    parser.add_argument(
        "--repeats",
        metavar="N",
        type=at_least(1),
        default=RUNS_FOR_95,
        help=f"runs of each (default: {RUNS_FOR_95}, the fewest for a 95%% interval of a median)",
    )
    parser.add_argument(
        "--pin", action="store_true", help=f"pin thread i to the i-th of the {usable_cpus()} usable CPUs"
    )
    parser.add_argument("--json", type=output_file(), metavar="FILE", help="also save every sample here")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    setup = CostSetup(**{field: getattr(args, field) for field in _OPTIONS}, pin=args.pin)
    try:
        costs = start_costs(setup)
    except (TypeError, ValueError) as error:
        raise CommandError(str(error)) from None
    planned = args.repeats * len(costs)
    done = 0
    interrupted = False
    with progress_bar(stderr_console()) as bar:
        task = bar.add_task("measuring", total=planned)
        try:
            for _ in range(args.repeats):
                for one in costs:
                    bar.update(task, description=one.strategy.name)
                    measure_once(one, setup)
                    done += 1
                    bar.advance(task)
        except (TypeError, ValueError) as error:
            raise CommandError(str(error)) from None
        except KeyboardInterrupt:
            interrupted = True
    measured = [one for one in costs if one.update_ns and one.exact_read_ns]
    out = stdout_console()
    _print(out, setup, measured)
    if args.json is not None:
        saved = {"usable_cpus": usable_cpus(), "setup": asdict(setup)}
        saved["strategies"] = {one.strategy.name: _samples(one) for one in measured}
        args.json.write_text(json.dumps(saved, indent=2) + "\n")
        out.print(f"wrote {args.json}")
    if interrupted:
        print_interrupted(done, planned)
        return EXIT_INTERRUPTED
    return 0


def _samples(costs: StrategyCosts) -> dict[str, Any]:
    samples = asdict(costs)
    samples["strategy"] = costs.strategy.name
    return samples


def _spread(samples: list[float]) -> str:
    return f"{statistics.median(samples):.2f} ({min(samples):.2f}-{max(samples):.2f})"


def _print(out: Console, setup: CostSetup, measured: list[StrategyCosts]) -> None:
    cpus = usable_cpus()
    update_label = " (oversubscribed)" if setup.threads > cpus else ""
    read_label = " (oversubscribed)" if setup.writers + 1 > cpus else ""
    out.print(
        f"update: hammer, {setup.threads} threads{update_label}, {setup.nodes} nodes, batch {setup.batch}, "
        f"hold {setup.hold}, {setup.rounds} rounds; read: {setup.writers} writer(s) (batch {setup.batch}) "
        f"+ 1 reader{read_label}; percpu_batch counter_batch {setup.counter_batch}; "
        f"{'pinned' if setup.pin else 'not pinned'}; usable CPUs: {cpus}",
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
        bound = "none" if one.error_bound is None else str(one.error_bound)
        out.add_row(
            one.strategy.name,
            _spread(one.update_ns),
            _spread(one.cheap_read_ns),
            _spread(one.writer_mops),
            _spread(one.exact_read_ns),
            f"{one.max_error} / {bound}",
            f"{one.bytes_padded:,}",
            f"{one.bytes_packed:,}",
        )
    return out


def _ablation_table(ablation: list[StrategyCosts]) -> Table:
    out = table()
    out.add_column("strategy")
    for name in ("padded ns/op", "packed ns/op", "packed/padded"):
        out.add_column(name, justify="right")
    for one in ablation:
        ratio = statistics.median(one.packed_update_ns) / statistics.median(one.update_ns)
        out.add_row(one.strategy.name, _spread(one.update_ns), _spread(one.packed_update_ns), f"{ratio:.2f}")
    return out
