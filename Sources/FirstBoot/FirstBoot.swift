// FirstBoot module: see docs/architecture.md.
enum FirstBootModule {}
