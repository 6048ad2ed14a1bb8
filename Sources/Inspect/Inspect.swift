// Inspect module: see docs/architecture.md.
enum InspectModule {}
