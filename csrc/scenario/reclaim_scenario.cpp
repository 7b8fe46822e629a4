// The reclaim scenario's thread team: fault workers, the reclaimer, and the
// watchdog that turns a hang into a returned result.
//
// Worker i owns a contiguous share of the enclave pages (its own enclave, or a
// share of the one shared enclave), uses node i % nodes as its local node and
// slot i; it makes `passes` passes over its share. A touch of a present page
// sets its accessed bit; a touch of any other page faults. A fault models
// sgx_vma_fault() (arch/x86/kernel/cpu/sgx/encl.c, v5.15): it takes the
// enclave's lock for the whole fault; a page being written back gives -EBUSY;
// an evicted page is loaded with sgx_alloc_epc_page(page, false), which, as the
// kernel's, returns -ENOMEM (the run ends out_of_memory) when the free lists and
// the active list are all empty, -EBUSY when only the free lists are, and
// after any outcome but -ENOMEM wakes ksgxd if sgx_should_reclaim(low). On
// -EBUSY the lock is dropped and user space faults on the same address again.
// With direct_reclaim the allocation is made with reclaim=true instead, as
// EADD and EAUG do, outside the enclave's lock: the caller then reclaims pages
// itself whenever the lists are empty. With remove_last_pass the last pass
// removes each page (sgx_encl_remove_pages(): load it if evicted, take it off
// the active list, -EBUSY if the reclaimer holds it, free its EPC page).
//
// A worker on a node without EPC (node_pages) searches the mask as
// config.node_search says; with the v5.13 search and every list empty its
// allocation never returns in the kernel, and here it ends the run as a
// soft_lockup (ReclaimStats::soft_lockup_node says where).
//
// The calling thread is the watchdog. Whenever a look finds no progress since
// the last one, it tests for the hang, which is a state no thread can leave:
// ksgxd asleep, every free list empty, every EPC page resident on the active
// list but the unreclaimable ones (no page in anyone's hands, no free in
// flight), every unfinished worker
// waiting for a page after a failed allocation, and the wake-up test false. It
// holds ksgxd's wait-queue lock, every node lock and the active list's lock
// while it tests, so the state is read at one instant; and from that state every
// thread's next step is a failed allocation and a false wake-up test, forever.
// That alone is `hung`. A run with no touch completed and no page scanned by
// ksgxd for stall_seconds (or a fault retried past max_retries) that is not in
// that state is `stalled`:
// starved of CPU, not stuck. Either way the watchdog raises the team's stop flag,
// wakes the reclaimer, joins every thread and returns: a hung model never hangs
// the process.
//
// Cost: a hit is one relaxed load (plus a fetch_or after an aging scan) and one
// relaxed store on the worker's own cache line; a fault adds the enclave lock,
// an allocation, the wake-up test (one counter read) and one active-list lock
// round trip.
#include "scenario/reclaim_scenario.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <exception>
#include <latch>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>

#include "base/cpus.hpp"
#include "base/errors.hpp"
#include "base/padded.hpp"
#include "base/slot.hpp"
#include "counters/counter_options.hpp"
#include "counters/update_clock.hpp"
#include "model/enclave.hpp"
#include "model/enclave_lock.hpp"
#include "model/pool_shape.hpp"
#include "model/reclaimer.hpp"

