// reference_loop: the smallest stand-alone C++ program that does what the
// pysgxalloc native hammer does, used by bench/native_overhead.py as the
// baseline the hammer's per-operation cost is compared against. It shares the
// counter strategies with the project (the work being measured, the same code
// whatever runs it) and nothing else: its own free lists, locks, threads and
// loop, with none of the pool's bookkeeping, checks or the hammer's rounds.
//
// N nodes, each with a FIFO free list of page indices (intrusive, singly linked
// through a uint32 `next` per page: pop the head, push the tail) under its own
// pthread spinlock, and one counter strategy of the project
// (csrc/registry/builtin_strategies.hpp lists them), updated inside or after
// the node lock as its `site` says, with its default options. Every thread,
// released together by a std::barrier, does OPS_PER_THREAD/2 alloc/free pairs:
// alloc from node (thread % nodes), then free the page back to its home node.
//
// Usage: reference_loop STRATEGY THREADS OPS_PER_THREAD [NODES] [PAGES_PER_NODE]
// Prints one line of JSON; ns_per_op = threads * wall / total_ops * 1e9.
//
// Build: g++ -std=c++20 -O3 -Wall -Wextra -pthread -I csrc bench/reference_loop.cpp -o reference_loop
#include <pthread.h>

#include <barrier>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "counters/counter_options.hpp"
#include "counters/strategy_family.hpp"
#include "registry/builtin_strategies.hpp"

namespace {

using Clock = std::chrono::steady_clock;
constexpr std::uint32_t kNone = UINT32_MAX;
constexpr unsigned kMaxThreads = 1024;

struct alignas(128) Node {
    pthread_spinlock_t lock;
    std::uint32_t head = kNone;
    std::uint32_t tail = kNone;
};

struct Page {
    std::uint32_t next = kNone;  // the intrusive link, valid while the page is free
    std::uint32_t home = 0;
};

template <class Counter>
struct Pool {
    Pool(sgx::NodePages node_pages, unsigned node_count)
        : nodes(std::make_unique<Node[]>(node_count)), counter(node_pages, sgx::CounterOptions{}) {}

    std::unique_ptr<Node[]> nodes;
    std::vector<Page> pages;
    Counter counter;
};

template <class Counter>
std::uint32_t alloc(Pool<Counter>& pool, unsigned thread, unsigned n) {
    Node& node = pool.nodes[n];
    pthread_spin_lock(&node.lock);
    const std::uint32_t page = node.head;
    if (page != kNone) {
        node.head = pool.pages[page].next;
        if (node.head == kNone) node.tail = kNone;
        if constexpr (Counter::site == sgx::UpdateSite::inside_node_lock) pool.counter.on_alloc(n, thread);
    }
    pthread_spin_unlock(&node.lock);
    if constexpr (Counter::site == sgx::UpdateSite::after_node_unlock) {
        if (page != kNone) pool.counter.on_alloc(n, thread);
    }
    return page;
}

template <class Counter>
void free_page(Pool<Counter>& pool, unsigned thread, std::uint32_t page) {
    const std::uint32_t home = pool.pages[page].home;
    Node& node = pool.nodes[home];
    pthread_spin_lock(&node.lock);
    pool.pages[page].next = kNone;
    if (node.tail == kNone) {
        node.head = page;
    } else {
        pool.pages[node.tail].next = page;
    }
    node.tail = page;
    if constexpr (Counter::site == sgx::UpdateSite::inside_node_lock) pool.counter.on_free(home, thread);
    pthread_spin_unlock(&node.lock);
    if constexpr (Counter::site == sgx::UpdateSite::after_node_unlock) pool.counter.on_free(home, thread);
}

// Builds the pool (every page on its home node's list, in rising index), runs
// the threads, and returns the wall seconds from barrier release to last join.
template <class Counter>
double run(unsigned threads, long long pairs, unsigned nodes, std::uint32_t pages_per_node) {
    const std::vector<std::uint32_t> node_pages(nodes, pages_per_node);
    Pool<Counter> pool(node_pages, nodes);
    pool.pages.resize(static_cast<std::size_t>(nodes) * pages_per_node);
    for (unsigned n = 0; n < nodes; ++n) {
        Node& node = pool.nodes[n];
        pthread_spin_init(&node.lock, PTHREAD_PROCESS_PRIVATE);
        node.head = n * pages_per_node;
        node.tail = (n + 1) * pages_per_node - 1;
        for (std::uint32_t page = node.head; page <= node.tail; ++page) {
            pool.pages[page].home = n;
            pool.pages[page].next = page == node.tail ? kNone : page + 1;
        }
    }

    Clock::time_point start;
    std::barrier sync(threads, [&start]() noexcept { start = Clock::now(); });
    std::vector<std::thread> team;
    for (unsigned t = 0; t < threads; ++t) {
        team.emplace_back([&pool, &sync, pairs, t, local = t % nodes] {
            sync.arrive_and_wait();
            for (long long i = 0; i < pairs; ++i) {
                const std::uint32_t page = alloc(pool, t, local);
                if (page != kNone) free_page(pool, t, page);
            }
        });
    }
    for (auto& thread : team) thread.join();
    return std::chrono::duration<double>(Clock::now() - start).count();
}

bool parse(const char* text, long long low, long long& out) {
    const char* end = text + std::strlen(text);
    const auto [ptr, ec] = std::from_chars(text, end, out);
    return ec == std::errc() && ptr == end && out >= low;
}

int usage(const char* why) {
    std::string names;
    sgx::BuiltinStrategies::for_each([&names]<class Family>() {
        names += " ";
        names += sgx::counter_of<Family, sgx::Policies<>>::name;
    });
    std::fprintf(stderr,
                 "reference_loop: %s\nusage: reference_loop STRATEGY THREADS OPS_PER_THREAD [NODES] "
                 "[PAGES_PER_NODE]\nstrategies:%s\n",
                 why, names.c_str());
    return 2;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 4 || argc > 6) return usage("wrong number of arguments");
    long long threads = 0, ops = 0, nodes = 2, pages_per_node = 4096;
    if (!parse(argv[2], 1, threads) || threads > kMaxThreads) return usage("THREADS must be 1..1024");
    if (!parse(argv[3], 2, ops)) return usage("OPS_PER_THREAD must be an integer >= 2");
    if (argc > 4 && (!parse(argv[4], 1, nodes) || nodes > 1024)) return usage("NODES must be 1..1024");
    if (argc > 5 && (!parse(argv[5], 1, pages_per_node) || nodes * pages_per_node >= kNone)) {
        return usage("PAGES_PER_NODE must be >= 1, and NODES * PAGES_PER_NODE below 2^32 - 1");
    }

    const auto t = static_cast<unsigned>(threads);
    const long long pairs = ops / 2;
    const auto n = static_cast<unsigned>(nodes);
    const auto pages = static_cast<std::uint32_t>(pages_per_node);
    double wall = -1;
    sgx::BuiltinStrategies::for_each([&]<class Family>() {
        using Counter = sgx::counter_of<Family, sgx::Policies<>>;
        if (Counter::name == argv[1]) wall = run<Counter>(t, pairs, n, pages);
    });
    if (wall < 0) return usage("unknown strategy");

    const long long total_ops = threads * pairs * 2;
    std::printf("{\"strategy\": \"%s\", \"threads\": %lld, \"ops\": %lld, \"wall_seconds\": %.9f, "
                "\"ns_per_op\": %.4f}\n",
                argv[1], threads, total_ops, wall, threads * wall / static_cast<double>(total_ops) * 1e9);
    return 0;
}
