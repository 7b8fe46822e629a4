"""Command-line options made from a settings type: one option per setting, its type, bounds and help
(with the default) taken from the setting's one definition (pysgxalloc/settings.py).

A command names the settings it takes (`SettingOptions.of`), adds their options to its parser
(`add_to`), then builds the run's settings from what was given (`settings`): a setting left off the
command line keeps the command's own default (`base`), or the settings type's. How each kind reads:

- int: ``--ops N``, at least the setting's `low` where it has one (``must be at least 1, got 0``);
- number: ``--stall-seconds SECONDS``; choice: ``--comparison {signed_count,kernel_unsigned}``;
- pages: ``--pages-per-node N[,N...]``, one count or one per node;
- flag: ``--packed`` where it is off by default; both ``--pin`` and ``--no-pin`` where it is on, or
  where the command decides by itself unless told (`auto`).

A help text names another setting by its flag (``--pages-per-node``, not ``pages_per_node``), and the
settings type's or the core's error for a value given here does too (`SettingOptions.error`).

One parser may carry two settings types that share options (explore and its ``--hang`` search):
add the second as a `variant`; an option both have is added once, and its help gives both defaults.
"""

from __future__ import annotations

import argparse
import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from pysgxalloc.cli.arguments import CommandError, at_least, integer, pages_per_node, seconds
from pysgxalloc.cli.flag_names import flag_error, spelled_as_flags
from pysgxalloc.settings import (
    CHOICE,
    FLAG,
    INT,
    NUMBER,
    PAGES,
    Setting,
    describe_bounds,
    settings_fields,
    shown_value,
)

SettingsT = TypeVar("SettingsT")


@dataclass(frozen=True)
class SettingOptions(Generic[SettingsT]):
    """The options a command gives one settings type, and how it reads them back into settings.

    `names`: the settings that get an option. `base`: the command's own defaults, which the help
    shows and a setting left off the command line keeps (None: the settings type's). `prefix` goes
    before every argparse destination (the demo's options sit on the top-level parser too).
    """

    settings_type: Callable[..., SettingsT]
    names: tuple[str, ...]
    base: SettingsT | None = None
    prefix: str = ""

    @classmethod
    def of(
        cls,
        settings_type: Callable[..., SettingsT],
        *,
        leave_out: tuple[str, ...] = (),
        only: tuple[str, ...] | None = None,
        base: SettingsT | None = None,
        prefix: str = "",
    ) -> SettingOptions[SettingsT]:
        """Options for every setting of `settings_type`: `only` those, or all but `leave_out`."""
        names = tuple(
            item.name
            for item in settings_fields(settings_type)  # type: ignore[arg-type]
            if (only is None or item.name in only) and item.name not in leave_out
        )
        return cls(settings_type, names, base, prefix)

    @property
    def fields(self) -> list[Setting[Any, Any]]:
        return [_setting(self.settings_type, name) for name in self.names]

    def dest(self, name: str) -> str:
        """The argparse destination of the option of the setting `name`."""
        return _dest(_setting(self.settings_type, name), self.prefix)

    def add_to(
        self,
        parser: argparse.ArgumentParser,
        *,
        auto: Mapping[str, str] | None = None,
        variant: tuple[str, SettingOptions[Any]] | None = None,
        default: Any = None,
        flags: Mapping[str, str] | None = None,
    ) -> None:
        """Add the options to `parser`.

        `auto`: flags the command sets itself unless told, each with the words for what it does then;
        they get both ``--x`` and ``--no-x``. `variant`: (the option that picks it, the options of a
        second settings type that shares this parser): an option both have is added once, its help
        giving both defaults where they differ. `default`: what argparse stores for an option not
        given (None, or argparse.SUPPRESS where a sub-parser must not overwrite the top level's).
        `flags`: the command's other options that a help text may name (setting name -> flag).
        """
        auto = auto or {}
        theirs = {item.flag: (item, variant[1].shown(item)) for item in variant[1].fields} if variant else {}
        label = variant[0] if variant else ""
        flags = {**(flags or {}), **(variant[1].flags() if variant else {}), **self.flags()}
        for item in self.fields:
            text = self.shown(item)
            if item.flag in theirs and (other := theirs.pop(item.flag)[1]) != text:
                text += f"; {label}: {other}"
            _add(parser, item, text, auto.get(item.name), self.prefix, default, flags)
        for item, text in theirs.values():  # the variant's own options
            _add(parser, item, f"{text}; {label} only", None, self.prefix, default, flags)

    def flags(self) -> dict[str, str]:
        """Setting name -> the flag of its option, under both its own name and the core's, so that a
        message from either can name the flag the user typed (cli/flag_names.py)."""
        found: dict[str, str] = {}
        for item in self.fields:
            found[item.name] = item.flag
            if item.core_name is not None:
                found.setdefault(item.core_name, item.flag)
        return found

    def error(self, error: Exception, **flags: str) -> CommandError:
        """A usage error for `error`, raised by the settings type or the core for a value these options
        gave, worded with the flags the user typed; `flags` adds the command's own (name -> flag)."""
        return CommandError(flag_error(str(error), {**self.flags(), **flags}))

    def shown(self, item: Setting[Any, Any]) -> str:
        """A setting's default as the help gives it: the command's (`base`) where it has its own."""
        if self.base is not None:
            value = getattr(self.base, item.name)
            if value != item.check(item.default):
                return shown_value(value)
        return item.shown_default()

    def given(self, args: argparse.Namespace) -> dict[str, Any]:
        """Every setting given on the command line, as the settings type takes it (each of its own
        type: Any to a type checker, which the settings type's own checks make up for)."""
        found: dict[str, Any] = {}
        for item in self.fields:
            value = getattr(args, _dest(item, self.prefix), None)
            if value is not None:
                found[item.name] = item.decode(value)
        return found

    def given_flags(self, args: argparse.Namespace) -> list[str]:
        """The options given on the command line, as they were typed (``--no-pin`` for a flag turned off)."""
        flags = []
        for item in self.fields:
            value = getattr(args, _dest(item, self.prefix), None)
            if value is not None:
                flags.append(_off_flag(item) if value is False else item.flag)
        return flags

    def settings(self, args: argparse.Namespace, **fixed: object) -> SettingsT:
        """The run's settings: `base` (or the defaults), with what was given and `fixed` on top.
        TypeError or ValueError as the settings type raises them."""
        values = {**self.given(args), **fixed}
        if self.base is None:
            return self.settings_type(**values)
        return dataclasses.replace(self.base, **values)  # type: ignore[type-var]


