#ifndef SLIPWAY_CZSTD_SHIM_H
#define SLIPWAY_CZSTD_SHIM_H
#include <zstd.h>
#endif
