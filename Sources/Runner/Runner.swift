// Runner module: see docs/architecture.md.
enum RunnerModule {}
