// Packages module: see docs/architecture.md.
enum PackagesModule {}
