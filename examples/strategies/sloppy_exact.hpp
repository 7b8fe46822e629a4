// sloppy_exact: OSTEP's sloppy counter (sloppy_counter.hpp) whose read is the
// exact sum under every lock: exact in every schedule, and never hangs the
// reclaimer, at the price of a read that takes nodes + 1 locks.
#include "sloppy_counter.hpp"

struct SloppyExactName {
    static constexpr std::string_view value = "sloppy_exact";
};
template <class Cells, class Pause>
using SloppyExact = Sloppy<true, SloppyExactName, Cells, Pause>;

PYSGXALLOC_STRATEGY(sgx::CellCounts<SloppyExact>);