namespace sgx {
namespace {

using Clock = std::chrono::steady_clock;
using Seconds = std::chrono::duration<double>;

// How often the watchdog looks at progress; also how late it may notice Ctrl-C.
constexpr auto kWatchInterval = std::chrono::milliseconds(10);
// A watchdog that itself got no CPU for this long says nothing about the model
// (the whole machine stalled): its stall clock restarts rather than fire.
constexpr auto kWatchdogStarved = std::chrono::milliseconds(250);

constexpr int kNoVerdict = -1;

// What one attempt at a fault or a removal came to (under the enclave's lock).
// soft_lockup: a CPU-only node's worker, v5.13's search, every list empty: the
// kernel would spin inside __sgx_alloc_epc_page() for good (model/node_search.hpp).
enum class Attempt { served, busy, out_of_memory, soft_lockup };

// A worker's phase, for the hang proof.
enum class Phase : int {
    running,           // anything but the two below
    waiting_for_page,  // its last allocation failed and none has succeeded since
    done,              // finished (or stopped): it will never touch the pool again
};

struct WorkerTally {
    long long faults = 0;
    long long retries = 0;
    long long longest = 0;
    long long removed = 0;
    long long reclaimed = 0;  // by direct reclaim
    long long wakes = 0;
    long long busy_being_reclaimed = 0;
    Clock::duration waiting{};
};

template <CounterStrategy Counter>
class Scenario {
public:
    Scenario(const ReclaimConfig& config, const CounterOptions& options, const StopFlag& external)
        : config_(config),
          external_(external),
          pool_(PoolShape::checked(config.nodes, config.pages_per_node, config.node_pages), options,
                config.node_search),
          enclaves_(static_cast<EnclavePageId>(config.enclave_pages),
                    config.shared_enclave ? 1U : static_cast<unsigned>(config.threads)),
          reclaimer_(pool_, enclaves_, Watermarks{static_cast<long>(config.low), static_cast<long>(config.high)},
                     config.comparison, config.watermark_read, static_cast<long>(config.scan), reclaimer_slot(config),
                     config.leak_pages),
          threads_(static_cast<std::size_t>(config.threads)),
          start_line_(static_cast<std::ptrdiff_t>(threads_) + 2),
          progress_(std::make_unique<Padded<std::atomic<long long>>[]>(threads_)),
          phases_(std::make_unique<Padded<std::atomic<Phase>>[]>(threads_)),
          tallies_(threads_),
          errors_(threads_ + 1),
          cpus_(config.pin ? allowed_cpus() : std::vector<int>{}) {
        if (config.update_log_limit > 0) {
            update_times_.reserve(threads_ + 1);
            for (std::size_t index = 0; index <= threads_; ++index) {
                update_times_.emplace_back(static_cast<std::size_t>(config.update_log_limit));
            }
        }
        // The SECS and version-array pages: allocated before any fault, never on the active list.
        unreclaimable_.reserve(static_cast<std::size_t>(config.unreclaimable_pages));
        for (long long index = 0; index < config.unreclaimable_pages; ++index) {
            const auto node = static_cast<unsigned>(index % config.nodes);
            unreclaimable_.push_back(pool_.alloc(node, reclaimer_slot(config)));
        }
    }

    ReclaimStats run() {
        std::vector<std::thread> team;
        team.reserve(threads_);
        std::thread ksgxd([this] { reclaimer_thread(); });
        try {
            for (std::size_t index = 0; index < threads_; ++index) team.emplace_back([this, index] { worker(index); });
        } catch (...) {
            // Could not start them all: release the ones at the start line, which then see the stop.
            declare(ReclaimOutcome::interrupted);
            start_line_.count_down(static_cast<std::ptrdiff_t>(threads_ - team.size()) + 1);
            join_all(team, ksgxd);
            throw;
        }

        origin_ = Clock::now();  // before the start line opens: no update can come earlier
        start_line_.arrive_and_wait();
        const Clock::time_point start = Clock::now();
        watch();
        const Clock::time_point end = Clock::now();
        // The kernel's ksgxd does not stop when the workload does: a completed run
        // ends once it has gone back to sleep, so the pages left free are its doing.
        // Relaxed: watch() ended in this thread's declare(), whose compare-exchange read the winning verdict.
        if (verdict_.load(std::memory_order_relaxed) == static_cast<int>(ReclaimOutcome::completed)) {
            reclaimer_.wait_until_settled([this] { return external_.requested(); }, kWatchInterval);
        }
        join_all(team, ksgxd);
        if (walking()) sample_drift();  // quiescent: the walk's last point is the end state

        for (const auto& error : errors_) {
            if (error) std::rethrow_exception(error);
        }
        if (const std::string violation = conservation_violation(); !violation.empty()) {
            throw InvariantError("reclaim scenario lost or duplicated a page: " + violation);
        }
        return stats(Seconds(end - start).count());
    }

private:
    using Pause = typename Counter::pause_policy;

