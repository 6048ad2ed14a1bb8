#ifndef SLIPWAY_CEXT2FS_SHIM_H
#define SLIPWAY_CEXT2FS_SHIM_H
#include <ext2fs/ext2_fs.h>
#include <ext2fs/ext2fs.h>
#include <et/com_err.h>

/* unix_io_manager is a global; Swift reaches it through this function. */
static inline io_manager slipway_unix_io_manager(void) { return unix_io_manager; }

#ifdef __linux__
#include <fcntl.h>
/* glibc declares fallocate(2) only under _GNU_SOURCE; this is the same prototype. */
extern int fallocate(int fd, int mode, off_t offset, off_t len);
/* Zeroes [0, length) of an image file by punching a hole (FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE). */
static inline int slipway_punch_hole(int fd, off_t length) { return fallocate(fd, 0x02 | 0x01, 0, length); }
#endif
#endif
