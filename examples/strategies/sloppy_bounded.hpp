// sloppy_bounded: OSTEP's sloppy counter (sloppy_counter.hpp) read the cheap
// way, the global count alone: off by at most (threshold - 1) per node, the
// bound it claims (read_error_bound()) and the explorer checks in every schedule.
#include "sloppy_counter.hpp"

struct SloppyBoundedName {
    static constexpr std::string_view value = "sloppy_bounded";
};
template <class Cells, class Pause>
using SloppyBounded = Sloppy<false, SloppyBoundedName, Cells, Pause>;

PYSGXALLOC_STRATEGY(sgx::CellCounts<SloppyBounded>);
