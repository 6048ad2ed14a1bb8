#ifndef SLIPWAY_CEXT2FS_SHIM_H
#define SLIPWAY_CEXT2FS_SHIM_H
#include <ext2fs/ext2_fs.h>
#include <ext2fs/ext2fs.h>
#include <et/com_err.h>

/* unix_io_manager is a global; Swift reaches it through this function. */
static inline io_manager slipway_unix_io_manager(void) { return unix_io_manager; }
#endif