    // What a worker carries through its faults.
    struct Worker {
        unsigned local;
        Slot slot;
        WorkerTally& tally;
        std::atomic<Phase>& phase;
        std::vector<EnclavePageId> chunk;  // for direct reclaim
        Attempt failure = Attempt::busy;   // why the last allocation gave no page
        bool waiting = false;              // phase is waiting_for_page
    };

    static Slot reclaimer_slot(const ReclaimConfig& config) { return static_cast<Slot>(config.threads); }

    // The first verdict wins; every thread then winds down.
    void declare(ReclaimOutcome outcome) noexcept {
        int none = kNoVerdict;
        // Relaxed: the verdict is read after the joins, which order it.
        verdict_.compare_exchange_strong(none, static_cast<int>(outcome), std::memory_order_relaxed);
        // Relaxed: the flag publishes no data; the joins order everything else.
        stop_.store(true, std::memory_order_relaxed);
        { std::lock_guard hold(watch_mutex_); }
        watch_wakeup_.notify_one();
    }

    bool stopping() const noexcept {
        // Relaxed: seen late, it costs one more touch or retry, nothing else.
        return stop_.load(std::memory_order_relaxed);
    }

    // The calling thread's part: returns once every worker finished or a verdict was declared.
    void watch() {
        const auto stall = std::chrono::duration_cast<Clock::duration>(Seconds(config_.stall_seconds));
        const auto walk_every = std::chrono::duration_cast<Clock::duration>(Seconds(config_.walk_interval_seconds));
        const Clock::duration look_every = walking() ? std::min<Clock::duration>(kWatchInterval, walk_every)
                                                     : Clock::duration(kWatchInterval);
        long long seen = progress();
        Clock::time_point last_look = Clock::now();
        Clock::time_point last_change = last_look;
        Clock::time_point next_sample = last_look;
        std::unique_lock hold(watch_mutex_);
        const auto over = [this] { return finished_ == threads_ || stopping(); };
        while (!watch_wakeup_.wait_for(hold, look_every, over)) {
            if (const Clock::time_point now = Clock::now(); walking() && now >= next_sample) {
                sample_drift();
                next_sample = now + walk_every;  // after a starved watchdog, no burst of catch-up samples
            }
            if (external_.requested()) {
                hold.unlock();
                declare(ReclaimOutcome::interrupted);
                return;
            }
            const Clock::time_point now = Clock::now();
            if (now - last_look > kWatchdogStarved) last_change = now;
            last_look = now;
            // Relaxed: a flag; the proof below reads the state under its locks.
            const bool over_retries = retry_limit_hit_.load(std::memory_order_relaxed);
            if (const long long current = progress(); current != seen && !over_retries) {
                seen = current;
                last_change = now;
                continue;
            }
            if (proven_hung()) {
                hold.unlock();
                declare(ReclaimOutcome::hung);
                return;
            }
            if (over_retries || now - last_change >= stall) {
                hold.unlock();
                declare(ReclaimOutcome::stalled);
                return;
            }
        }
        hold.unlock();
        declare(ReclaimOutcome::completed);  // a no-op when a verdict came first
    }

    bool walking() const noexcept { return config_.walk_interval_seconds > 0; }

    // One point of the drift walk, read with every node lock held. Stops adding
    // points at kMaxWalkSamples.
    void sample_drift() {
        if (walk_.seconds.size() >= kMaxWalkSamples) return;
        const double at = Seconds(Clock::now() - origin_).count();
        const long long touched = touches();
        long counter = 0;
        long exact = 0;
        long free_pages = 0;
        pool_.with_lists_locked([&](long free) {
            counter = pool_.counter();
            exact = pool_.exact_count();
            free_pages = free;
            return true;
        });
        walk_.seconds.push_back(at);
        walk_.touches.push_back(touched);
        walk_.counter.push_back(counter);
        walk_.exact.push_back(exact);
        walk_.free.push_back(free_pages);
    }

