#ifndef SLIPWAY_CLINUX_SHIM_H
#define SLIPWAY_CLINUX_SHIM_H
// Linux calls that Swift cannot reach through Glibc: syscall(2) and ioctl(2) are variadic, makedev is
// a macro, and sys/mount.h, sys/reboot.h, sys/vfs.h, net/if.h, net/route.h and linux/blkpg.h are not
// part of the Glibc module.
#include <linux/blkpg.h>
#include <linux/dm-ioctl.h>
#include <errno.h>
#include <net/if.h>
#include <net/route.h>
#include <netinet/in.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/socket.h>
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

// Network interface set-up for the initrd's DHCP client, through the classic ioctls on an AF_INET
// datagram socket `fd`. Addresses are IPv4 in network byte order. Each returns 0 or -1 with errno.

static inline void slipway_ifreq_name(struct ifreq *request, const char *name) {
    memset(request, 0, sizeof *request);
    strncpy(request->ifr_name, name, IFNAMSIZ - 1);
}

// Sets (up != 0) or clears IFF_UP.
static inline int slipway_set_link_up(int fd, const char *name, int up) {
    struct ifreq request;
    slipway_ifreq_name(&request, name);
    if (ioctl(fd, SIOCGIFFLAGS, &request) < 0) return -1;
    if (up) request.ifr_flags |= IFF_UP; else request.ifr_flags &= ~IFF_UP;
    return ioctl(fd, SIOCSIFFLAGS, &request);
}

// SIOCSIFADDR with 0 deletes the interface's address (and the routes through it).
static inline int slipway_set_ipv4(int fd, const char *name, int which, uint32_t address) {
    struct ifreq request;
    slipway_ifreq_name(&request, name);
    struct sockaddr_in *in = (struct sockaddr_in *)&request.ifr_addr;
    in->sin_family = AF_INET;
    in->sin_addr.s_addr = address;
    unsigned long code = which == 0 ? SIOCSIFADDR : which == 1 ? SIOCSIFNETMASK : SIOCSIFBRDADDR;
    return ioctl(fd, code, &request);
}

static inline int slipway_add_default_route(int fd, const char *name, uint32_t gateway) {
    struct rtentry route;
    memset(&route, 0, sizeof route);
    ((struct sockaddr_in *)&route.rt_dst)->sin_family = AF_INET;
    ((struct sockaddr_in *)&route.rt_genmask)->sin_family = AF_INET;
    struct sockaddr_in *via = (struct sockaddr_in *)&route.rt_gateway;
    via->sin_family = AF_INET;
    via->sin_addr.s_addr = gateway;
    route.rt_flags = RTF_UP | RTF_GATEWAY;
    route.rt_dev = (char *)name;
    return ioctl(fd, SIOCADDRT, &route);
}

// Growing STATE. BLKPG_RESIZE_PARTITION tells the kernel a partition's new extent (in bytes) without
// re-reading the whole table, which would fail while the root slot on the same disk is mounted.
static inline int slipway_resize_partition(int disk_fd, int number, long long start, long long length) {
    struct blkpg_partition partition;
    memset(&partition, 0, sizeof partition);
    partition.pno = number;
    partition.start = start;
    partition.length = length;
    struct blkpg_ioctl_arg request = {
        .op = BLKPG_RESIZE_PARTITION, .flags = 0, .datalen = sizeof partition, .data = &partition};
    return ioctl(disk_fd, BLKPG, &request);
}

// Partitioning extra disks at first boot. BLKRRPART re-reads a whole table and fails (EBUSY) while
// any partition of the disk is in use; BLKPG adds or deletes one partition (extent in bytes) and
// works on a disk with other partitions in use.
static inline int slipway_reread_partitions(int disk_fd) {
    return ioctl(disk_fd, BLKRRPART, 0);
}

static inline int slipway_blkpg_partition(int disk_fd, int op, int number, long long start, long long length) {
    struct blkpg_partition partition;
    memset(&partition, 0, sizeof partition);
    partition.pno = number;
    partition.start = start;
    partition.length = length;
    struct blkpg_ioctl_arg request = {.op = op, .flags = 0, .datalen = sizeof partition, .data = &partition};
    return ioctl(disk_fd, BLKPG, &request);
}

