// The choosers: a depth-first search over schedules, and a replay of one.
//
// Search is stateless, like CHESS: each run starts from scratch, replays the
// choices on the stack, then extends them with the default choice (the running
// thread goes on; where it cannot, the lowest thread that can). After a run,
// next() turns the deepest decision that has an untried thread within the
// preemption bound to that thread. A preemption is a switch away from a thread
// that could have gone on; a switch at a block, an exit or a retry is free.
//
// With `sleep_sets`, a thread whose next step commutes with everything run
// since a sibling branch explored it is not tried again (Godefroid's sleep
// sets): one run per class of equivalent interleavings survives, which keeps
// every final state reachable. Sound only without a preemption bound (the
// survivor of a class may need more preemptions than the bound allows), so the
// explorer uses it only for unbounded searches.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "explore/scheduler.hpp"

namespace sgx::explore {

class Search final : public Chooser {
public:
    Search(long preemption_bound, bool sleep_sets) : bound_(preemption_bound), sleep_sets_(sleep_sets) {}

    unsigned choose(const Decision& decision) override;

    // Before each run.
    void start_run() noexcept {
        depth_ = 0;
        preemptions_ = 0;
    }
    // After a run: the next schedule to try; false when none is left within the bound.
    bool next();
    // Whether some thread was left untried because it would exceed the bound.
    bool cut() const noexcept { return cut_; }
    // Whether a run failed to replay its prefix: the code under test is not deterministic.
    bool diverged() const noexcept { return diverged_; }

private:
    struct Node {
        Decision decision;
        unsigned chosen = kNoThread;
        std::uint32_t done = 0;   // threads tried here
        std::uint32_t sleep = 0;  // threads not to try here
        long preemptions = 0;     // before this decision
    };

    long cost(const Node& node, unsigned thread) const noexcept;
    std::uint32_t sleep_of_child(const Node& parent) const noexcept;

    const long bound_;
    const bool sleep_sets_;
    std::vector<Node> stack_;
    std::size_t depth_ = 0;
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
    unsigned choose(const Decision& decision) override;
    const std::string& error() const noexcept { return error_; }

private:
    const std::vector<unsigned>& schedule_;
    std::size_t depth_ = 0;
    std::string error_;
};

// The default choice: the running thread if it can go on, else the lowest that can.
unsigned default_choice(const Decision& decision, std::uint32_t allowed) noexcept;

}  // namespace sgx::explore
