"""The CLI's commands, one module each.

Every command module exposes ``register(subparsers) -> None``: it adds its
sub-parser (with --help text) and calls ``set_defaults(run=...)`` with a
callable taking the parsed ``argparse.Namespace`` and returning the exit code.
``pysgxalloc.cli.main`` registers them; with no command, the demo runs.
"""
