// Fibers for the one-OS-thread engine; see fiber.hpp.
#include "explore/fiber.hpp"

#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <exception>
#include <new>
#include <utility>
#include <vector>

#if defined(__SANITIZE_ADDRESS__)
#define SGX_FIBER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SGX_FIBER_ASAN 1
#endif
#endif
#if defined(__SANITIZE_THREAD__)
#define SGX_FIBER_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define SGX_FIBER_TSAN 1
#endif
#endif

#if defined(SGX_FIBER_ASAN)
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>
#endif
#if defined(SGX_FIBER_TSAN)
#include <sanitizer/tsan_interface.h>
#endif

#if defined(__x86_64__)
#define SGX_FIBER_HAND_SWITCH 1
#else
#include <ucontext.h>
#endif

namespace sgx::explore {
namespace {

// Deep enough for the fault path, the node search and a trace's bookkeeping;
// the sanitizers' frames are several times larger. Untouched pages cost nothing.
#if defined(SGX_FIBER_ASAN) || defined(SGX_FIBER_TSAN)
constexpr std::size_t kStackBytes = std::size_t{1} << 20;
#else
constexpr std::size_t kStackBytes = std::size_t{256} << 10;
#endif
// A search needs one stack per explored thread; more are unmapped.
constexpr std::size_t kCachedStacks = 16;

std::size_t page_bytes() noexcept { return static_cast<std::size_t>(::sysconf(_SC_PAGESIZE)); }

// A finished fiber never returns from its frames, so AddressSanitizer's marks
// on them stay: cleared before the stack is used again or unmapped (memory
// mapped there later, by anyone, would otherwise read as a stack overflow).
void clear_marks(void* bottom, std::size_t size) noexcept {
#if defined(SGX_FIBER_ASAN)
    __asan_unpoison_memory_region(bottom, size);
#else
    (void)bottom;
    (void)size;
#endif
}

void unmap(void* bottom, std::size_t size) noexcept {
    clear_marks(bottom, size);
    ::munmap(static_cast<char*>(bottom) - page_bytes(), size + page_bytes());
}

// The context that switched to the one now running: it learns its stack's
// bounds from the sanitizer on the way in (the OS thread's own stack is known
// only there).
thread_local Fiber* t_previous = nullptr;
#if !defined(SGX_FIBER_HAND_SWITCH)
thread_local Fiber* t_entering = nullptr;  // swapcontext's fiber entry cannot take a pointer
#endif

}  // namespace

// The stacks this OS thread has mapped and no fiber uses now.
struct StackCache {
    std::vector<FiberStack> spare;
    bool alive = true;
    ~StackCache() {
        alive = false;
        for (FiberStack& stack : spare) {
            unmap(stack.bottom_, stack.size_);
            stack.bottom_ = nullptr;
        }
    }
};

namespace {
thread_local StackCache t_stacks;
}  // namespace

FiberStack FiberStack::take() {
    if (!t_stacks.spare.empty()) {
        FiberStack stack = std::move(t_stacks.spare.back());
        t_stacks.spare.pop_back();
        clear_marks(stack.bottom_, stack.size_);
        return stack;
    }
    const std::size_t guard = page_bytes();
    void* mapped = ::mmap(nullptr, kStackBytes + guard, PROT_READ | PROT_WRITE,
                          MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK, -1, 0);
    if (mapped == MAP_FAILED) throw std::bad_alloc();
    // The lowest page faults: a stack that overflows stops there.
    if (::mprotect(mapped, guard, PROT_NONE) != 0) {
        ::munmap(mapped, kStackBytes + guard);
        throw std::bad_alloc();
    }
    return FiberStack(static_cast<char*>(mapped) + guard, kStackBytes);
}

FiberStack::FiberStack(FiberStack&& other) noexcept
    : bottom_(std::exchange(other.bottom_, nullptr)), size_(std::exchange(other.size_, 0)) {}

FiberStack& FiberStack::operator=(FiberStack&& other) noexcept {
    std::swap(bottom_, other.bottom_);
    std::swap(size_, other.size_);
    return *this;
}

FiberStack::~FiberStack() {
    if (bottom_ == nullptr) return;
    if (t_stacks.alive && t_stacks.spare.size() < kCachedStacks) {
        try {
            t_stacks.spare.push_back(std::move(*this));
            return;
        } catch (...) {  // no room to keep it: unmap it
        }
    }
    if (bottom_ != nullptr) unmap(bottom_, size_);
}

#if defined(SGX_FIBER_HAND_SWITCH)
// sgx_explore_switch(save, next): pushes the callee-saved registers and the
// floating-point control state on the running stack, saves the stack pointer
// in *save, loads `next` and pops what the other context pushed (System V
// x86-64: rbx, rbp, r12-r15, the x87 control word and MXCSR are callee-saved).
// A new fiber's stack is laid out as if it had switched away just before its
// trampoline, which calls Fiber::start(r12) through r13.
extern "C" void sgx_explore_switch(void** save, void* next) noexcept;
extern "C" void sgx_explore_trampoline() noexcept;
asm(R"(
    .text
    .globl sgx_explore_switch
    .hidden sgx_explore_switch
    .type sgx_explore_switch, @function
    .p2align 4
sgx_explore_switch:
    pushq %rbp
    pushq %rbx
    pushq %r12
    pushq %r13
    pushq %r14
    pushq %r15
    subq $16, %rsp
    fnstcw (%rsp)
    stmxcsr 8(%rsp)
    movq %rsp, (%rdi)
    movq %rsi, %rsp
    fldcw (%rsp)
    ldmxcsr 8(%rsp)
    addq $16, %rsp
    popq %r15
    popq %r14
    popq %r13
    popq %r12
    popq %rbx
    popq %rbp
    ret
    .size sgx_explore_switch, .-sgx_explore_switch

    .globl sgx_explore_trampoline
    .hidden sgx_explore_trampoline
    .type sgx_explore_trampoline, @function
    .p2align 4
sgx_explore_trampoline:
    .cfi_startproc
    .cfi_undefined rip
    movq %r12, %rdi
    callq *%r13
    ud2
    .cfi_endproc
    .size sgx_explore_trampoline, .-sgx_explore_trampoline
)");

namespace {
// The initial frame, in the order sgx_explore_switch pops it.
struct InitialFrame {
    std::uint16_t x87_control;
    std::uint16_t pad0[3];
    std::uint32_t mxcsr;
    std::uint32_t pad1;
    void* r15;
    void* r14;
    void* r13;
    void* r12;
    void* rbx;
    void* rbp;
    void* return_to;
};
static_assert(sizeof(InitialFrame) == 72);
// After the pops and the ret the stack pointer is 16-aligned, as the trampoline's call needs.
constexpr std::size_t kInitialOffset = sizeof(InitialFrame) + 16;
}  // namespace
#else
namespace {
extern "C" void sgx_explore_uc_entry() {
    Fiber::start(t_entering);
}
}  // namespace
#endif

Fiber::Fiber() {
#if defined(SGX_FIBER_TSAN)
    tsan_fiber_ = __tsan_get_current_fiber();
#endif
#if !defined(SGX_FIBER_HAND_SWITCH)
    context_ = new ucontext_t{};
#endif
}

Fiber::Fiber(FiberStack stack, Entry entry, void* argument)
    : stack_(std::move(stack)), entry_(entry), argument_(argument) {
    stack_bottom_ = stack_.bottom();
    stack_size_ = stack_.size();
#if defined(SGX_FIBER_HAND_SWITCH)
    const auto top = reinterpret_cast<std::uintptr_t>(stack_.bottom()) + stack_.size();
    const std::uintptr_t aligned_top = top & ~std::uintptr_t{15};
    auto* frame = reinterpret_cast<InitialFrame*>(aligned_top - kInitialOffset);
    *frame = InitialFrame{};
    frame->x87_control = 0x037F;  // the System V defaults: round to nearest, every exception masked
    frame->mxcsr = 0x1F80;
    frame->r12 = this;
    frame->r13 = reinterpret_cast<void*>(&Fiber::start);
    frame->return_to = reinterpret_cast<void*>(&sgx_explore_trampoline);
    context_ = frame;
#else
    auto* context = new ucontext_t{};
    if (getcontext(context) != 0) {
        delete context;
        throw std::bad_alloc();
    }
    context->uc_stack.ss_sp = stack_.bottom();
    context->uc_stack.ss_size = stack_.size();
    context->uc_link = nullptr;
    makecontext(context, &sgx_explore_uc_entry, 0);
    context_ = context;
#endif
#if defined(SGX_FIBER_TSAN)
    tsan_fiber_ = __tsan_create_fiber(0);
    owns_tsan_fiber_ = true;
#endif
}

Fiber::~Fiber() {
#if defined(SGX_FIBER_TSAN)
    if (owns_tsan_fiber_) __tsan_destroy_fiber(tsan_fiber_);
#endif
#if !defined(SGX_FIBER_HAND_SWITCH)
    delete static_cast<ucontext_t*>(context_);
#endif
}

void Fiber::finish_switch() noexcept {
#if defined(SGX_FIBER_ASAN)
    const void* bottom = nullptr;
    std::size_t size = 0;
    __sanitizer_finish_switch_fiber(fake_stack_, &bottom, &size);
    if (t_previous != nullptr && t_previous->stack_bottom_ == nullptr) {
        t_previous->stack_bottom_ = bottom;
        t_previous->stack_size_ = size;
    }
#endif
}

void Fiber::start(Fiber* self) noexcept {
    self->finish_switch();
    self->entry_(self->argument_);
    std::terminate();  // an entry never returns: it switches away for good
}

void switch_to(Fiber& from, Fiber& to, bool from_is_done) noexcept {
#if defined(SGX_FIBER_ASAN)
    __sanitizer_start_switch_fiber(from_is_done ? nullptr : &from.fake_stack_, to.stack_bottom_, to.stack_size_);
#else
    (void)from_is_done;
#endif
#if defined(SGX_FIBER_TSAN)
    // Flag 0: the switch orders everything before it before everything after, as the baton did.
    __tsan_switch_to_fiber(to.tsan_fiber_, 0);
#endif
    t_previous = &from;
#if defined(SGX_FIBER_HAND_SWITCH)
    sgx_explore_switch(&from.context_, to.context_);
#else
    t_entering = &to;
    swapcontext(static_cast<ucontext_t*>(from.context_), static_cast<ucontext_t*>(to.context_));
#endif
    from.finish_switch();
}

}  // namespace sgx::explore