    UpdateTimes* times_of(std::size_t thread) noexcept {
        return update_times_.empty() ? nullptr : &update_times_[thread];
    }

    // The absorbing state, read at one instant: ksgxd's wait-queue lock, every
    // node lock and the active list's lock held. From it no allocation can
    // succeed (no free page), no page can be freed (ksgxd asleep and never
    // woken, as the wake-up test is false and stays so while the count stands
    // still; no worker holds a page to remove), so no thread can ever change it.
    bool proven_hung() {
        const long reclaimable_pages =
            static_cast<long>(pool_.shape().total_pages()) - static_cast<long>(unreclaimable_.size());
        return reclaimer_.while_asleep([&] {
            return pool_.with_lists_locked([&](long free) {
                if (free != 0) return false;
                return enclaves_.with_active_list_locked([&](long active) {
                    // Every page resident and listed: none popped and not yet placed, none
                    // in a remover's hands. A worker stores its phase before it places a
                    // page, so a worker that got one is not read as still waiting.
                    if (active != reclaimable_pages) return false;
                    bool someone_waits = false;
                    for (std::size_t index = 0; index < threads_; ++index) {
                        // Acquire: pairs with the release that published waiting_for_page,
                        // so the counter updates the worker made before are seen below.
                        const Phase phase = phases_[index].value.load(std::memory_order_acquire);
                        if (phase == Phase::running) return false;
                        someone_waits = someone_waits || phase == Phase::waiting_for_page;
                    }
                    return someone_waits && !reclaimer_.should_wake();
                });
            });
        });
    }

    // Touches completed, plus ksgxd's work: a scan that gives 33 million
    // accessed pages their second chance before it evicts one is progress too.
    long long progress() const noexcept {
        return touches() + reclaimer_.pages_reclaimed() + reclaimer_.young_skipped();
    }

    long long touches() const noexcept {
        long long sum = 0;
        // Relaxed: each count only ever grows; the watchdog compares sums, and any
        // change at all is progress.
        for (std::size_t index = 0; index < threads_; ++index) {
            sum += progress_[index].value.load(std::memory_order_relaxed);
        }
        return sum;
    }

    void worker(std::size_t index) {
        const ClockedThread<Pause> clock(times_of(index));
        bool at_start = false;
        try {
            if (config_.pin) pin_calling_thread(cpus_[index % cpus_.size()]);
            at_start = true;
            start_line_.arrive_and_wait();
            touch_share(index);
        } catch (...) {
            errors_[index] = std::current_exception();
            if (!at_start) start_line_.count_down();
            declare(ReclaimOutcome::interrupted);
        }
        // Release: as waiting_for_page, for the hang proof.
        phases_[index].value.store(Phase::done, std::memory_order_release);
        {
            std::lock_guard hold(watch_mutex_);
            ++finished_;
        }
        watch_wakeup_.notify_one();
    }

    void touch_share(std::size_t index) {
        const auto pages = static_cast<unsigned long long>(config_.enclave_pages);
        const auto first = static_cast<EnclavePageId>(pages * index / threads_);
        const auto last = static_cast<EnclavePageId>(pages * (index + 1) / threads_);
        Worker self{static_cast<unsigned>(index % static_cast<std::size_t>(config_.nodes)),
                    static_cast<Slot>(index),
                    tallies_[index].value,
                    phases_[index].value,
                    config_.direct_reclaim ? reclaimer_.chunk_buffer() : std::vector<EnclavePageId>{}};
        std::atomic<long long>& touched = progress_[index].value;
        long long count = 0;
        for (long long pass = 0; pass < config_.passes; ++pass) {
            const bool removing = config_.remove_last_pass && pass + 1 == config_.passes;
            for (EnclavePageId page = first; page < last; ++page) {
                if (stopping()) return;
                if (removing) {
                    if (!retry_until_served(page, self, [&] { return remove_page(page, self); })) return;
                } else if (!enclaves_.touch(page) && !fault_in(page, self)) {
                    return;
                }
                // Relaxed: a count for the watchdog, which only looks for change.
                touched.store(++count, std::memory_order_relaxed);
            }
        }
    }

