/// The training runtime's types (``Dataset``, ``Batcher``, ``TrainingLoop``,
/// ``MetricAccumulator``, ...) are part of NetSpec's API: a client that
/// imports NetSpec sees them without importing NetSpecRuntime.
@_exported import NetSpecRuntime
