"""The CLI's subcommands, one module each, each with register(subparsers)."""