    // A touch that faulted. False when the run ended first.
    bool fault_in(EnclavePageId page, Worker& self) {
        if (config_.direct_reclaim) return add_page(page, self);
        return retry_until_served(page, self, [&] { return load_page(page, self); });
    }

    // User space faulting on one address until the kernel serves it: each
    // attempt runs under the enclave's lock; after -EBUSY the lock is dropped,
    // handed to a waiter (enclave_lock.hpp), and the fault comes again.
    template <class AttemptOnce>
    bool retry_until_served(EnclavePageId page, Worker& self, AttemptOnce&& attempt_once) {
        EnclaveLock& lock = enclaves_.lock_of(page);
        Clock::time_point first_failure{};
        for (long long retries = 0;; ++retries) {
            Attempt result;
            unsigned long long taken;
            {
                std::lock_guard hold(lock);
                result = attempt_once();
                taken = lock.taken();
            }
            if (result == Attempt::served) [[likely]] {
                if (retries > 0) [[unlikely]] settle(self, retries, Clock::now() - first_failure);
                return true;
            }
            if (result == Attempt::out_of_memory || result == Attempt::soft_lockup) [[unlikely]] {
                settle(self, retries, Clock::duration{});
                declare(result == Attempt::out_of_memory ? ReclaimOutcome::out_of_memory : ReclaimOutcome::soft_lockup);
                return false;
            }
            if (retries == 0) first_failure = Clock::now();
            // Relaxed: a flag the watchdog only needs to see eventually.
            if (retries == config_.max_retries) [[unlikely]] retry_limit_hit_.store(true, std::memory_order_relaxed);
            if (stopping()) [[unlikely]] {
                settle(self, retries, Clock::now() - first_failure);
                return false;
            }
            lock.yield_to_waiters(taken, [this] { return stopping(); });
        }
    }

    void settle(Worker& self, long long retries, Clock::duration waited) noexcept {
        self.tally.retries += retries;
        self.tally.longest = std::max(self.tally.longest, retries);
        self.tally.waiting += waited;
    }

    // models sgx_encl_load_page() from the fault path, under the enclave's lock.
    Attempt load_page(EnclavePageId page, Worker& self) {
        switch (enclaves_.state(page)) {
            case EnclavePageState::being_reclaimed:  // SGX_ENCL_PAGE_BEING_RECLAIMED
                ++self.tally.busy_being_reclaimed;
                return Attempt::busy;
            case EnclavePageState::resident: return Attempt::served;       // served meanwhile: a touch now hits
            case EnclavePageState::removed: return Attempt::served;
            case EnclavePageState::evicted: break;
        }
        const PageId epc = alloc_epc_page(self, false);
        if (epc == kNoPage) return self.failure;
        enclaves_.make_resident(page, epc, config_.fault_leaves_young);  // sgx_encl_eldu() + sgx_mark_page_reclaimable()
        ++self.tally.faults;
        return Attempt::served;
    }

    // models sgx_encl_remove_pages() for one page, under the enclave's lock.
    Attempt remove_page(EnclavePageId page, Worker& self) {
        switch (enclaves_.state(page)) {
            case EnclavePageState::removed: return Attempt::served;
            case EnclavePageState::being_reclaimed:
                ++self.tally.busy_being_reclaimed;
                return Attempt::busy;
            case EnclavePageState::resident: break;
            case EnclavePageState::evicted: {
                const Attempt loaded = load_page(page, self);
                if (loaded != Attempt::served) return loaded;
                break;
            }
        }
        if (!enclaves_.unmark_reclaimable(page)) return Attempt::busy;  // the reclaimer has isolated it
        pool_.free(enclaves_.remove(page), self.slot);  // sgx_encl_free_epc_page(): EREMOVE, sgx_free_epc_page()
        ++self.tally.removed;
        return Attempt::served;
    }

