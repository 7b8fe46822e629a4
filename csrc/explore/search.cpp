// The depth-first search over schedules and the replay; see search.hpp.
#include "explore/search.hpp"

#include <algorithm>
#include <bit>
#include <climits>
#include <string>
#include <vector>


namespace sgx::explore {
namespace {

constexpr std::uint32_t bit(unsigned thread) noexcept { return std::uint32_t{1} << thread; }

}  // namespace

unsigned default_choice(const Decision& decision, std::uint32_t allowed) noexcept {
    if (decision.running_can_go_on && (allowed & bit(decision.running)) != 0) return decision.running;
    if (allowed == 0) return Chooser::kAbandon;
    return static_cast<unsigned>(std::countr_zero(allowed));
}

Search::Search(long preemption_bound, Reduction reduction)
    : bound_(preemption_bound),
      reduction_(reduction),
      sleep_sets_(preemption_bound == LONG_MAX && reduction != Reduction::none) {}

long Search::cost(const Node& node, unsigned thread) const noexcept {
    const bool preempts = node.decision.running_can_go_on && thread != node.decision.running;
    return node.preemptions + (preempts ? 1 : 0);
}

// Sleep sets: what slept at the parent, and the siblings tried before the one
// taken, stay asleep if their step commutes with the step taken (footprints
// as run). A sleeper's step is the same at the child: it commutes with the one taken.
std::uint32_t Search::sleep_of_child(Node& child, const Node& parent) const {
    const std::uint32_t candidates = parent.sleep | (parent.done & ~bit(parent.chosen));
    const Footprint taken = parent.footprint[parent.chosen];
    std::uint32_t sleep = 0;
    for (std::uint32_t rest = candidates; rest != 0; rest &= rest - 1) {
        const auto thread = static_cast<unsigned>(std::countr_zero(rest));
        if (independent(Footprint(parent.footprint[thread]), taken)) {
            sleep |= bit(thread);
            child.footprint[thread] = parent.footprint[thread];
        }
    }
    return sleep;
}

unsigned Search::choose(const Decision& decision) {
    if (depth_ > 0 && depth_ <= stack_.size()) {
        // The step that just ended is the one the parent chose: keep its footprint.
        Node& parent = stack_[depth_ - 1];
        parent.footprint[parent.chosen].assign(decision.ended.begin(), decision.ended.end());
    }
    if (depth_ < stack_.size()) {
        Node& node = stack_[depth_];
        // The prefix must replay exactly: the same code, the same choices.
        if (node.decision.enabled != decision.enabled || node.decision.running != decision.running) {
            diverged_ = true;
            return kAbandon;
        }
        ++depth_;
        preemptions_ = cost(node, node.chosen);
        return node.chosen;
    }
    Node node;
    node.decision = decision;
    node.decision.ended = {};
    node.preemptions = preemptions_;
    if (sleep_sets_ && depth_ > 0) node.sleep = sleep_of_child(node, stack_[depth_ - 1]);
    const std::uint32_t allowed = decision.enabled & ~node.sleep;
    // Only free switches or ones within the bound; the default never preempts.
    const unsigned chosen = default_choice(decision, allowed);
    if (chosen == kAbandon) return kAbandon;  // every thread that can move sleeps: a class already seen
    node.chosen = chosen;
    node.done = bit(chosen);
    node.backtrack = bit(chosen);
    preemptions_ = cost(node, chosen);
    stack_.push_back(std::move(node));
    ++depth_;
    return chosen;
}

// What is left to try at a node: every enabled thread, or dpor's backtrack set.
std::uint32_t Search::to_try(const Node& node) const noexcept {
    const std::uint32_t candidates = reduction_ == Reduction::dpor ? node.backtrack : node.decision.enabled;
    return candidates & node.decision.enabled & ~node.done & ~node.sleep;
}

// dpor: `thread` is to be tried at decision `at`; one that cannot move there
// brings every thread that can.
void Search::add_backtrack(std::size_t at, unsigned thread) {
    Node& node = stack_[at];
    if ((node.decision.enabled & bit(thread)) != 0) {
        node.backtrack |= bit(thread);
    } else {
        node.backtrack |= node.decision.enabled;
    }
}

// Source-set DPOR's race analysis over the run just made (steps 0 .. depth_ - 1).
void Search::add_backtracks(const ScheduleRun& run) {
    const std::size_t steps = std::min(depth_, run.footprint_begin.size());
    if (steps < 2) return;
    const bool bounded = bound_ != LONG_MAX;
    const auto thread_of = [&](std::size_t k) { return run.steps[k].thread; };
    // clock[k][q]: the latest step of thread q that happens before step k (or is
    // k), -1 for none: program order and dependence, transitively.
    using Clock = std::array<long, kMaxScheduledThreads>;
    std::vector<Clock> clock(steps);
    std::vector<long> previous(steps, -1);  // the same thread's step before k
    std::array<long, kMaxScheduledThreads> last_of{};
    last_of.fill(-1);
    for (std::size_t j = 0; j < steps; ++j) {
        const unsigned p = thread_of(j);
        Clock now;
        now.fill(-1);
        previous[j] = last_of[p];
        if (last_of[p] >= 0) now = clock[static_cast<std::size_t>(last_of[p])];
        const Footprint fj = run.footprint(j);
        for (std::size_t i = 0; i < j; ++i) {
            if (thread_of(i) == p || static_cast<long>(i) <= now[thread_of(i)]) continue;
            if (independent(run.footprint(i), fj)) continue;
            for (std::size_t t = 0; t < kMaxScheduledThreads; ++t) now[t] = std::max(now[t], clock[i][t]);
        }
        now[p] = static_cast<long>(j);
        clock[j] = now;
        last_of[p] = static_cast<long>(j);
    }
    const auto before = [&](std::size_t i, std::size_t k) {  // step i happens before step k, i < k
        return static_cast<long>(i) <= clock[k][thread_of(i)];
    };

    std::vector<std::size_t> v;
    for (std::size_t j = 1; j < steps; ++j) {
        const unsigned p = thread_of(j);
        // Flanagan and Godefroid's race: a dependent step of another thread that
        // does not happen before j's thread's previous step. Ordered before j only
        // through j's own dependences still counts: a lock's acquire after the
        // holder's release (through the release) races with the holder's acquire.
        Clock reached;
        reached.fill(-1);
        if (previous[j] >= 0) reached = clock[static_cast<std::size_t>(previous[j])];
        const Footprint fj = run.footprint(j);
        for (std::size_t i = j; i-- > 0;) {
            const unsigned q = thread_of(i);
            if (q == p || static_cast<long>(i) <= reached[q]) continue;
            if (independent(run.footprint(i), fj)) continue;
            // A race: i and j could run the other way round. v: the steps after i
            // that do not depend on it, then j; its initials (steps nothing in v
            // comes before) can each start the reversed order at decision i.
            v.clear();
            for (std::size_t k = i + 1; k < j; ++k) {
                if (!before(i, k)) v.push_back(k);
            }
            v.push_back(j);
            std::uint32_t initials = 0;
            std::uint32_t seen = 0;
            for (std::size_t at = 0; at < v.size(); ++at) {
                const unsigned r = thread_of(v[at]);
                if ((seen & bit(r)) != 0) continue;
                seen |= bit(r);
                bool first = true;
                for (std::size_t earlier = 0; earlier < at && first; ++earlier) first = !before(v[earlier], v[at]);
                if (first) initials |= bit(r);
            }
            const Node& node = stack_[i];
            if ((initials & (node.backtrack | node.sleep)) == 0) {
                const std::uint32_t movable = initials & node.decision.enabled;
                const unsigned pick = (movable & bit(p)) != 0 ? p
                                      : movable != 0          ? static_cast<unsigned>(std::countr_zero(movable))
                                                              : p;  // none can move: add_backtrack adds every one that can
                add_backtrack(i, pick);
                if (bounded) {
                    // Bounded POR: also where the run of steps holding i began.
                    std::size_t start = i;
                    while (start > 0 && thread_of(start - 1) == q) --start;
                    if (start != i) add_backtrack(start, pick);
                }
            }
        }
    }
}

bool Search::next(const ScheduleRun& run) {
    // Decisions past where this run stopped (a pruned or shorter run) are stale.
    stack_.resize(depth_);
    if (!stack_.empty() && run.footprint_begin.size() == depth_) {
        Node& last = stack_.back();  // the run's last step ended with the run, not at a decision
        const Footprint ended = run.footprint(depth_ - 1);
        last.footprint[last.chosen].assign(ended.begin(), ended.end());
    }
    if (reduction_ == Reduction::dpor) add_backtracks(run);
    while (!stack_.empty()) {
        Node& node = stack_.back();
        for (std::uint32_t rest = node.decision.enabled & ~node.done & ~node.sleep; rest != 0; rest &= rest - 1) {
            const auto thread = static_cast<unsigned>(std::countr_zero(rest));
            if (cost(node, thread) > bound_) cut_ = true;  // some schedule needs more preemptions
        }
        for (std::uint32_t rest = to_try(node); rest != 0; rest &= rest - 1) {
            const auto thread = static_cast<unsigned>(std::countr_zero(rest));
            if (cost(node, thread) > bound_) continue;
            node.chosen = thread;
            node.done |= bit(thread);
            return true;
        }
        stack_.pop_back();
    }
    return false;
}

unsigned Replay::choose(const Decision& decision) {
    const std::size_t at = depth_++;
    if (at >= schedule_.size()) return default_choice(decision, decision.enabled);
    const unsigned thread = schedule_[at];
    if (thread >= kMaxScheduledThreads || (decision.enabled & bit(thread)) == 0) {
        if (error_.empty()) {
            error_ = "schedule step " + std::to_string(at) + " picks thread " + std::to_string(thread) +
                     ", which cannot move there (blocked, asleep, finished or no such thread)";
        }
        return kAbandon;
    }
    return thread;
}

}  // namespace sgx::explore
