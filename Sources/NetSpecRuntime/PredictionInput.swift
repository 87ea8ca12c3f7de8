/// Samples to predict on as a model takes them: fitted to the values per
/// sample, then transformed as the training source was (`scale`, then the
/// training split's standardization). `netspec predict` and the `predict`
/// of an emitted package share it.
public enum PredictionInput {
  /// The values of `samples` for a model taking `stride` values per sample:
  /// as stored when the counts match (e.g. `[784]` as `[1, 28, 28]`), or CSV
  /// rows without their label column `labelColumn` when they have one more.
  /// nil when neither fits.
  public static func fit(_ samples: SampleFile, stride: Int, labelColumn: LabelColumn?) -> [Float]? {
    if samples.stride == stride { return samples.values }
    guard let table = samples.table, table.columns == stride + 1, let labelColumn else { return nil }
    let column: Int?
    switch labelColumn {
    case .last: column = table.columns - 1
    case .first: column = 0
    case .index(let index): column = index < table.columns ? index : nil
    case .name(let name): column = table.columnNames?.firstIndex(of: name)
    }
    return column.map { table.split(column: $0).features }
  }

  /// Scales, then standardizes, whole samples in place.
  public static func transform(_ values: inout [Float], scale: Float?, standardization: Standardization?) {
    if let scale {
      for i in values.indices { values[i] *= scale }
    }
    standardization?.apply(to: &values)
  }
}
