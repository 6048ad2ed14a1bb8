#ifndef SLIPWAY_CARCHIVE_SHIM_H
#define SLIPWAY_CARCHIVE_SHIM_H
#include <archive.h>
#include <archive_entry.h>
#endif
