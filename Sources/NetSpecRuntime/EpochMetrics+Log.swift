extension EpochMetrics {
  /// The record's numeric fields after `epoch` and `step`, in the order of
  /// the metrics log's keys: `train_loss`, `train_<metric>`, `val_loss` (when
  /// there is validation), `val_<metric>`, `learning_rate`, `seconds`,
  /// `samples_per_second`; metrics in ``ordered(_:)`` order.
  public var logFields: [(key: String, value: Double?)] {
    var fields: [(key: String, value: Double?)] = [("train_loss", trainLoss)]
    fields += Self.ordered(train.keys).map { ("train_" + $0, train[$0]) }
    if validationLoss != nil || !validation.isEmpty {
      fields.append(("val_loss", validationLoss))
    }
    fields += Self.ordered(validation.keys).map { ("val_" + $0, validation[$0]) }
    return fields + [
      ("learning_rate", learningRate), ("seconds", seconds), ("samples_per_second", samplesPerSecond),
    ]
  }

  /// The record as one line of `metrics.jsonl` (without the newline), as
  /// `netspec train` and the tool of an emitted package write it: a compact
  /// JSON object, `epoch` and `step` first, then ``logFields``, absent values
  /// left out and non-finite ones `null`.
  ///
  /// ```text
  /// {"epoch":1,"step":71,"train_loss":0.5123,"train_accuracy":0.84,"learning_rate":0.001,"seconds":2.5,"samples_per_second":1800.0}
  /// ```
  public var jsonLine: String {
    // Keys are fixed words and metric or loss-term names (letters, digits,
    // `_` and `-`), which JSON takes unescaped.
    let members =
      ["\"epoch\":\(epoch)", "\"step\":\(step)"]
      + logFields.compactMap { key, value in
        value.map { "\"\(key)\":\($0.isFinite ? String($0) : "null")" }
      }
    return "{" + members.joined(separator: ",") + "}"
  }
}
