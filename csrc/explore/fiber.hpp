// Fiber: a stackful user-space context on the calling OS thread, for the
// explorer's one-OS-thread engine (scheduler.hpp). The pause points sit deep
// inside the real strategy and model code, so each explored thread needs a
// stack of its own; switching between them is a handful of register moves,
// not two futex calls and the kernel's scheduler.
//
// A stack is mmap'ed with a guard page below it (an overflow faults instead of
// corrupting a neighbour) and kept in a per-OS-thread cache, so a run of the
// explorer maps nothing: one search reuses the same few stacks for every run.
//
// On x86-64 the switch is written here (fiber.cpp: six callee-saved registers,
// the x87 control word and MXCSR, the stack pointer); elsewhere it is
// swapcontext(), which also saves the signal mask (a system call a switch).
// Under AddressSanitizer and ThreadSanitizer every switch is announced to the
// sanitizer (__sanitizer_start/finish_switch_fiber, __tsan_switch_to_fiber),
// which otherwise would take a stack switch for a corrupt stack or lose track
// of which "thread" is running.
//
// Cost: a switch is about ten nanoseconds with the hand-written switch.
#pragma once

#include <cstddef>

namespace sgx::explore {

// A stack for one fiber: mapped on first use, returned to the calling OS thread's
// cache when dropped.
class FiberStack {
public:
    FiberStack() = default;
    // A stack from the cache, or a fresh mapping; throws std::bad_alloc when none can be mapped.
    static FiberStack take();
    FiberStack(FiberStack&& other) noexcept;
    FiberStack& operator=(FiberStack&& other) noexcept;
    FiberStack(const FiberStack&) = delete;
    FiberStack& operator=(const FiberStack&) = delete;
    ~FiberStack();

    void* bottom() const noexcept { return bottom_; }  // lowest usable byte
    std::size_t size() const noexcept { return size_; }

private:
    friend struct StackCache;
    FiberStack(void* bottom, std::size_t size) noexcept : bottom_(bottom), size_(size) {}
    void* bottom_ = nullptr;
    std::size_t size_ = 0;
};

class Fiber {
public:
    using Entry = void (*)(void* argument);

    // The calling OS thread's own context: what the explored fibers switch back to.
    Fiber();
    // A fiber that runs entry(argument) on `stack` when first switched to. entry
    // must never return: it ends by switching away for good (switch_to(..., true)).
    Fiber(FiberStack stack, Entry entry, void* argument);
    Fiber(const Fiber&) = delete;
    Fiber& operator=(const Fiber&) = delete;
    ~Fiber();

    // Suspends `from` (the running context) and resumes `to`. `from_is_done`:
    // `from` will never be resumed (its sanitizer state is released).
    friend void switch_to(Fiber& from, Fiber& to, bool from_is_done) noexcept;

    // A new fiber's first code: runs its entry. Called by the switch's trampoline only.
    static void start(Fiber* self) noexcept;

private:
    void finish_switch() noexcept;

    void* context_ = nullptr;  // the saved stack pointer (hand-written switch) or the ucontext_t
    FiberStack stack_;
    Entry entry_ = nullptr;
    void* argument_ = nullptr;
    // The sanitizers' view: where this context's stack is, its fake stack, its TSan fiber.
    const void* stack_bottom_ = nullptr;
    std::size_t stack_size_ = 0;
    void* fake_stack_ = nullptr;
    void* tsan_fiber_ = nullptr;
    bool owns_tsan_fiber_ = false;
};

}  // namespace sgx::explore
