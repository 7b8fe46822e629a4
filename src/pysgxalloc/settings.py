"""Settings types: every setting of a kind of run defined once, with its default, its bounds and its help.

A settings type (``HammerSettings``, ``ReclaimSettings``, ``ExploreSettings``, ...) is a frozen
dataclass whose fields are `Setting` descriptors. From the one definition of a field come:

- the run's public function's keyword parameter and its default (`keyword_function`);
- the check of a value given to it: its type, and its bounds where the core does not check them
  itself (the core checks the ranges it receives, in one place, with limits that often depend on
  other fields: ``high >= low``, a shape's total pages);
- the core's configuration, filled by name (`native_fields`);
- its JSON value and CSV column in saved results (`settings_to_dict`, `settings_from_dict`,
  `settings_row`);
- its command-line option (pysgxalloc.cli.setting_options) and its help there.

Why descriptors: a setting takes more than it holds (a strategy's name or the enum member, a list of
page counts that it keeps as a tuple, "as many nodes as the list has"). The dataclass's constructor
takes what ``Setting.__set__`` takes and its attribute holds what ``__get__`` returns, and mypy reads
both from the descriptor, so ``HammerSettings(node_search="fixed_2024").node_search`` is a
``NodeSearch`` to a type checker too.
"""

from __future__ import annotations

import dataclasses
import enum
import inspect
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Concatenate, Generic, ParamSpec, TypeVar, overload

from pysgxalloc._checks import as_bool, as_float, as_int, as_member, as_optional_int

if TYPE_CHECKING:
    from pysgxalloc.strategy import StrategyLike

In = TypeVar("In")  #: what a setting takes
Out = TypeVar("Out")  #: what it holds
EnumT = TypeVar("EnumT", bound=enum.Enum)
P = ParamSpec("P")
SettingsT = TypeVar("SettingsT")
R = TypeVar("R")

#: A value as the JSON and CSV files hold it.
Json = int | float | bool | str | None | list[int]

#: Settings kinds, each with its own check, its own command-line syntax and its own file form.
INT, NUMBER, FLAG, CHOICE, PAGES = "int", "number", "flag", "choice", "pages"


class Setting(Generic[In, Out]):
    """One field of a settings type: its default, how a value is checked, its bounds and its help.

    `core`: the core configuration field it fills ("": its own name; None: the core never sees it, a
    Python-only setting). `low` and `high`: the least and largest value. The core checks
    the range of every field it receives (one place, the C++ config's validate()), so Python checks
    them only for Python-only settings and where `checked_here` says so; the command line refuses a
    value below `low` when it parses it (``must be at least 1, got 0``).
    """

    def __init__(
        self,
        default: In,
        check: Callable[[str, object], Out],
        *,
        kind: str,
        help: str,
        low: float | None = None,
        high: float | None = None,
        checked_here: bool | None = None,
        core: str | None = "",
        to_core: Callable[[Out], object] | None = None,
        choices: tuple[str, ...] = (),
        from_name: Callable[[str], object] | None = None,
        flag: str | None = None,
        metavar: str | None = None,
        shown: str | None = None,
        off_help: str | None = None,
    ) -> None:
        self.default = default
        self._check = check
        self.kind = kind
        self.help = help
        self.low, self.high = low, high
        self._core = core
        self.checked_here = (core is None) if checked_here is None else checked_here
        self.to_core = to_core
        self.choices = choices
        self.from_name = from_name
        self._flag = flag
        self.metavar = metavar
        self.shown = shown  #: the default as help and docs describe it, where its value does not say it
        self.off_help = off_help  #: a flag whose default is on: what turning it off does
        self.name = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    @property
    def core_name(self) -> str | None:
        """The core configuration field this setting fills; None for a Python-only one."""
        return self.name if self._core == "" else self._core

    @property
    def flag(self) -> str:
        """The command-line option: ``--pages-per-node`` for ``pages_per_node``, unless given."""
        return self._flag or "--" + self.name.replace("_", "-")

    def check(self, value: object) -> Out:
        """`value` as this setting holds it: TypeError or ValueError naming the setting if it is none."""
        checked = self._check(self.name, value)
        if self.checked_here and isinstance(checked, (int, float)) and not isinstance(checked, bool):
            check_bounds(self.name, checked, self.low, self.high)
        return checked

    def shown_default(self) -> str:
        """The default as the help shows it."""
        return self.shown if self.shown is not None else shown_value(self.default)

    def encode(self, value: Out) -> Json:
        """`value` as a JSON file holds it: members by name, sequences as lists."""
        if isinstance(value, enum.Enum):
            return str(value.name)
        if isinstance(value, tuple):
            return list(value)
        return value  # type: ignore[return-value]  # ints, floats, bools, strings and None as they are

    def decode(self, value: object) -> object:
        """A JSON value back as this setting takes it (a member's name stays a name unless the
        setting takes members only)."""
        if self.from_name is not None and isinstance(value, str):
            return self.from_name(value)
        return value

    @overload
    def __get__(self, instance: None, owner: type | None = None) -> In: ...
    @overload
    def __get__(self, instance: object, owner: type | None = None) -> Out: ...
    def __get__(self, instance: object, owner: type | None = None) -> Any:
        # Class access is how dataclasses finds the default (and what help() shows beside the name).
        if instance is None:
            return self.default
        try:
            return instance.__dict__[self.name]
        except KeyError:
            raise AttributeError(self.name) from None

    def __set__(self, instance: object, value: In) -> None:
        # The dataclass's __init__ sets every field through here, in order: the first bad one is reported.
        instance.__dict__[self.name] = self.check(value)


