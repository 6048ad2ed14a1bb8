// Archive module: see docs/architecture.md.
enum ArchiveModule {}