    // models sgx_ioc_enclave_add_pages()' allocation: sgx_alloc_epc_page(page,
    // true) before the enclave's lock is taken (the reclaim it may do takes
    // enclave locks itself), then the page installed under the lock. A page the
    // reclaimer still holds gets the EPC page back and is tried again.
    bool add_page(EnclavePageId page, Worker& self) {
        for (;;) {
            const PageId epc = alloc_epc_page(self, true);
            if (epc == kNoPage) {
                if (self.failure == Attempt::out_of_memory) declare(ReclaimOutcome::out_of_memory);
                if (self.failure == Attempt::soft_lockup) declare(ReclaimOutcome::soft_lockup);
                return false;  // out of memory, a soft lockup, or stopping (-ERESTARTSYS)
            }
            EnclavePageState found;
            {
                std::lock_guard hold(enclaves_.lock_of(page));
                found = enclaves_.state(page);
                if (found == EnclavePageState::evicted) {
                    enclaves_.make_resident(page, epc, config_.fault_leaves_young);
                    ++self.tally.faults;
                    return true;
                }
            }
            pool_.free(epc, self.slot);
            if (found != EnclavePageState::being_reclaimed) return true;
            if (stopping()) return false;
            std::this_thread::yield();
        }
    }

    // models sgx_alloc_epc_page(owner, reclaim). kNoPage with self.failure set
    // when it gives no page. The wake-up test follows every outcome but -ENOMEM.
    PageId alloc_epc_page(Worker& self, bool reclaim) {
        PageId epc;
        for (;;) {
            try {
                epc = pool_.alloc(self.local, self.slot);
            } catch (const SoftLockupError& lockup) {
                // The v5.13 search from a CPU-only node, every list empty: the kernel
                // would spin here for good and never reach the wake-up below.
                long long none = -1;
                // Relaxed: read after the joins, like the verdict.
                lockup_node_.compare_exchange_strong(none, lockup.node, std::memory_order_relaxed);
                self.failure = Attempt::soft_lockup;
                return kNoPage;
            }
            if (epc != kNoPage) [[likely]] {
                if (self.waiting) [[unlikely]] publish(self, Phase::running);
                break;
            }
            if (enclaves_.active_length() == 0) [[unlikely]] {
                self.failure = Attempt::out_of_memory;  // -ENOMEM: nothing to reclaim, no wake-up
                return kNoPage;
            }
            if (!reclaim) {
                if (!self.waiting) publish(self, Phase::waiting_for_page);
                self.failure = Attempt::busy;  // -EBUSY
                break;
            }
            if (stopping()) [[unlikely]] {
                self.failure = Attempt::busy;  // signal_pending(): -ERESTARTSYS
                break;
            }
            self.tally.reclaimed += reclaimer_.reclaim_pages(self.chunk, self.slot);
        }
        if (reclaimer_.should_wake()) {
            ++self.tally.wakes;
            reclaimer_.wake();
        }
        return epc;
    }

    void publish(Worker& self, Phase phase) noexcept {
        self.waiting = phase == Phase::waiting_for_page;
        // Release: the hang proof reads it (acquire) and must see every counter
        // update this worker made before it started waiting.
        self.phase.store(phase, std::memory_order_release);
    }

    void reclaimer_thread() {
        const ClockedThread<Pause> clock(times_of(threads_));
        try {
            reclaimer_.run(start_line_);
        } catch (...) {
            errors_[threads_] = std::current_exception();
            declare(ReclaimOutcome::interrupted);
        }
    }

    void join_all(std::vector<std::thread>& team, std::thread& ksgxd) {
        for (auto& thread : team) thread.join();
        reclaimer_.stop();
        ksgxd.join();
    }

