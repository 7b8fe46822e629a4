// The choosers: a depth-first search over schedules, and a replay of one.
//
// Search is stateless, like CHESS: each run starts from scratch, replays the
// choices on the stack, then extends them with the default choice (the running
// thread goes on; where it cannot, the lowest thread that can). After a run,
// next() turns the deepest decision that has a thread left to try within the
// preemption bound to that thread. A preemption is a switch away from a thread
// that could have gone on; a switch at a block, an exit or a retry is free.
//
// Which threads are left to try is the reduction's (Reduction below); every
// reduction judges two steps by their footprints (scheduler.hpp: every access
// up to the next decision), never by the access that starts them alone:
//   - none: every enabled thread at every decision (every interleaving);
//   - sleep: the same, less the threads whose next step commutes with
//     everything run since a sibling branch explored it (Godefroid's sleep
//     sets): one run per class of equivalent interleavings (Mazurkiewicz trace)
//     survives. Sound only without a preemption bound (the survivor of a class
//     may need more preemptions than the bound allows): under a bound it is none;
//   - dpor: source-set dynamic partial-order reduction (Abdulla, Aronis,
//     Jonsson and Sagonas, POPL 2014): a decision's threads to try start as the
//     one it took; after each run, every race (two dependent steps of two
//     threads, nothing ordering them in between) adds, at the earlier step's
//     decision, a thread that can start the reversed order, unless one there
//     already can. A thread that cannot move there adds every one that can
//     (Flanagan and Godefroid's fallback: a held lock, a sleeper, the fair
//     yield). Without a bound, with sleep sets: at least one run per class.
//     Under a bound, as bounded POR (Coons, Musuvathi and McKinley, OOPSLA
//     2013) asks, conservatively: no sleep sets, and each such thread is also
//     added where the earlier step's run of steps began (where switching costs
//     nothing), so a reversal the bound forbids at the step itself is still tried.
//
// Without a reduction the tree can be shared out (parallel_sweep.hpp): a search
// gives away the untried threads of its shallowest decision (share()) and
// another starts inside that subtree (the Subtree constructor); each schedule
// is run by exactly one of them. A reduction's backtrack sets and sleep sets
// span the whole tree, so it is not shared.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "explore/scheduler.hpp"

namespace sgx::explore {

enum class Reduction {
    none,   // every interleaving
    sleep,  // sleep sets over every interleaving: one run per class (unbounded only)
    dpor,   // source-set DPOR (with sleep sets unbounded, with bounded POR's extra points under a bound)
};

class Search final : public Chooser {
    struct Node;

public:
    // Part of the tree another search gave away (share()): the decisions down
    // to one, and the threads to try there. The empty one is the whole tree.
    struct Subtree {
        std::vector<Node> path;
        std::uint32_t threads = 0;
    };
    // Where a run lies in the depth-first order, the default choice first: two
    // runs compare as their orders do, lexicographically (order()).
    using Order = std::vector<std::uint8_t>;

    // `preemption_bound`: LONG_MAX for none.
    Search(long preemption_bound, Reduction reduction);
    // A search of `subtree` only (Reduction::none).
    Search(long preemption_bound, Subtree subtree);
    Search(long preemption_bound, bool sleep_sets)
        : Search(preemption_bound, sleep_sets ? Reduction::sleep : Reduction::none) {}

    unsigned choose(std::uint32_t enabled, unsigned running, bool running_can_go_on, Footprint ended) override;
    // A reduction judges steps by their footprints; none needs nothing but the schedule.
    Recording recording() const noexcept override {
        return reduction_ == Reduction::none ? Recording::schedule : Recording::footprints;
    }
    // Without a reduction its stack holds only the decisions with a choice.
    bool asked_when_forced() const noexcept override { return reduction_ != Reduction::none; }
    // Nor, then, once a run has spent the bound where the running thread can go on.
    long preemption_bound() const noexcept override { return bound_; }

    // Before each run.
    void start_run() noexcept {
        depth_ = 0;
        preemptions_ = 0;
    }
    // After a run: the next schedule to try; false when none is left within the
    // bound. `run` is the run just made (its footprints feed the reduction).
    bool next(const ScheduleRun& run);
    // Whether some thread was left untried because it would exceed the bound.
    bool cut() const noexcept { return cut_; }
    // Whether a run failed to replay its prefix: the code under test is not deterministic.
    bool diverged() const noexcept { return diverged_; }
    // Between two runs (after next()): gives away the threads still to try at
    // the shallowest decision that has any, the largest part of what is left,
    // which this search then leaves alone. False when nothing is left to give.
    bool share(Subtree& out);
    // The run just made (before next()): its place in the depth-first order.
    Order order() const;

private:
    struct Node {
        Decision decision;
        unsigned first = kNoThread;   // the default choice, tried first
        unsigned chosen = kNoThread;
        std::uint32_t done = 0;       // threads tried here
        std::uint32_t sleep = 0;      // threads not to try here
        std::uint32_t backtrack = 0;  // dpor: threads to try here
        long preemptions = 0;         // before this decision
    };
    // Each tried (or sleeping) thread's step from one decision, as run: kept
    // beside the stack, and only by a reduction (none needs no footprints).
    // Its vectors outlive the nodes, so a search stops allocating once warm.
    using Footprints = std::array<std::vector<StepKey>, kMaxScheduledThreads>;

    long cost(const Node& node, unsigned thread) const noexcept;
    [[gnu::noinline]] unsigned extend(std::uint32_t enabled, unsigned running, bool running_can_go_on);
    std::uint32_t sleep_of_child(std::size_t child);
    void add_backtracks(const ScheduleRun& run);
    void add_backtrack(std::size_t at, unsigned thread);
    std::uint32_t to_try(const Node& node) const noexcept;

    const long bound_;
    const Reduction reduction_;
    const bool sleep_sets_;  // sleep sets on: unbounded sleep or dpor
    std::vector<Node> stack_;
    std::vector<Footprints> footprints_;  // footprints_[d]: decision d's (a reduction only)
    std::size_t depth_ = 0;
    std::size_t fresh_ = 0;  // the first decision the current run did not replay
    long preemptions_ = 0;
    bool cut_ = false;
    bool diverged_ = false;
};

// Replays a given schedule: thread schedule[i] at decision i, then the default
// choice once it runs out. A thread that cannot move there ends the run, and
// error() says where.
class Replay final : public Chooser {
public:
    explicit Replay(const std::vector<unsigned>& schedule) : schedule_(schedule) {}
    unsigned choose(std::uint32_t enabled, unsigned running, bool running_can_go_on, Footprint ended) override;
    const std::string& error() const noexcept { return error_; }

private:
    const std::vector<unsigned>& schedule_;
    std::size_t depth_ = 0;
    std::string error_;
};

// The default choice: the running thread if it can go on, else the lowest that can.
unsigned default_choice(const Decision& decision, std::uint32_t allowed) noexcept;

}  // namespace sgx::explore
