// SlotClaims: which slots of one pool are in use right now.
//
// Python threads name their own slot when they call Pool.churn(), alloc() or
// free(); two threads naming the same one at once would share per-slot state
// that is unlocked because its owner is supposed to be alone (slot.hpp). A
// claim turns that mistake into a ValueError instead of silent corruption.
// Cost: one atomic exchange and one store per call from Python (a chunk of
// thousands of operations, or one page against a microsecond of call), never
// per operation. The flags are not padded: two claims touch neighbouring bytes
// only once a chunk, so false sharing costs nothing measurable.
#pragma once

#include <atomic>
#include <memory>
#include <string>

#include "base/errors.hpp"
#include "base/slot.hpp"

namespace sgx {

class SlotClaims {
public:
    class Claim {
    public:
        Claim(const Claim&) = delete;
        Claim& operator=(const Claim&) = delete;
        // Release: whatever this holder wrote to its slot's state happens before
        // the next holder's acquire in claim() sees the flag clear.
        ~Claim() { flag_.store(false, std::memory_order_release); }

    private:
        friend class SlotClaims;
        explicit Claim(std::atomic<bool>& flag) noexcept : flag_(flag) {}
        std::atomic<bool>& flag_;
    };

    // `slot` is 0 .. kCallerSlot; throws std::invalid_argument when it is out of
    // range or already claimed. kCallerSlot's users hold the GIL, so its claim
    // never collides; it is claimed anyway so every entry point works alike.
    [[nodiscard]] Claim claim(long long slot) {
        check_range("slot", slot, 0, kCallerSlot);
        std::atomic<bool>& flag = in_use_[static_cast<std::size_t>(slot)];
        // Acquire: pairs with the release of the previous holder (see ~Claim).
        if (flag.exchange(true, std::memory_order_acquire)) [[unlikely]] {
            throw_bad_argument("slot " + std::to_string(slot) +
                               " is in use by another thread; give every concurrent caller its own slot");
        }
        return Claim(flag);
    }

private:
    std::unique_ptr<std::atomic<bool>[]> in_use_ = std::make_unique<std::atomic<bool>[]>(kSlotCount);
};

}  // namespace sgx