def check_bounds(name: str, value: float, low: float | None, high: float | None) -> None:
    """ValueError unless `low` <= `value` <= `high` (either may be None), worded as the core words it."""
    if low is not None and high is not None:
        if not low <= value <= high:
            raise ValueError(
                f"{name} must be between {shown_value(low)} and {shown_value(high)}, got {value}"
            )
    elif low is not None and not value >= low:
        raise ValueError(f"{name} must be at least {shown_value(low)}, got {value}")
    elif high is not None and not value <= high:
        raise ValueError(f"{name} must be at most {shown_value(high)}, got {value}")


def shown_value(value: object) -> str:
    """A value as help and error messages show it: members by name, counts with thousands separators
    (2,000,000), lists as typed (4096,4096,0: the commas part the items), 2.0 as 2."""
    if isinstance(value, enum.Enum):
        return str(value.name)
    if isinstance(value, tuple):
        return ",".join(str(item) for item in value)
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


# The kinds of setting. Each returns a `Setting` typed with what it takes and what it holds.


def integer(default: int, *, help: str, low: int | None = None, **options: Any) -> Setting[int, int]:
    """An int (numpy integers too) that fits the core's 64 bits."""
    return Setting(
        default, as_int, kind=INT, help=help, low=low, metavar=options.pop("metavar", "N"), **options
    )


def optional_integer(
    default: int | None, *, help: str, low: int | None = None, **options: Any
) -> Setting[int | None, int | None]:
    """None (the setting's default, which `shown` describes), or an int."""
    return Setting(
        default, as_optional_int, kind=INT, help=help, low=low, metavar=options.pop("metavar", "N"), **options
    )


def number(default: float, *, help: str, **options: Any) -> Setting[float, float]:
    """A float (ints too): seconds, mostly."""
    return Setting(
        default, as_float, kind=NUMBER, help=help, metavar=options.pop("metavar", "SECONDS"), **options
    )


def flag(default: bool, *, help: str, **options: Any) -> Setting[bool, bool]:
    """A bool (numpy's too): on the command line ``--name``, or ``--no-name`` where it is on by default."""
    return Setting(default, as_bool, kind=FLAG, help=help, **options)


def member(kind: type[EnumT], default: EnumT, *, help: str, **options: Any) -> Setting[EnumT | str, EnumT]:
    """A member of the enum `kind`, given as the member or its name."""
    return Setting(
        default,
        lambda name, value: as_member(kind, name, value),
        kind=CHOICE,
        help=help,
        choices=tuple(item.name for item in kind),
        **options,
    )


