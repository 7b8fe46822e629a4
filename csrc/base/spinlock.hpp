// Spinlock: RAII ownership of a pthread_spinlock_t, usable with std::lock_guard.
//
// Models the kernel's spinlock_t of each EPC section (struct sgx_numa_node.lock).
// A spinning waiter burns its core until the holder releases, so when threads
// outnumber cores (8 threads on our 2-core machines) a preempted holder makes
// every waiter spin out its time slice: such runs measure oversubscription, not
// the counter, and every report labels them.
#pragma once

#include <pthread.h>

#include <cerrno>
#include <mutex>
#include <system_error>

namespace sgx {

class Spinlock {
public:
    Spinlock() {
        if (int rc = pthread_spin_init(&lock_, PTHREAD_PROCESS_PRIVATE); rc != 0) {
            throw std::system_error(rc, std::generic_category(), "pthread_spin_init");
        }
    }
    ~Spinlock() { pthread_spin_destroy(&lock_); }
    Spinlock(const Spinlock&) = delete;
    Spinlock& operator=(const Spinlock&) = delete;

    // lock()/unlock() make the type BasicLockable; callers hold it through
    // std::lock_guard / std::scoped_lock only, never by hand.
    void lock() noexcept { pthread_spin_lock(&lock_); }
    void unlock() noexcept { pthread_spin_unlock(&lock_); }

private:
    pthread_spinlock_t lock_;
};

using SpinGuard = std::lock_guard<Spinlock>;

}  // namespace sgx
