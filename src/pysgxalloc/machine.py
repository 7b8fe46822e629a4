"""What the machine can run at once, and what it is: the figures every report prints beside its results.

The topology (sockets, cores, SMT siblings, NUMA nodes and their CPUs) comes from sysfs
(/sys/devices/system/cpu/cpu*/topology, /sys/devices/system/node/node*/cpulist) where it is
present; elsewhere it falls back to one socket and node holding os.cpu_count() single-thread
cores, and says so in ``topology_source``.
"""

from __future__ import annotations

import os
import platform
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from pysgxalloc.counted import counted


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


_SYSFS_CPU = Path("/sys/devices/system/cpu")
_SYSFS_NODE = Path("/sys/devices/system/node")


def load_average() -> float:
    """The 1-minute load average (0.0 where the OS has none): how busy the machine was around a run."""
    try:
        return os.getloadavg()[0]
    except (AttributeError, OSError):
        return 0.0


@dataclass(frozen=True)
class Topology:
    """How the machine's CPUs are built: what decides whether two threads share a core or a node."""

    sockets: int
    cores: int  #: physical cores, all sockets
    threads_per_core: int  #: SMT siblings per core (1 without SMT)
    numa_nodes: tuple[str, ...]  #: one "node N: CPU list" per NUMA node
    source: str  #: "sysfs", or "assumed" where sysfs was not there to read

    @classmethod
    def read(cls, cpu_root: Path = _SYSFS_CPU, node_root: Path = _SYSFS_NODE) -> Topology:
        try:
            return cls._from_sysfs(cpu_root, node_root)
        except (OSError, ValueError):
            count = os.cpu_count() or 1
            return cls(1, count, 1, (f"node 0: 0-{count - 1}",), "assumed")

    @classmethod
    def _from_sysfs(cls, cpu_root: Path, node_root: Path) -> Topology:
        cores: set[tuple[str, str]] = set()
        sockets: set[str] = set()
        cpus = 0
        for topology in sorted(cpu_root.glob("cpu[0-9]*/topology")):
            package = (topology / "physical_package_id").read_text().strip()
            sockets.add(package)
            cores.add((package, (topology / "core_id").read_text().strip()))
            cpus += 1
        if not cores:
            raise ValueError("no CPU topology in sysfs")
        nodes = sorted(node_root.glob("node[0-9]*"), key=lambda path: int(path.name[4:]))
        numa = tuple(f"node {path.name[4:]}: {(path / 'cpulist').read_text().strip()}" for path in nodes)
        return cls(len(sockets), len(cores), max(1, cpus // len(cores)), numa or ("node 0: all",), "sysfs")


@dataclass(frozen=True)
class MachineInfo:
    """The machine a set of results was measured on, so results from several machines stay apart."""

    hostname: str
    cpus: int  #: CPUs the measuring process could use
    cpu_count: int  #: CPUs the machine has
    platform: str  #: OS, kernel and architecture
    processor: str
    python: str
    # Added in sweep record version 2; the defaults stand for "not recorded" in older files.
    sockets: int = 0
    cores: int = 0  #: physical cores
    threads_per_core: int = 0  #: SMT siblings per core
    numa_nodes: tuple[str, ...] = ()  #: "node N: CPU list" each
    kernel: str = ""
    topology_source: str = ""  #: "sysfs" or "assumed"

    @classmethod
    def current(cls) -> MachineInfo:
        topology = Topology.read()
        return cls(
            hostname=platform.node(),
            cpus=usable_cpus(),
            cpu_count=os.cpu_count() or 1,
            platform=platform.platform(),
            processor=processor_name(),
            python=platform.python_version(),
            sockets=topology.sockets,
            cores=topology.cores,
            threads_per_core=topology.threads_per_core,
            numa_nodes=topology.numa_nodes,
            kernel=platform.release(),
            topology_source=topology.source,
        )

    @property
    def label(self) -> str:
        """How tables and plots name this machine: host and usable CPUs."""
        return f"{self.hostname or 'unknown host'} ({counted(self.cpus, 'CPU')})"

    @property
    def description(self) -> str:
        """One line: CPU model, sockets, cores, SMT, NUMA nodes and kernel (what was recorded of them)."""
        parts = [self.processor or "unknown CPU"]
        if self.cores:
            assumed = " (assumed: no sysfs)" if self.topology_source == "assumed" else ""
            parts.append(
                f"{counted(self.sockets, 'socket')}, {counted(self.cores, 'core')}, "
                f"{counted(self.threads_per_core, 'thread')} per core{assumed}"
            )
        if self.numa_nodes:
            parts.append(f"{counted(len(self.numa_nodes), 'NUMA node')} ({'; '.join(self.numa_nodes)})")
        if self.kernel:
            parts.append(f"kernel {self.kernel}")
        return ", ".join(parts)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["numa_nodes"] = list(self.numa_nodes)
        return data
