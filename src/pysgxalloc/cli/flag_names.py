"""Settings' names as the command line spells them: ``pages_per_node`` is ``--pages-per-node``.

The core and the settings types name a bad value by its setting (``low must not exceed high, got
low=65, high=64``), and a setting's help may name another setting (``with plain_update
load_store``). On the command line the user typed flags, so both are reworded here, from the
command's own table of setting name -> flag (`SettingOptions.flags`):

- `flag_error`: the message in the form argparse gives its own errors, ``argument --low: must not
  exceed --high, got --low 65, --high 64``, when it starts with a setting the command has; every
  setting named in it spelled as its flag.
- `spelled_as_flags`: every setting name in a text that is one word with an underscore
  (``pages_per_node``), or written ``name=value``, as its flag; a plain word such as "nodes" stays,
  since in a sentence it is mostly the word.

The core's messages are short and begin with the setting they are about (csrc/base/errors.hpp's
check_range, each config's validate()), which is what makes this safe to do by pattern.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

#: A setting's name: lower-case words joined by underscores.
_NAME = r"[a-z][a-z0-9]*(?:_[a-z0-9]+)*"
#: The subject a message starts with: a name, perhaps one item of it (``pages_per_node[2]``), the
#: value it had (``preset='seed'``), a product (``nodes x pages_per_node``) or an aside
#: (``walk_interval_seconds (0: no walk)``), which goes to the end.
_SUBJECT = re.compile(
    rf"^(?P<name>{_NAME})(?:\[(?P<index>\d+)\])?(?:=\S+?)?(?: x (?P<times>{_NAME}))?"
    r"(?P<aside> \([^)]*\))? (?P<rest>.+)$",
    re.S,
)
#: Subjects the core words as a phrase, and the setting each is about.
_PHRASES = {"the nodes' pages ": "pages_per_node"}
_ASSIGNED = re.compile(rf"(?<![\w-])(?P<name>{_NAME})=(?P<value>[^\s,;)]+)")
_WORD = re.compile(rf"(?<![\w'-]){_NAME}(?![\w'-])")


def flag_error(message: str, flags: Mapping[str, str]) -> str:
    """`message`, about a value given on the command line, with its settings named by their flags
    (`flags`: setting name -> flag): ``argument --flag: ...`` where it starts with one of them."""
    for phrase, name in _PHRASES.items():
        if message.startswith(phrase) and name in flags:
            return f"argument {flags[name]}: {_with_flags(message, flags, every_word=True)}"
    found = _SUBJECT.match(message)
    if found is None or found["name"] not in flags or (found["times"] and found["times"] not in flags):
        return _with_flags(message, flags, every_word=True)
    times = f" x {flags[found['times']]}" if found["times"] else ""
    rest = _with_flags(found["rest"], flags, every_word=True)
    if found["index"] is not None:  # the user's list counts from 1
        rest = f"item {int(found['index']) + 1} {rest}"
    return f"argument {flags[found['name']]}{times}: {rest}{found['aside'] or ''}"


def spelled_as_flags(text: str, flags: Mapping[str, str]) -> str:
    """`text` (a help text, a default as help shows it) with each setting named by its flag: the names
    with an underscore, and any ``name=value``; other words stay as they are."""
    return _with_flags(text, flags, every_word=False)


def _with_flags(text: str, flags: Mapping[str, str], *, every_word: bool) -> str:
    text = _ASSIGNED.sub(
        lambda m: f"{flags[m['name']]} {m['value']}" if m["name"] in flags else m[0],
        text,
    )

    def flag_for(found: re.Match[str]) -> str:
        word = found[0]
        if word in flags and (every_word or "_" in word):
            return flags[word]
        return word

    return _WORD.sub(flag_for, text)
