// Ext4 module: see docs/architecture.md.
enum Ext4Module {}
