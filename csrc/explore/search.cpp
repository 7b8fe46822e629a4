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

Search::Search(long preemption_bound, Subtree subtree) : Search(preemption_bound, Reduction::none) {
    stack_ = std::move(subtree.path);
    if (stack_.empty()) return;  // the whole tree
    // The decisions above the subtree's are the giver's: nothing is left to try at them here.
    for (std::size_t at = 0; at + 1 < stack_.size(); ++at) stack_[at].done = stack_[at].decision.enabled;
    Node& root = stack_.back();
    root.chosen = static_cast<unsigned>(std::countr_zero(subtree.threads));
    root.done = (root.decision.enabled & ~subtree.threads) | bit(root.chosen);
}

bool Search::share(Subtree& out) {
    for (std::size_t at = 0; at < stack_.size(); ++at) {
        Node& node = stack_[at];
        std::uint32_t give = 0;
        for (std::uint32_t rest = to_try(node); rest != 0; rest &= rest - 1) {
            const auto thread = static_cast<unsigned>(std::countr_zero(rest));
            if (cost(node, thread) <= bound_) give |= bit(thread);
        }
        if (give == 0) continue;
        node.done |= give;
        out.path.assign(stack_.begin(), stack_.begin() + static_cast<std::ptrdiff_t>(at) + 1);
        out.threads = give;
        return true;
    }
    return false;
}

// At each decision the default choice comes first, then the others by number
// (next()): a thread's rank there is 0 for the default, else its number + 1.
Search::Order Search::order() const {
    Order order;
    order.reserve(depth_);
    for (std::size_t at = 0; at < depth_ && at < stack_.size(); ++at) {
        const Node& node = stack_[at];
        order.push_back(static_cast<std::uint8_t>(node.chosen == node.first ? 0 : node.chosen + 1));
    }
    return order;
}

long Search::cost(const Node& node, unsigned thread) const noexcept {
    const bool preempts = node.decision.running_can_go_on && thread != node.decision.running;
    return node.preemptions + (preempts ? 1 : 0);
}

// Sleep sets: what slept at the parent, and the siblings tried before the one
// taken, stay asleep if their step commutes with the step taken (footprints
// as run). A sleeper's step is the same at the child: it commutes with the one taken.
std::uint32_t Search::sleep_of_child(std::size_t child) {
    const Node& parent = stack_[child - 1];
    const Footprints& at_parent = footprints_[child - 1];
    Footprints& at_child = footprints_[child];
    const std::uint32_t candidates = parent.sleep | (parent.done & ~bit(parent.chosen));
    const Footprint taken = at_parent[parent.chosen];
    std::uint32_t sleep = 0;
    for (std::uint32_t rest = candidates; rest != 0; rest &= rest - 1) {
        const auto thread = static_cast<unsigned>(std::countr_zero(rest));
        if (independent(Footprint(at_parent[thread]), taken)) {
            sleep |= bit(thread);
            at_child[thread] = at_parent[thread];
        }
    }
    return sleep;
}

// A replayed decision without a reduction (most of a search's decisions) takes
// only the lines up to the first return; the rest is extend()'s.
unsigned Search::choose(std::uint32_t enabled, unsigned running, bool running_can_go_on, Footprint ended) {
    if (reduction_ != Reduction::none && depth_ > 0 && depth_ <= stack_.size()) {
        // The step that just ended is the one the parent chose: keep its footprint.
        footprints_[depth_ - 1][stack_[depth_ - 1].chosen].assign(ended.begin(), ended.end());
    }
    if (depth_ >= stack_.size()) return extend(enabled, running, running_can_go_on);
    Node& node = stack_[depth_];
    // The prefix must replay exactly: the same code, the same choices.
    if (node.decision.enabled != enabled || node.decision.running != running) {
        diverged_ = true;
        return kAbandon;
    }
    ++depth_;
    preemptions_ = cost(node, node.chosen);
    return node.chosen;
}

