"""What the machine can run at once, and what it is: the figures every report prints beside its results."""

from __future__ import annotations

import os
import platform
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any


def usable_cpus() -> int:
    """CPUs this process may run on (its affinity mask), which may be fewer than the machine has."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def processor_name() -> str:
    """The CPU model as the OS names it (Linux: /proc/cpuinfo's "model name"), or "" when unknown."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            key, _, value = line.partition(":")
            if key.strip() == "model name":
                return value.strip()
    except OSError:
        pass
    return platform.processor()


@dataclass(frozen=True)
class MachineInfo:
    """The machine a set of results was measured on, so results from several machines stay apart."""

    hostname: str
    cpus: int  #: CPUs the measuring process could use
    cpu_count: int  #: CPUs the machine has
    platform: str  #: OS, kernel and architecture
    processor: str
    python: str

    @classmethod
    def current(cls) -> MachineInfo:
        return cls(
            hostname=platform.node(),
            cpus=usable_cpus(),
            cpu_count=os.cpu_count() or 1,
            platform=platform.platform(),
            processor=processor_name(),
            python=platform.python_version(),
        )

    @property
    def label(self) -> str:
        """How tables and plots name this machine: host and usable CPUs."""
        return f"{self.hostname or 'unknown host'} ({self.cpus} CPUs)"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
