#ifndef SLIPWAY_CLINUX_SHIM_H
#define SLIPWAY_CLINUX_SHIM_H
// Linux calls that Swift cannot reach through Glibc: syscall(2) is variadic, makedev is a macro,
// and sys/mount.h and sys/vfs.h are not part of the Glibc module.
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/vfs.h>
#include <unistd.h>

// finit_module(2): load a kernel module from an open file. glibc 2.36 has no wrapper.
static inline int slipway_finit_module(int fd, const char *params, int flags) {
    return (int)syscall(SYS_finit_module, fd, params, flags);
}

static inline dev_t slipway_makedev(unsigned int major, unsigned int minor) {
    return makedev(major, minor);
}
#endif