// A decision past the replayed prefix: a new node, the default choice. The
// fields in registers again (choose()).
unsigned Search::extend(std::uint32_t enabled, unsigned running, bool running_can_go_on) {
    const Decision decision{enabled, running, running_can_go_on};
    if (reduction_ != Reduction::none) {
        // A new decision: its footprints start empty (the vectors keep their room).
        if (footprints_.size() <= depth_) footprints_.resize(depth_ + 1);
        for (auto& footprint : footprints_[depth_]) footprint.clear();
    }
    // Made in place: a run makes dozens of new decisions, a search millions.
    Node& added = stack_.emplace_back();
    added.decision = decision;
    added.preemptions = preemptions_;
    if (sleep_sets_ && depth_ > 0) added.sleep = sleep_of_child(depth_);
    const std::uint32_t allowed = decision.enabled & ~added.sleep;
    // Only free switches or ones within the bound; the default never preempts.
    const unsigned chosen = default_choice(decision, allowed);
    if (chosen == kAbandon) {
        stack_.pop_back();
        return kAbandon;  // every thread that can move sleeps: a class already seen
    }
    added.first = chosen;
    added.chosen = chosen;
    added.done = bit(chosen);
    added.backtrack = bit(chosen);
    preemptions_ = cost(added, chosen);
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

namespace {

// A step's objects as two 64-bit masks (one bit per object name, hashed), for
// a quick "cannot be dependent" before the exact test: a pair whose masks do
// not meet is independent; one that does is checked exactly.
struct Summary {
    std::uint64_t reads = 0;
    std::uint64_t writes = 0;  // every access but a load
    bool retry = false;
};

Summary summary_of(Footprint footprint) noexcept {
    Summary summary;
    for (const StepKey& key : footprint) {
        const std::uint64_t named = std::uint64_t{1} << ((static_cast<unsigned>(key.shared) * 31U + key.index) % 64U);
        if (key.access == Access::retry) summary.retry = true;
        if (key.access == Access::load) {
            summary.reads |= named;
        } else {
            summary.writes |= named;
        }
    }
    return summary;
}

bool may_depend(const Summary& a, const Summary& b) noexcept {
    return a.retry || b.retry || (a.writes & (b.reads | b.writes)) != 0 || (a.reads & b.writes) != 0;
}

}  // namespace

// Source-set DPOR's race analysis over the run just made (steps 0 .. depth_ - 1).
void Search::add_backtracks(const ScheduleRun& run) {
    const std::size_t steps = std::min(depth_, run.footprint_begin.size());
    if (steps < 2) return;
    const bool bounded = bound_ != LONG_MAX;
    const auto thread_of = [&](std::size_t k) { return run.schedule[k]; };
    unsigned threads = 0;  // the run's threads: 0 .. threads - 1
    for (std::size_t k = 0; k < steps; ++k) threads = std::max(threads, thread_of(k) + 1);
    std::vector<Summary> summaries(steps);
    for (std::size_t k = 0; k < steps; ++k) summaries[k] = summary_of(run.footprint(k));
    const auto dependent = [&](std::size_t i, std::size_t k) {
        return may_depend(summaries[i], summaries[k]) && !independent(run.footprint(i), run.footprint(k));
    };
    // clock[k][q]: the latest step of thread q that happens before step k (or is
    // k), -1 for none: program order and dependence, transitively.
    using Clock = std::array<long, kMaxScheduledThreads>;
    std::vector<Clock> clock(steps);
    std::vector<long> previous(steps, -1);  // the same thread's step before k
    // next_of[k][r]: thread r's first step at k or later (steps: none).
    std::vector<std::array<std::size_t, kMaxScheduledThreads>> next_of(steps + 1);
    next_of[steps].fill(steps);
    for (std::size_t k = steps; k-- > 0;) {
        next_of[k] = next_of[k + 1];
        next_of[k][thread_of(k)] = k;
    }
    // The clocks, object by object: the last write's clock covers every earlier
    // access (writes to one object are ordered, a read before a write too), and
    // the reads since it are joined. A retry depends on every step.
    const auto join = [](Clock& into, const Clock& from) {
        for (std::size_t t = 0; t < kMaxScheduledThreads; ++t) into[t] = std::max(into[t], from[t]);
    };
    Clock none;
    none.fill(-1);
    struct Object {
        Shared shared;
        unsigned index;
        Clock write;
        Clock reads;
        std::vector<std::size_t> steps;  // the steps that touched it, in order
    };
    std::vector<Object> objects;
    const auto object_of = [&](const StepKey& key) -> Object& {
        for (Object& object : objects) {
            if (object.shared == key.shared && object.index == key.index) return object;
        }
        return objects.emplace_back(Object{key.shared, key.index, none, none, {}});
    };
    std::vector<std::size_t> retry_steps;
    Clock every = none;    // every step so far
    Clock retries = none;  // every retry so far
    std::array<long, kMaxScheduledThreads> last_of{};
    last_of.fill(-1);
    for (std::size_t j = 0; j < steps; ++j) {
        const unsigned p = thread_of(j);
        Clock now = none;
        previous[j] = last_of[p];
        if (last_of[p] >= 0) now = clock[static_cast<std::size_t>(last_of[p])];
        join(now, retries);
        const Footprint fj = run.footprint(j);
        for (const StepKey& key : fj) {
            if (key.access == Access::retry) {
                join(now, every);
                continue;
            }
            const Object& object = object_of(key);
            join(now, object.write);
            if (key.access != Access::load) join(now, object.reads);
        }
        now[p] = static_cast<long>(j);
        clock[j] = now;
        for (const StepKey& key : fj) {
            if (key.access == Access::retry) {
                join(retries, now);
                if (retry_steps.empty() || retry_steps.back() != j) retry_steps.push_back(j);
                continue;
            }
            Object& object = object_of(key);
            if (object.steps.empty() || object.steps.back() != j) object.steps.push_back(j);
            if (key.access == Access::load) {
                join(object.reads, now);
            } else {
                object.write = now;
                object.reads = none;
            }
        }
        join(every, now);
        last_of[p] = static_cast<long>(j);
    }
    const auto before = [&](std::size_t i, std::size_t k) {  // step i happens before step k, i < k
        return static_cast<long>(i) <= clock[k][thread_of(i)];
    };

    // Races whose later step lies in the replayed prefix were found by the run that first made it.
    std::vector<std::size_t> candidates;
    std::vector<std::size_t> marked(steps, steps);  // marked[i] == j: already a candidate for j
    for (std::size_t j = std::max<std::size_t>(fresh_, 1); j < steps; ++j) {
        const unsigned p = thread_of(j);
        // Flanagan and Godefroid's race: a dependent step of another thread that
        // does not happen before j's thread's previous step. Ordered before j only
        // through j's own dependences still counts: a lock's acquire after the
        // holder's release (through the release) races with the holder's acquire.
        Clock reached;
        reached.fill(-1);
        if (previous[j] >= 0) reached = clock[static_cast<std::size_t>(previous[j])];
        // The candidates: the steps before j that touched one of its objects, and the retries
        // (every step, when j is a retry itself).
        candidates.clear();
        const auto candidate = [&](std::size_t i) {
            // Each once; one that happens before j's thread's previous step is no race.
            if (marked[i] == j || static_cast<long>(i) <= reached[thread_of(i)]) return;
            marked[i] = j;
            candidates.push_back(i);
        };
        if (summaries[j].retry) {
            for (std::size_t i = 0; i < j; ++i) candidate(i);
        } else {
            for (const StepKey& key : run.footprint(j)) {
                if (key.access == Access::retry) continue;
                for (const std::size_t i : object_of(key).steps) {
                    if (i >= j) break;
                    candidate(i);
                }
            }
            for (const std::size_t i : retry_steps) {
                if (i >= j) break;
                candidate(i);
            }
        }
        for (const std::size_t i : candidates) {
            const unsigned q = thread_of(i);
            if (q == p || static_cast<long>(i) <= reached[q] || !dependent(i, j)) continue;
            // A race: i and j could run the other way round. v: the steps after i
            // that do not happen after it, then j; its initials (steps nothing
            // in v comes before) can each start the reversed order at decision i.
            // A thread's steps after i that do not happen after it come first
            // among its steps after i, so its first one there stands for them.
            std::array<std::size_t, kMaxScheduledThreads> first{};
            std::uint32_t in_v = 0;
            for (unsigned r = 0; r < threads; ++r) {
                const std::size_t f = next_of[i + 1][r];
                if (r == p) {
                    first[r] = f < j && !before(i, f) ? f : j;
                    in_v |= bit(r);
                } else if (f < j && !before(i, f)) {
                    first[r] = f;
                    in_v |= bit(r);
                }
            }
            std::uint32_t initials = 0;
            for (std::uint32_t rest = in_v; rest != 0; rest &= rest - 1) {
                const auto r = static_cast<unsigned>(std::countr_zero(rest));
                bool initial = true;
                for (std::uint32_t others = in_v & ~bit(r); others != 0 && initial; others &= others - 1) {
                    const auto o = static_cast<unsigned>(std::countr_zero(others));
                    initial = static_cast<long>(first[o]) > clock[first[r]][o];
                }
                if (initial) initials |= bit(r);
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
    // The decisions the bound forced unasked: each had a thread left untried for the bound.
    if (run.bound_forced) cut_ = true;
    if (reduction_ != Reduction::none && !stack_.empty() && run.footprint_begin.size() == depth_) {
        // The run's last step ended with the run, not at a decision.
        const Footprint ended = run.footprint(depth_ - 1);
        footprints_[depth_ - 1][stack_.back().chosen].assign(ended.begin(), ended.end());
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
            fresh_ = stack_.size() - 1;  // the next run's first new step
            return true;
        }
        stack_.pop_back();
    }
    return false;
}

unsigned Replay::choose(std::uint32_t enabled, unsigned running, bool running_can_go_on, Footprint /*ended*/) {
    const Decision decision{enabled, running, running_can_go_on};
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