def strict_member(kind: type[EnumT], default: EnumT, *, help: str, **options: Any) -> Setting[EnumT, EnumT]:
    """A member of the enum `kind`, given as the member itself (files and the command line give its name)."""

    def check(name: str, value: object) -> EnumT:
        if not isinstance(value, kind):
            raise TypeError(f"{name} must be a {kind.__name__}, got {type(value).__name__}")
        return value

    def from_name(text: str) -> EnumT:
        return as_member(kind, "value", text)

    return Setting(
        default,
        check,
        kind=CHOICE,
        help=help,
        choices=tuple(item.name for item in kind),
        from_name=from_name,
        **options,
    )


# What a settings type is made of, and what comes from it.


def settings_fields(settings_type: type) -> list[Setting[Any, Any]]:
    """The `Setting` of every field of `settings_type` that is one, in declaration order (a plain
    field, such as the demo's hammer settings beside its own, is the caller's own business)."""
    found: list[Setting[Any, Any]] = []
    for item in dataclasses.fields(settings_type):
        descriptor = inspect.getattr_static(settings_type, item.name, None)
        if isinstance(descriptor, Setting):
            found.append(descriptor)
    return found


def setting(settings_type: type, name: str) -> Setting[Any, Any]:
    """The `Setting` named `name` of `settings_type`."""
    descriptor = inspect.getattr_static(settings_type, name)
    if not isinstance(descriptor, Setting):
        raise TypeError(f"{settings_type.__name__}.{name} is not a Setting")
    return descriptor


def native_fields(settings: object) -> dict[str, object]:
    """Every setting the core receives, under the core's name, as the core takes it."""
    fields: dict[str, object] = {}
    for item in settings_fields(type(settings)):
        if item.core_name is not None:
            value = getattr(settings, item.name)
            fields[item.core_name] = value if item.to_core is None else item.to_core(value)
    return fields


def settings_to_dict(settings: object, *, leave_out: tuple[str, ...] = ()) -> dict[str, Json]:
    """The settings as a JSON object, one entry per field (but `leave_out`), in declaration order."""
    return {
        item.name: item.encode(getattr(settings, item.name))
        for item in settings_fields(type(settings))
        if item.name not in leave_out
    }


def settings_row(settings: object, *, leave_out: tuple[str, ...] = ()) -> dict[str, str | int | float | bool]:
    """The settings as CSV cells, one column per field (but `leave_out`): a list's items joined by commas,
    None as an empty cell."""
    row: dict[str, str | int | float | bool] = {}
    for name, value in settings_to_dict(settings, leave_out=leave_out).items():
        if isinstance(value, list):
            row[name] = ",".join(str(item) for item in value)
        else:
            row[name] = "" if value is None else value
    return row


def settings_from_dict(
    settings_type: Callable[..., SettingsT],
    data: Mapping[str, object],
    *,
    where: str = "",
    leave_out: tuple[str, ...] = (),
) -> SettingsT:
    """A settings object from a JSON object: every field it names (but `leave_out`), the rest at their
    defaults (a file written before a setting existed ran with its default). TypeError or
    ValueError names the field as ``<where><name>``."""
    given: dict[str, object] = {}
    for item in settings_fields(settings_type):  # type: ignore[arg-type]
        if item.name in data and item.name not in leave_out:
            try:
                given[item.name] = item.decode(data[item.name])
            except ValueError as error:
                raise ValueError(f"{where}{item.name}: {error}") from None
    try:
        return settings_type(**given)
    except (TypeError, ValueError) as error:
        raise type(error)(f"{where}{error}") from None


# The public functions: keyword parameters from the settings type.


