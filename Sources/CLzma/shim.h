#ifndef SLIPWAY_CLZMA_SHIM_H
#define SLIPWAY_CLZMA_SHIM_H
#include <lzma.h>

/// A decoder stream in its initial state (LZMA_STREAM_INIT is a macro Swift cannot import).
static inline lzma_stream slipway_lzma_stream_init(void) {
    lzma_stream stream = LZMA_STREAM_INIT;
    return stream;
}

/// LZMA_CONCATENATED: decode every .xz stream of the input, one after another, as xz(1) does.
static inline uint32_t slipway_lzma_concatenated(void) { return LZMA_CONCATENATED; }
#endif
