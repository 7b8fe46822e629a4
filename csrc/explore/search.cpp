// The depth-first search over schedules and the replay; see search.hpp.
#include "explore/search.hpp"

#include <bit>
#include <string>


namespace sgx::explore {
namespace {

constexpr std::uint32_t bit(unsigned thread) noexcept { return std::uint32_t{1} << thread; }

}  // namespace

unsigned default_choice(const Decision& decision, std::uint32_t allowed) noexcept {
    if (decision.running_can_go_on && (allowed & bit(decision.running)) != 0) return decision.running;
    if (allowed == 0) return Chooser::kAbandon;
    return static_cast<unsigned>(std::countr_zero(allowed));
}

long Search::cost(const Node& node, unsigned thread) const noexcept {
    const bool preempts = node.decision.running_can_go_on && thread != node.decision.running;
    return node.preemptions + (preempts ? 1 : 0);
}

// Sleep sets: what slept at the parent, and the siblings tried before the one
// taken, stay asleep if their next step commutes with the step taken.
std::uint32_t Search::sleep_of_child(const Node& parent) const noexcept {
    const std::uint32_t candidates = parent.sleep | (parent.done & ~bit(parent.chosen));
    const StepKey& taken = parent.decision.next[parent.chosen];
    std::uint32_t sleep = 0;
    for (std::uint32_t rest = candidates; rest != 0; rest &= rest - 1) {
        const auto thread = static_cast<unsigned>(std::countr_zero(rest));
        if (independent(parent.decision.next[thread], taken)) sleep |= bit(thread);
    }
    return sleep;
}

unsigned Search::choose(const Decision& decision) {
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
    node.preemptions = preemptions_;
    if (sleep_sets_ && depth_ > 0) node.sleep = sleep_of_child(stack_[depth_ - 1]);
    std::uint32_t allowed = decision.enabled & ~node.sleep;
    // Only free switches or ones within the bound; the default never preempts.
    const unsigned chosen = default_choice(decision, allowed);
    if (chosen == kAbandon) return kAbandon;  // every thread that can move sleeps: a class already seen
    node.chosen = chosen;
    node.done = bit(chosen);
    preemptions_ = cost(node, chosen);
    stack_.push_back(node);
    ++depth_;
    return chosen;
}

bool Search::next() {
    // Decisions past where this run stopped (a pruned or shorter run) are stale.
    stack_.resize(depth_);
    while (!stack_.empty()) {
        Node& node = stack_.back();
        for (std::uint32_t rest = node.decision.enabled & ~node.done & ~node.sleep; rest != 0; rest &= rest - 1) {
            const auto thread = static_cast<unsigned>(std::countr_zero(rest));
            if (cost(node, thread) > bound_) {
                cut_ = true;
                continue;
            }
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
