// Commands module: see docs/architecture.md.
enum CommandsModule {}
