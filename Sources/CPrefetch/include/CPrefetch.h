#ifndef CPREFETCH_H
#define CPREFETCH_H

/// Asks the CPU to start loading the cache line at `p` (a hint: never faults, may be ignored).
/// Swift has no prefetch of its own; the validator's unique-key table uses it to overlap a
/// likely cache miss with the row's other checks.
static inline void catalog_etl_prefetch(const void *p) { __builtin_prefetch(p, 1, 3); }

#endif
