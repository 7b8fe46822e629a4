// reference_loop: the smallest stand-alone C++ program that does what the
// pysgxalloc native hammer does, used by bench/native_overhead.py as the
// baseline the hammer's per-operation cost is compared against. It shares no
// code with the project on purpose.
//
// N nodes, each with a FIFO free list of page indices (intrusive, singly linked
// through a uint32 `next` per page: pop the head, push the tail) under its own
// pthread spinlock, and one free-page counter updated as the chosen strategy
// says (same names and semantics as csrc/counters/kernel_counters.hpp,
// percpu_batch.hpp and striped.hpp, with the same defaults: percpu_batch's batch
// is max(32, 2 x usable CPUs), striped has min(64, usable CPUs rounded up to a
// power of two) cells). Every thread, released
// together by a std::barrier, does OPS_PER_THREAD/2 alloc/free pairs: alloc from
// node (thread % nodes), then free the page back to its home node.
//
// Usage: reference_loop STRATEGY THREADS OPS_PER_THREAD [NODES] [PAGES_PER_NODE]
// Prints one line of JSON; ns_per_op = threads * wall / total_ops * 1e9.
//
// Build: g++ -std=c++20 -O3 -Wall -Wextra -pthread reference_loop.cpp -o reference_loop
#include <pthread.h>
#include <sched.h>

#include <algorithm>
#include <atomic>
#include <barrier>
#include <bit>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string_view>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;
constexpr std::uint32_t kNone = UINT32_MAX;

enum class Strategy {
    plain_node_lock,
    plain_unlocked,
    plain_global_lock,
    atomic,
    atomic_in_lock,
    per_node,
    percpu_batch,
    striped,
};

constexpr std::string_view kNames[] = {"plain_node_lock", "plain_unlocked", "plain_global_lock", "atomic",
                                       "atomic_in_lock",  "per_node",       "percpu_batch",      "striped"};
constexpr int kStrategies = sizeof kNames / sizeof kNames[0];
constexpr unsigned kMaxThreads = 1024;

struct alignas(128) Node {
    pthread_spinlock_t lock;
    std::uint32_t head = kNone;
    std::uint32_t tail = kNone;
    alignas(128) long count = 0;  // per_node only: on its own 128 bytes, guarded by `lock`
};

struct Page {
    std::uint32_t next = kNone;  // the intrusive link, valid while the page is free
    std::uint32_t home = 0;
};

struct alignas(128) PaddedLong {
    long value = 0;
};
struct alignas(128) PaddedAtomic {
    std::atomic<long> value{0};
};
struct alignas(128) GlobalLock {
    pthread_spinlock_t lock;
    long count = 0;
};

struct Pool {
    std::unique_ptr<Node[]> nodes;
    std::vector<Page> pages;
    PaddedLong plain;     // plain_node_lock, plain_unlocked
    PaddedAtomic atomic;  // atomic, atomic_in_lock
    GlobalLock global;    // plain_global_lock; percpu_batch's global count
    std::unique_ptr<PaddedLong[]> deltas = std::make_unique<PaddedLong[]>(kMaxThreads);  // percpu_batch, per thread
    long batch = 32;                                                                      // percpu_batch
    std::unique_ptr<PaddedAtomic[]> cells;                                                // striped
    unsigned long cell_mask = 0;                                                          // striped: cells - 1
};

// The racy read-modify-write: a volatile load then a volatile store.
inline void racy_add(long& shared, long delta) {
    volatile long& cell = shared;
    cell = cell + delta;
}

template <Strategy S>
inline void count_inside(Pool& pool, Node& node, long delta) {
    if constexpr (S == Strategy::plain_node_lock) racy_add(pool.plain.value, delta);
    if constexpr (S == Strategy::atomic_in_lock) pool.atomic.value.fetch_add(delta, std::memory_order_relaxed);
    if constexpr (S == Strategy::per_node) node.count += delta;
}

// `thread` picks percpu_batch's delta and striped's cell.
template <Strategy S>
inline void count_after(Pool& pool, unsigned thread, long delta) {
    if constexpr (S == Strategy::plain_unlocked) racy_add(pool.plain.value, delta);
    if constexpr (S == Strategy::striped) {
        pool.cells[thread & pool.cell_mask].value.fetch_add(delta, std::memory_order_relaxed);
    }
    if constexpr (S == Strategy::percpu_batch) {
        long& mine = pool.deltas[thread].value;  // this thread's alone
        const long next = mine + delta;
        if (next >= pool.batch || next <= -pool.batch) {
            pthread_spin_lock(&pool.global.lock);
            pool.global.count += next;
            pthread_spin_unlock(&pool.global.lock);
            mine = 0;
        } else {
            mine = next;
        }
    }
    if constexpr (S == Strategy::atomic) pool.atomic.value.fetch_add(delta, std::memory_order_relaxed);
    if constexpr (S == Strategy::plain_global_lock) {
        pthread_spin_lock(&pool.global.lock);
        pool.global.count += delta;
        pthread_spin_unlock(&pool.global.lock);
    }
}

template <Strategy S>
std::uint32_t alloc(Pool& pool, unsigned thread, unsigned n) {
    Node& node = pool.nodes[n];
    pthread_spin_lock(&node.lock);
    const std::uint32_t page = node.head;
    if (page != kNone) {
        node.head = pool.pages[page].next;
        if (node.head == kNone) node.tail = kNone;
        count_inside<S>(pool, node, -1);
    }
    pthread_spin_unlock(&node.lock);
    if (page != kNone) count_after<S>(pool, thread, -1);
    return page;
}

