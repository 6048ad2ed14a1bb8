// Build module: see docs/architecture.md.
enum BuildModule {}
