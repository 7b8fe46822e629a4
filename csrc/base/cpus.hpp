// The CPUs this process may run on (its affinity mask, which may be fewer than
// the machine has): what pinning cycles through and what the counter defaults
// (percpu_batch's batch, striped's cell count) are sized by; and pinning itself.
// One syscall each, when a pool or a team is set up, never per operation.
#pragma once

#include <pthread.h>
#include <sched.h>

#include <cerrno>
#include <string>
#include <system_error>
#include <vector>

namespace sgx {

inline std::vector<int> allowed_cpus() {
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof set, &set) != 0) {
        throw std::system_error(errno, std::generic_category(), "sched_getaffinity");
    }
    std::vector<int> cpus;
    for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
        if (CPU_ISSET(cpu, &set)) cpus.push_back(cpu);
    }
    return cpus;
}

inline long usable_cpu_count() {
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof set, &set) != 0) return 1;  // the least we can assume, never fatal
    return CPU_COUNT(&set);
}

// Puts the calling thread on one CPU; throws if the CPU is not ours.
inline void pin_calling_thread(int cpu) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    if (int rc = pthread_setaffinity_np(pthread_self(), sizeof set, &set); rc != 0) {
        throw std::system_error(rc, std::generic_category(), "pinning a worker to CPU " + std::to_string(cpu));
    }
}

}  // namespace sgx
