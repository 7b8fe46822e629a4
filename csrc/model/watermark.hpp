// The watermark test's two choices and the kernel's watermarks: what
// sgx_should_reclaim() compares, and how. Kept apart from EpcPool so that code
// which only names a choice (a scenario's configuration) does not pull in the
// pool template.
#pragma once

namespace sgx {

// How should_reclaim compares the count with the watermark.
enum class Comparison {
    signed_count,     // count < watermark: a negative count reads as very low
    kernel_unsigned,  // (unsigned long)count < watermark: negative reads as huge, as in the kernel
};

// Which read should_reclaim compares with the watermark.
enum class WatermarkRead {
    cheap,  // always the cheap read, as sgx_should_reclaim() reads sgx_nr_free_pages
    // __percpu_counter_compare()'s rule: the exact read when the cheap one is
    // within batch x CPUs online (here: slots in use) of the watermark
    exact_near_watermark,
    // the tighter margin: within the cheap read's error bound, (batch - 1) x slots in use
    exact_within_error_bound,
};

struct Watermarks {
    long low;   // SGX_NR_LOW_PAGES: an allocation wakes the reclaimer below this
    long high;  // SGX_NR_HIGH_PAGES: the reclaimer runs until the count reaches this
};

}  // namespace sgx
