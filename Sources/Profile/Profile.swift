// Profile module: see docs/architecture.md.
enum ProfileModule {}
