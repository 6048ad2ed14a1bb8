// Hashing module: see docs/architecture.md.
enum HashingModule {}
