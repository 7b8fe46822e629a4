// CPU affinity for worker threads: which CPUs this process may use, and pinning
// the calling thread to one of them. Shared by every engine that offers `pin`.
//
// Cost: two system calls per pinned thread, once, before its work starts.
#pragma once

#include <pthread.h>
#include <sched.h>

#include <cerrno>
#include <string>
#include <system_error>
#include <vector>

namespace sgx {

// The CPUs in this process's affinity mask, in rising order.
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

inline void pin_calling_thread(int cpu) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    if (int rc = pthread_setaffinity_np(pthread_self(), sizeof set, &set); rc != 0) {
        throw std::system_error(rc, std::generic_category(), "pinning a worker to CPU " + std::to_string(cpu));
    }
}

}  // namespace sgx
