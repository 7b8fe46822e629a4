// One bound of a search without a reduction, shared over `jobs` OS threads
// (ExploreConfig::jobs). Each thread searches a subtree depth first on its own
// fibers and its own model, exactly as a single search would; when another
// waits, it gives away the untried threads of its shallowest decision
// (Search::share, work_pool.hpp). So every schedule runs exactly once, on one
// of them, and the counts are a single search's. The first failure kept is the
// single search's too: among those with the fewest preemptions and steps, the
// one first in the depth-first order (ScheduleRun::order). Which runs a limit
// (max_schedules, the time limit) cuts off differs, since the threads run side by side.
#pragma once

#include <cstddef>
#include <exception>
#include <thread>
#include <vector>

#include "explore/explore.hpp"
#include "explore/search.hpp"
#include "explore/search_limits.hpp"
#include "explore/work_pool.hpp"

namespace sgx::explore {

// What one bound's search found: false in `finished` when a limit stopped it.
struct BoundSwept {
    bool finished = true;
    bool cut = false;  // Search::cut of any of its parts
};

// `sweep(stats, chooser, share)` searches one subtree (search_loop::sweep);
// `merge(into, part)` adds one thread's stats to the search's.
template <class Sweep, class Merge>
BoundSwept parallel_sweep(ExploreStats& stats, long bound, std::size_t jobs, Limits& limits, Sweep&& sweep,
                          Merge&& merge) {
    WorkPool pool(jobs);
    std::vector<ExploreStats> parts(jobs);
    std::vector<char> cuts(jobs, 0);
    std::vector<char> stopped(jobs, 0);
    std::vector<std::exception_ptr> errors(jobs);
    const auto searcher = [&](std::size_t self) {
        try {
            while (std::optional<Search::Subtree> subtree = pool.take()) {
                Search chooser(bound, std::move(*subtree));
                const auto share = [&] {
                    if (!pool.wanted()) return;
                    Search::Subtree given;
                    if (chooser.share(given)) pool.put(std::move(given));
                };
                const bool finished = sweep(parts[self], chooser, share);
                cuts[self] = cuts[self] != 0 || chooser.cut() ? 1 : 0;
                if (!finished) {
                    stopped[self] = 1;
                    pool.close();
                }
            }
        } catch (...) {
            errors[self] = std::current_exception();
            limits.halt(StopReason::interrupted);  // the others stop at their next run
            pool.close();
        }
    };
    std::vector<std::thread> team;
    team.reserve(jobs - 1);
    try {
        for (std::size_t self = 1; self < jobs; ++self) team.emplace_back(searcher, self);
    } catch (...) {
        // Could not start them all: the whole tree may already be taken, so stop
        // those started rather than search with fewer than the pool counts on.
        limits.halt(StopReason::interrupted);
        pool.close();
        for (auto& thread : team) thread.join();
        throw;
    }
    searcher(0);
    for (auto& thread : team) thread.join();
    for (const auto& error : errors) {
        if (error) std::rethrow_exception(error);
    }
    BoundSwept swept;
    for (std::size_t self = 0; self < jobs; ++self) {
        merge(stats, std::move(parts[self]));
        swept.cut = swept.cut || cuts[self] != 0;
        swept.finished = swept.finished && stopped[self] == 0;
    }
    return swept;
}

}  // namespace sgx::explore
