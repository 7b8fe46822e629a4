// start_team / join_team: the thread start and join shared by the hammer and the
// read-cost run, whose threads all meet first at one barrier (the start line).
#pragma once

#include <atomic>
#include <cstddef>
#include <thread>
#include <vector>

namespace sgx {

// Starts `count` threads running body(index); each must arrive at `start_line`
// before it touches the pool and return at once if `abandon` is then set. When a
// thread cannot be started, the ones already waiting are released without work,
// joined, and the error rethrown: no thread is left blocked or running.
template <class StartLine, class Body>
std::vector<std::thread> start_team(std::size_t count, StartLine& start_line, std::atomic<bool>& abandon, Body body) {
    std::vector<std::thread> team;
    team.reserve(count);
    try {
        for (std::size_t index = 0; index < count; ++index) team.emplace_back(body, index);
    } catch (...) {
        // Relaxed: the barrier phase the started threads wait on orders this store before their load.
        abandon.store(true, std::memory_order_relaxed);
        for (std::size_t missing = team.size(); missing < count; ++missing) start_line.arrive_and_drop();
        for (auto& thread : team) thread.join();
        throw;
    }
    return team;
}

inline void join_team(std::vector<std::thread>& team) {
    for (auto& thread : team) thread.join();
}

}  // namespace sgx
