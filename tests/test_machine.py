"""The machine every result names: topology from sysfs, or an honest fallback."""

from __future__ import annotations

from pathlib import Path

from pysgxalloc.machine import MachineInfo, Topology


def _cpu(root: Path, cpu: int, package: int, core: int) -> None:
    topology = root / f"cpu{cpu}" / "topology"
    topology.mkdir(parents=True)
    (topology / "physical_package_id").write_text(f"{package}\n")
    (topology / "core_id").write_text(f"{core}\n")


def test_topology_counts_sockets_cores_and_smt_siblings_from_sysfs(tmp_path: Path) -> None:
    cpus, nodes = tmp_path / "cpu", tmp_path / "node"
    # two sockets of two cores, two hardware threads each
    for cpu in range(8):
        _cpu(cpus, cpu, package=cpu // 4, core=(cpu // 2) % 2)
    for node, cpulist in ((0, "0-3"), (1, "4-7")):
        (nodes / f"node{node}").mkdir(parents=True)
        (nodes / f"node{node}" / "cpulist").write_text(cpulist + "\n")
    topology = Topology.read(cpus, nodes)
    assert (topology.sockets, topology.cores, topology.threads_per_core) == (2, 4, 2)
    assert topology.numa_nodes == ("node 0: 0-3", "node 1: 4-7")
    assert topology.source == "sysfs"


def test_topology_without_sysfs_says_it_was_assumed(tmp_path: Path) -> None:
    topology = Topology.read(tmp_path / "missing", tmp_path / "missing")
    assert topology.source == "assumed" and topology.sockets == 1


def test_the_machine_describes_its_cpu_topology_and_kernel() -> None:
    machine = MachineInfo.current()
    assert machine.kernel and machine.kernel in machine.description
    assert machine.processor in machine.description or not machine.processor