    // Every EPC page is free on its home list, or held by exactly one resident
    // enclave page, which is on the active list exactly once, or unreclaimable.
    // Threads joined.
    std::string conservation_violation() const {
        if (std::string violation = pool_.invariant_violation(); !violation.empty()) return "free lists: " + violation;
        const PageId total = pool_.shape().total_pages();
        std::vector<bool> held;
        if (std::string violation = enclaves_.invariant_violation(total, held); !violation.empty()) return violation;
        for (const PageId page : unreclaimable_) {
            if (held[page]) return "EPC page " + std::to_string(page) + " is unreclaimable and held by the enclave";
            held[page] = true;
        }
        for (PageId page = 0; page < total; ++page) {
            const bool free = pool_.is_free(page);
            if (free && held[page]) return "EPC page " + std::to_string(page) + " is free and held at once";
            if (!free && !held[page]) return "EPC page " + std::to_string(page) + " is neither free nor held: lost";
        }
        return {};
    }

    ReclaimStats stats(double elapsed_seconds) const {
        ReclaimStats stats;
        // Relaxed: read after every thread joined.
        stats.outcome = static_cast<ReclaimOutcome>(verdict_.load(std::memory_order_relaxed));
        stats.elapsed_seconds = elapsed_seconds;
        stats.touches = touches();
        Clock::duration waiting{};
        for (const Padded<WorkerTally>& padded : tallies_) {
            const WorkerTally& tally = padded.value;
            stats.faults_served += tally.faults;
            stats.fault_retries += tally.retries;
            stats.longest_fault_retries = std::max(stats.longest_fault_retries, tally.longest);
            stats.pages_reclaimed_directly += tally.reclaimed;
            stats.pages_removed += tally.removed;
            stats.wake_calls += tally.wakes;
            stats.busy_being_reclaimed += tally.busy_being_reclaimed;
            stats.faults_per_worker.push_back(tally.faults);
            waiting += tally.waiting;
        }
        stats.reclaimer_wakeups = reclaimer_.wakeups();
        stats.pages_reclaimed = reclaimer_.pages_reclaimed() + stats.pages_reclaimed_directly;
        stats.young_skipped = reclaimer_.young_skipped();
        stats.reclaim_seconds = reclaimer_.busy_seconds();
        stats.fault_wait_seconds = Seconds(waiting).count();
        stats.counter = pool_.counter();
        stats.exact_count = pool_.exact_count();
        stats.true_free = pool_.true_free();
        stats.active_pages = enclaves_.active_length();
        stats.fault_wakes_reclaimer = reclaimer_.should_wake();
        stats.pages_conserved = true;  // conservation_violation() came back empty
        stats.walk_seconds = walk_.seconds;
        stats.walk_touches = walk_.touches;
        stats.walk_counter = walk_.counter;
        stats.walk_exact = walk_.exact;
        stats.walk_free = walk_.free;
        const long long origin = origin_.time_since_epoch().count();
        for (const UpdateTimes& times : update_times_) {
            std::vector<long long>& since_start = stats.update_ns.emplace_back(times.stamps());
            for (long long& stamp : since_start) stamp -= origin;
            stats.update_log_full = stats.update_log_full || times.full();
        }
        if (stats.outcome == ReclaimOutcome::soft_lockup) {
            stats.soft_lockup_node = lockup_node_.load(std::memory_order_relaxed);  // relaxed: threads joined
        }
        return stats;
    }

    const ReclaimConfig& config_;
    const StopFlag& external_;
    EpcPool<Counter> pool_;
    Enclaves enclaves_;
    Reclaimer<Counter> reclaimer_;
    const std::size_t threads_;
    std::latch start_line_;  // the workers, the watchdog and ksgxd (asleep)
    std::atomic<bool> stop_{false};
    std::atomic<bool> retry_limit_hit_{false};
    std::atomic<int> verdict_{kNoVerdict};
    std::atomic<long long> lockup_node_{-1};  // the first worker to lock up: its CPU-only node
    std::unique_ptr<Padded<std::atomic<long long>>[]> progress_;  // touches completed, one count per worker
    std::unique_ptr<Padded<std::atomic<Phase>>[]> phases_;  // one per worker, for the hang proof
    // Each written by its worker only, on every served fault: padded, or the
    // workers would false-share the lines of their neighbours' tallies.
    std::vector<Padded<WorkerTally>> tallies_;
    std::vector<std::exception_ptr> errors_;                      // one per worker, then the reclaimer's
    std::vector<int> cpus_;
    std::vector<PageId> unreclaimable_;  // held for the whole run, as SECS and VA pages are
    std::vector<UpdateTimes> update_times_;  // update_log_limit > 0: one per worker, then ksgxd's
    Clock::time_point origin_{};              // just before the start line opened: time zero of walk and stamps

