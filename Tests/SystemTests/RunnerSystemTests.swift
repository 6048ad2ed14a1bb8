import Testing

/// The runner's QEMU boots, one at a time: a TCG guest wants both cores of a build machine, and two at once
/// only make each other slow. The suites are nested in this one so `.serialized` covers all of them.
@Suite(.serialized) enum RunnerSystemTests {}