static inline int slipway_add_partition(int disk_fd, int number, long long start, long long length) {
    return slipway_blkpg_partition(disk_fd, BLKPG_ADD_PARTITION, number, start, length);
}

static inline int slipway_delete_partition(int disk_fd, int number) {
    return slipway_blkpg_partition(disk_fd, BLKPG_DEL_PARTITION, number, 0, 0);
}

// EXT4_IOC_RESIZE_FS on any open file of a mounted ext4: grows it online to `blocks` blocks.
static inline int slipway_ext4_resize(int fd, uint64_t blocks) {
    return ioctl(fd, _IOW('f', 16, uint64_t), &blocks);
}

// Deallocates `length` bytes at `offset` of a regular file, which then read as zeros: writing a
// chunk of zeros into an image file keeps it sparse. fallocate(2) needs _GNU_SOURCE in glibc.
static inline int slipway_punch_hole(int fd, long long offset, long long length) {
    return (int)syscall(SYS_fallocate, fd, 0x01 | 0x02 /* KEEP_SIZE | PUNCH_HOLE */, offset, length);
}

// Device-mapper through /dev/mapper/control (linux/dm-ioctl.h), for the verified root: create a
// device, load a table of one target, resume it. Each takes the control file `fd` and the device's
// `name` and returns 0 or -1 with errno.
static inline void slipway_dm_header(struct dm_ioctl *io, size_t size, const char *name) {
    memset(io, 0, size);
    io->version[0] = DM_VERSION_MAJOR;
    io->version[1] = 0;
    io->version[2] = 0;
    io->data_size = (uint32_t)size;
    io->data_start = sizeof(struct dm_ioctl);
    strncpy(io->name, name, DM_NAME_LEN - 1);
}

static inline int slipway_dm_create(int fd, const char *name) {
    struct dm_ioctl io;
    slipway_dm_header(&io, sizeof io, name);
    return ioctl(fd, DM_DEV_CREATE, &io);
}

// Loads the read-only table "0 SECTORS TARGET PARAMETERS" into the device's inactive slot.
static inline int slipway_dm_load(int fd, const char *name, uint64_t sectors, const char *target,
                                  const char *parameters) {
    size_t length = strlen(parameters) + 1;
    size_t spec = (sizeof(struct dm_target_spec) + length + 7) & ~(size_t)7;
    size_t size = sizeof(struct dm_ioctl) + spec;
    unsigned char buffer[sizeof(struct dm_ioctl) + sizeof(struct dm_target_spec) + 4096 + 8];
    if (size > sizeof buffer) { errno = E2BIG; return -1; }
    struct dm_ioctl *io = (struct dm_ioctl *)buffer;
    slipway_dm_header(io, size, name);
    io->target_count = 1;
    io->flags = DM_READONLY_FLAG;
    struct dm_target_spec *target_spec = (struct dm_target_spec *)(buffer + sizeof(struct dm_ioctl));
    target_spec->sector_start = 0;
    target_spec->length = sectors;
    target_spec->next = (uint32_t)spec;
    strncpy(target_spec->target_type, target, DM_MAX_TYPE_NAME - 1);
    memcpy(buffer + sizeof(struct dm_ioctl) + sizeof(struct dm_target_spec), parameters, length);
    return ioctl(fd, DM_TABLE_LOAD, buffer);
}

// Resumes the device (DM_DEV_SUSPEND without the suspend flag), which makes the loaded table live;
// its device number goes to `major` and `minor`.
static inline int slipway_dm_resume(int fd, const char *name, unsigned int *major_out, unsigned int *minor_out) {
    struct dm_ioctl io;
    slipway_dm_header(&io, sizeof io, name);
    if (ioctl(fd, DM_DEV_SUSPEND, &io) != 0) return -1;
    *major_out = major(io.dev);
    *minor_out = minor(io.dev);
    return 0;
}

static inline int slipway_dm_remove(int fd, const char *name) {
    struct dm_ioctl io;
    slipway_dm_header(&io, sizeof io, name);
    return ioctl(fd, DM_DEV_REMOVE, &io);
}
#endif
