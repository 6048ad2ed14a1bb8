#ifndef SLIPWAY_CZLIB_SHIM_H
#define SLIPWAY_CZLIB_SHIM_H
#include <zlib.h>

// deflateInit and deflateInit2 are macros that pass the library's version and z_stream size.
static inline int slipway_deflate_init(z_stream *stream, int level, int window_bits) {
    return deflateInit2(stream, level, Z_DEFLATED, window_bits, 8, Z_DEFAULT_STRATEGY);
}
#endif
