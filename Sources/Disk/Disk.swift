// Disk module: see docs/architecture.md.
enum DiskModule {}