def keyword_function(
    run: Callable[[StrategyLike, SettingsT], R], settings_type: Callable[P, SettingsT], name: str
) -> Callable[Concatenate[StrategyLike, P], R]:
    """``run(strategy, settings)`` as ``name(strategy, *, <every setting>=<its default>)``.

    Typing: `settings_type`'s constructor is the ParamSpec, so a type checker sees the function's
    parameters exactly as the dataclass's __init__ takes them (each one `Setting.__set__`'s type, with
    its default), and ``hammer("atomic", threads="2")`` or a misspelt keyword fails to type-check,
    with no signature or stub written a second time. At run time the function's ``__signature__`` and
    docstring come from the same fields, so help() and inspect show them
    (tests/test_settings.py checks that they agree).
    """

    def call(strategy: StrategyLike, /, *args: P.args, **kwargs: P.kwargs) -> R:
        return run(strategy, settings_type(*args, **kwargs))

    first = inspect.Parameter("strategy", inspect.Parameter.POSITIONAL_ONLY, annotation="StrategyLike")
    parameters = [
        parameter.replace(annotation=taken_type(parameter.annotation))
        for parameter in inspect.signature(settings_type).parameters.values()
    ]
    call.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [first, *parameters], return_annotation=inspect.signature(run).return_annotation
    )
    call.__name__ = call.__qualname__ = name
    call.__module__ = run.__module__
    call.__doc__ = (inspect.getdoc(run) or "").rstrip() + "\n\n" + settings_doc(settings_type)
    return call


def taken_type(annotation: object) -> object:
    """What a ``Setting[In, Out]`` annotation takes (its In, as written), for signatures: help()
    should say ``threads: int = 2``, not name the descriptor."""
    text = str(annotation)
    if not (text.startswith("Setting[") and text.endswith("]")):
        return annotation
    depth = 0
    for index, char in enumerate(text[len("Setting[") : -1]):
        depth += char in "[(" or -(char in "])")
        if char == "," and depth == 0:
            return text[len("Setting[") : len("Setting[") + index].strip()
    return annotation


def settings_doc(settings_type: Callable[..., object]) -> str:
    """Every setting's name, default and help, one paragraph each, as docstrings list them."""
    lines = [f"Settings (``{getattr(settings_type, '__name__', 'settings')}``, each keyword-only):", ""]
    for item in settings_fields(settings_type):  # type: ignore[arg-type]
        bounds = describe_bounds(item)
        limits = f", {bounds}" if bounds else ""
        lines.append(f"- ``{item.name}`` (default ``{item.shown_default()}``{limits}): {item.help}")
    return "\n".join(lines)


def settings_table(settings_type: Callable[..., object]) -> str:
    """Every setting as a row of a Markdown table: name, default, bounds, help (docs/settings.md)."""
    rows = ["| setting | default | bounds | what it does |", "|---|---|---|---|"]
    for item in settings_fields(settings_type):  # type: ignore[arg-type]
        cells = (f"`{item.name}`", item.shown_default(), describe_bounds(item), item.help)
        rows.append("| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |")
    return "\n".join(rows)


def describe_bounds(item: Setting[Any, Any]) -> str:
    """The bounds in words, "at least 1" and the like, for help and docs; empty without bounds."""
    if item.low is not None and item.high is not None:
        return f"{shown_value(item.low)} to {shown_value(item.high)}"
    if item.low is not None:
        return f"at least {shown_value(item.low)}"
    if item.high is not None:
        return f"at most {shown_value(item.high)}"
    return ""


class SettingsAndStats:
    """A result that holds its `settings` and its `stats` and answers for both: ``result.threads`` is
    ``result.settings.threads``, ``result.total_ops`` is ``result.stats.total_ops``.

    A name the result defines itself wins, then its stats' (what the run measured: the counter batch
    it really used, say, where the settings may say None, the default), then its settings'. Typing:
    what is forwarded reads as Any to a type checker; ``result.settings.x`` and ``result.stats.x`` are
    typed.
    """

    #: The attributes forwarded to, in the order they are asked.
    FORWARDED: tuple[str, ...] = ("stats", "settings")

    def __getattr__(self, name: str) -> Any:
        # Only called for names the result lacks; dunders (copy, pickle) and private names are never
        # forwarded, nor asked of a half-built result whose parts are not set yet.
        if not name.startswith("_"):
            for part in self.FORWARDED:
                holder = self.__dict__.get(part)
                if holder is not None and hasattr(holder, name):
                    return getattr(holder, name)
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