template <Strategy S>
void free_page(Pool& pool, unsigned thread, std::uint32_t page) {
    Node& node = pool.nodes[pool.pages[page].home];
    pthread_spin_lock(&node.lock);
    pool.pages[page].next = kNone;
    if (node.tail == kNone) {
        node.head = page;
    } else {
        pool.pages[node.tail].next = page;
    }
    node.tail = page;
    count_inside<S>(pool, node, +1);
    pthread_spin_unlock(&node.lock);
    count_after<S>(pool, thread, +1);
}

// Runs the threads; returns the wall seconds from barrier release to last join.
template <Strategy S>
double run(Pool& pool, unsigned threads, long long pairs, unsigned nodes) {
    Clock::time_point start;
    std::barrier sync(threads, [&start]() noexcept { start = Clock::now(); });
    std::vector<std::thread> team;
    for (unsigned t = 0; t < threads; ++t) {
        team.emplace_back([&pool, &sync, pairs, t, local = t % nodes] {
            sync.arrive_and_wait();
            for (long long i = 0; i < pairs; ++i) {
                const std::uint32_t page = alloc<S>(pool, t, local);
                if (page != kNone) free_page<S>(pool, t, page);
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
    std::fprintf(stderr,
                 "reference_loop: %s\nusage: reference_loop STRATEGY THREADS OPS_PER_THREAD [NODES] "
                 "[PAGES_PER_NODE]\nstrategies: plain_node_lock plain_unlocked plain_global_lock atomic "
                 "atomic_in_lock per_node percpu_batch striped\n",
                 why);
    return 2;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 4 || argc > 6) return usage("wrong number of arguments");
    int which = -1;
    for (int i = 0; i < kStrategies; ++i) {
        if (kNames[i] == argv[1]) which = i;
    }
    long long threads = 0, ops = 0, nodes = 2, pages_per_node = 4096;
    if (which < 0) return usage("unknown strategy");
    if (!parse(argv[2], 1, threads) || threads > kMaxThreads) return usage("THREADS must be 1..1024");
    if (!parse(argv[3], 2, ops)) return usage("OPS_PER_THREAD must be an integer >= 2");
    if (argc > 4 && (!parse(argv[4], 1, nodes) || nodes > 1024)) return usage("NODES must be 1..1024");
    if (argc > 5 && (!parse(argv[5], 1, pages_per_node) || nodes * pages_per_node >= kNone)) {
        return usage("PAGES_PER_NODE must be >= 1, and NODES * PAGES_PER_NODE below 2^32 - 1");
    }

    // Every page starts on its home node's list, in rising index.
    Pool pool;
    pool.nodes = std::make_unique<Node[]>(static_cast<std::size_t>(nodes));
    pool.pages.resize(static_cast<std::size_t>(nodes * pages_per_node));
    pthread_spin_init(&pool.global.lock, PTHREAD_PROCESS_PRIVATE);
    for (long long n = 0; n < nodes; ++n) {
        Node& node = pool.nodes[n];
        pthread_spin_init(&node.lock, PTHREAD_PROCESS_PRIVATE);
        node.head = static_cast<std::uint32_t>(n * pages_per_node);
        node.tail = static_cast<std::uint32_t>((n + 1) * pages_per_node - 1);
        node.count = pages_per_node;
        for (std::uint32_t page = node.head; page <= node.tail; ++page) {
            pool.pages[page].home = static_cast<std::uint32_t>(n);
            pool.pages[page].next = page == node.tail ? kNone : page + 1;
        }
    }
    const long total = static_cast<long>(nodes * pages_per_node);
    pool.plain.value = total;
    pool.atomic.value = total;
    pool.global.count = total;
    cpu_set_t allowed;
    CPU_ZERO(&allowed);
    const long cpus = sched_getaffinity(0, sizeof allowed, &allowed) == 0 ? CPU_COUNT(&allowed) : 1;
    pool.batch = std::max(32L, 2 * cpus);
    const unsigned long cells = std::min(64UL, std::bit_ceil(static_cast<unsigned long>(cpus)));
    pool.cells = std::make_unique<PaddedAtomic[]>(cells);
    pool.cell_mask = cells - 1;
    pool.cells[0].value = total;

    const auto t = static_cast<unsigned>(threads);
    const long long pairs = ops / 2;
    const auto n = static_cast<unsigned>(nodes);
    double wall = 0;
    switch (static_cast<Strategy>(which)) {
        case Strategy::plain_node_lock: wall = run<Strategy::plain_node_lock>(pool, t, pairs, n); break;
        case Strategy::plain_unlocked: wall = run<Strategy::plain_unlocked>(pool, t, pairs, n); break;
        case Strategy::plain_global_lock: wall = run<Strategy::plain_global_lock>(pool, t, pairs, n); break;
        case Strategy::atomic: wall = run<Strategy::atomic>(pool, t, pairs, n); break;
        case Strategy::atomic_in_lock: wall = run<Strategy::atomic_in_lock>(pool, t, pairs, n); break;
        case Strategy::per_node: wall = run<Strategy::per_node>(pool, t, pairs, n); break;
        case Strategy::percpu_batch: wall = run<Strategy::percpu_batch>(pool, t, pairs, n); break;
        case Strategy::striped: wall = run<Strategy::striped>(pool, t, pairs, n); break;
    }

    const long long total_ops = threads * pairs * 2;
    std::printf("{\"strategy\": \"%s\", \"threads\": %lld, \"ops\": %lld, \"wall_seconds\": %.9f, "
                "\"ns_per_op\": %.4f}\n",
                argv[1], threads, total_ops, wall, threads * wall / static_cast<double>(total_ops) * 1e9);
    return 0;
}
