// Rootfs module: see docs/architecture.md.
enum RootfsModule {}
