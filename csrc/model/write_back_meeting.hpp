// WriteBackMeeting: a test's handshake that makes a fault meet a page ksgxd is
// writing back, whatever the scheduling (ReclaimSettings::meet_write_back).
//
// Unforced, a fault finds its page SGX_ENCL_PAGE_BEING_RECLAIMED only when it
// lands inside the few microseconds between sgx_reclaim_pages() marking a batch
// and writing it back; with a CPU hog per core, 300 runs once saw none. With the
// meeting on, ksgxd's first batch that marks a page waits there until a fault
// has found one of its pages being written back (and got -EBUSY), and every
// worker waits before its second pass until that batch is marked. The batch holds
// the oldest pages on the active list, which the second pass touches first, so
// the fault comes whatever the order the threads run in. Both waits end on the
// run's stop (the watchdog's verdict, Ctrl-C, or a run that completes because the
// fault path no longer gives -EBUSY: ksgxd is still waiting then).
//
// Off, each hook is one test of a constant on a path taken once per pass, once
// per batch, or on -EBUSY. Only for the threaded scenario: its waits spin with
// yield, which a scheduler's fibers must not.
#pragma once

#include <atomic>
#include <thread>

#include "base/stop_flag.hpp"

namespace sgx {

class WriteBackMeeting {
public:
    WriteBackMeeting(bool on, const StopFlag& stop) noexcept : on_(on), stop_(stop) {}

    bool on() const noexcept { return on_; }

    // ksgxd, its batch marked: the first such batch waits for a fault to meet it.
    void hold_marked_batch() noexcept {
        if (marked_.exchange(true, std::memory_order_acq_rel)) return;
        while (!met_.load(std::memory_order_acquire) && !stop_.requested()) std::this_thread::yield();
    }

    // A worker before its second pass. False when the run stopped first.
    bool wait_for_marked_batch() const noexcept {
        while (!marked_.load(std::memory_order_acquire)) {
            if (stop_.requested()) return false;
            std::this_thread::yield();
        }
        return true;
    }

    // A fault found its page being written back.
    void met() noexcept {
        if (on_) met_.store(true, std::memory_order_release);
    }

private:
    const bool on_;
    const StopFlag& stop_;
    std::atomic<bool> marked_{false};
    std::atomic<bool> met_{false};
};

}  // namespace sgx