    struct DriftWalk {
        std::vector<double> seconds;
        std::vector<long long> touches;
        std::vector<long> counter;
        std::vector<long> exact;
        std::vector<long> free;
    } walk_;  // written by the watchdog (the calling thread) only

    std::mutex watch_mutex_;  // guards finished_ and the watchdog's sleep
    std::condition_variable watch_wakeup_;
    std::size_t finished_ = 0;
};

}  // namespace

void ReclaimConfig::validate() const {
    check_range("threads", threads, 1, kMaxThreads - 1);  // the reclaimer takes the slot after the last worker
    const PoolShape shape = PoolShape::checked(nodes, pages_per_node, node_pages);
    check_range("enclave_pages", enclave_pages, 1, kMaxEnclavePages);
    check_range("passes", passes, 1, kMaxPasses);
    check_range("low", low, 1, static_cast<long long>(shape.total_pages()));
    if (low > high) {
        throw_bad_argument("low must not exceed high, got low=" + std::to_string(low) +
                           ", high=" + std::to_string(high));
    }
    check_range("high", high, low, static_cast<long long>(shape.total_pages()));
    check_range("scan", scan, 1, kMaxScan);
    (void)CounterOptions::checked(initial_drift, counter_batch, packed).with_plain_update(plain_update,
                                                                                          remote_fetch_ns);
    check_seconds("stall_seconds", stall_seconds, kMinStallSeconds, kMaxStallSeconds);
    check_range("max_retries", max_retries, 1, kMaxRetries);
    check_range("leak_pages", leak_pages, 0, static_cast<long long>(shape.total_pages()));
    check_range("unreclaimable_pages", unreclaimable_pages, 0, static_cast<long long>(shape.total_pages()));
    if (walk_interval_seconds != 0) {
        check_seconds("walk_interval_seconds (0: no walk)", walk_interval_seconds, kMinWalkInterval, kMaxStallSeconds);
    }
    check_range("update_log_limit", update_log_limit, 0, std::min(kMaxUpdateLog, kMaxUpdateLogTotal / (threads + 1)));
}

namespace {

// The run with every update of the one shared count stamped (UpdateClock): only
// the strategies that have one count, so only theirs are instantiated.
ReclaimStats run_clocked(Strategy strategy, const ReclaimConfig& config, const CounterOptions& options,
                         const StopFlag& stop) {
    switch (strategy) {
        case Strategy::plain_node_lock: return Scenario<PlainNodeLock<UpdateClock>>(config, options, stop).run();
        case Strategy::plain_unlocked: return Scenario<PlainUnlocked<UpdateClock>>(config, options, stop).run();
        case Strategy::plain_global_lock: return Scenario<PlainGlobalLock<UpdateClock>>(config, options, stop).run();
        case Strategy::atomic: return Scenario<Atomic<UpdateClock>>(config, options, stop).run();
        case Strategy::atomic_in_lock: return Scenario<AtomicInLock<UpdateClock>>(config, options, stop).run();
        default: break;
    }
    throw std::invalid_argument("update_log_limit stamps the updates of one shared count, and " +
                                std::string(strategy_name(strategy)) +
                                " has none: its counts are per node, per CPU or striped");
}

}  // namespace

ReclaimStats run_reclaim(Strategy strategy, const ReclaimConfig& config, const StopFlag& stop) {
    config.validate();
    CounterOptions options = CounterOptions::checked(config.initial_drift, config.counter_batch, config.packed);
    options.with_plain_update(config.plain_update, config.remote_fetch_ns);
    if (config.update_log_limit > 0) return run_clocked(strategy, config, options, stop);
    return with_counter(strategy, options.layout,
                        [&]<class Counter>() { return Scenario<Counter>(config, options, stop).run(); });
}

}  // namespace sgx
