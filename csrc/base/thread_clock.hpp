// The calling thread's CPU time (CLOCK_THREAD_CPUTIME_ID): how long it really
// ran, as against the wall time it was meant to run. On a shared machine the
// two differ, and a "2-thread" run whose threads each ran 40% of the time
// mostly measures the scheduler. One syscall (vDSO) per call; read twice per
// worker and run, never per operation.
#pragma once

#include <time.h>

namespace sgx {

inline double thread_cpu_seconds() noexcept {
    timespec now{};
    if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now) != 0) return 0;  // never fails on Linux; 0 reads as "not running"
    return static_cast<double>(now.tv_sec) + static_cast<double>(now.tv_nsec) * 1e-9;
}

}  // namespace sgx
