// Compiled (never linked) by tests/test_one_fault_path.py: the threaded
// scenario and the explorer run one fault path, model/'s, instantiated twice.
//
// Each runner names the kernel state it runs as `Model`; the check holds when
// that is model/'s ReclaimModel, whose fault path and ksgxd are model/'s
// FaultPath and Reclaimer, over the runner's counter type and wait queue. A
// runner with a fault path of its own fails it; SGX_TEST_COPIED_PATH builds
// such a runner, so the test can show that the check can fail.
#include <type_traits>

#include "counters/kernel_counters.hpp"
#include "counters/percpu_batch.hpp"
#include "explore/reclaim_run.hpp"
#include "explore/scheduled_wait_queue.hpp"
#include "explore/scheduler.hpp"
#include "model/fault_path.hpp"
#include "model/reclaim_model.hpp"
#include "model/reclaimer.hpp"
#include "scenario/reclaim_team.hpp"
#include "scenario/thread_wait_queue.hpp"

namespace {

template <class Runner, class Counter, class Queue>
constexpr bool runs_the_one_fault_path =
    std::is_same_v<typename Runner::Model, sgx::ReclaimModel<Counter, Queue>> &&
    std::is_same_v<typename Runner::Model::Faults, sgx::FaultPath<Counter, Queue>> &&
    std::is_same_v<typename Runner::Model::Ksgxd, sgx::Reclaimer<Counter, Queue>>;

template <class Counter>
constexpr bool threaded_runs_it = runs_the_one_fault_path<sgx::ReclaimTeam<Counter>, Counter, sgx::ThreadWaitQueue>;

template <class Counter>
constexpr bool explorer_runs_it =
    runs_the_one_fault_path<sgx::explore::ReclaimRun<Counter>, Counter, sgx::explore::ScheduledWaitQueue>;

using sgx::explore::Scheduled;

static_assert(threaded_runs_it<sgx::PlainNodeLock<>>, "the threaded scenario runs model/'s fault path");
static_assert(threaded_runs_it<sgx::Atomic<>>);
static_assert(threaded_runs_it<sgx::PercpuBatch<sgx::PaddedCells>>);
static_assert(threaded_runs_it<sgx::PlainNodeLock<sgx::UpdateClock>>, "the clocked run too");
static_assert(explorer_runs_it<sgx::PlainNodeLock<Scheduled>>, "the explorer runs model/'s fault path");
static_assert(explorer_runs_it<sgx::Atomic<Scheduled>>);
static_assert(explorer_runs_it<sgx::PercpuBatch<sgx::PaddedCells, Scheduled>>);

#ifdef SGX_TEST_COPIED_PATH
// A runner that brings its own copy of the fault path: the check must refuse it.
template <class Counter, class Queue>
class CopiedFaultPath : public sgx::FaultPath<Counter, Queue> {};
struct CopiedRun {
    struct Model : sgx::ReclaimModel<sgx::Atomic<Scheduled>, sgx::explore::ScheduledWaitQueue> {
        using Faults = CopiedFaultPath<sgx::Atomic<Scheduled>, sgx::explore::ScheduledWaitQueue>;
    };
};
static_assert(runs_the_one_fault_path<CopiedRun, sgx::Atomic<Scheduled>, sgx::explore::ScheduledWaitQueue>,
              "a copied fault path");
#endif

}  // namespace
