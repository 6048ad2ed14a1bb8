#ifndef SLIPWAY_CBLKID_SHIM_H
#define SLIPWAY_CBLKID_SHIM_H
#include <blkid/blkid.h>
#endif
