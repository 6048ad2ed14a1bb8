// Boot module: see docs/architecture.md.
enum BootModule {}