def _setting(settings_type: Callable[..., object], name: str) -> Setting[Any, Any]:
    return next(item for item in settings_fields(settings_type) if item.name == name)  # type: ignore[arg-type]


def _dest(item: Setting[Any, Any], prefix: str) -> str:
    """The destination of a setting's option: its flag's words (so options two types share agree)."""
    return prefix + item.flag.removeprefix("--").replace("-", "_")


def _off_flag(item: Setting[Any, Any]) -> str:
    return f"--no-{item.flag.removeprefix('--')}"


def _add(
    parser: argparse.ArgumentParser,
    item: Setting[Any, Any],
    shown: str,
    auto: str | None,
    prefix: str,
    default: Any,
    flags: Mapping[str, str],
) -> None:
    dest = _dest(item, prefix)

    def helped(words: str) -> str:  # other settings by their flags; % doubled, as argparse formats help
        return spelled_as_flags(words, flags).replace("%", "%%")

    text, shown = helped(item.help), helped(shown)
    if item.kind == FLAG:
        # --x, and --no-x where the command pins (or the like) by itself or the setting is on by default
        switched_on = f"{text} (default: {auto})" if auto is not None else f"{text} (default)"
        if auto is not None or item.default:
            parser.add_argument(
                item.flag, dest=dest, action="store_const", const=True, default=default, help=switched_on
            )
            parser.add_argument(
                _off_flag(item), dest=dest, action="store_const", const=False, default=default,
                help=helped(item.off_help or f"not: {item.help}"),
            )  # fmt: skip
        else:
            parser.add_argument(
                item.flag, dest=dest, action="store_const", const=True, default=default, help=text
            )
        return
    options: dict[str, Any] = {"dest": dest, "default": default, "help": f"{text} (default: {shown})"}
    if item.kind == CHOICE:
        options["choices"] = item.choices
    else:
        options["metavar"] = item.metavar
        options["type"] = _argument_type(item)
        if item.kind == INT and (bounds := describe_bounds(item)):
            options["help"] = f"{text} ({bounds}; default: {shown})"
    parser.add_argument(item.flag, **options)


def _argument_type(item: Setting[Any, Any]) -> Callable[[str], object]:
    if item.kind == INT:
        return integer if item.low is None else at_least(int(item.low))
    if item.kind == NUMBER:
        return seconds
    if item.kind == PAGES:
        return pages_per_node
    raise ValueError(f"{item.name}: no command-line form for a setting of kind {item.kind!r}")
