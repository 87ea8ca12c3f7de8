/// Samples and their labels in memory, as float32.
///
/// Sample `i`'s inputs are `inputs[i * inputStride ..< (i + 1) * inputStride]`
/// (row-major in `inputShape`), its label likewise in `labels`. Class indices
/// and token ids are stored as whole-number floats (exact below 2^24): the
/// interpreter keeps every tensor as float32.
public struct Dataset: Sendable {
  /// The number of samples.
  public var count: Int
  /// `count × inputStride` values, sample-major.
  public var inputs: [Float]
  /// The shape of one sample, without the batch axis (`[1, 28, 28]`).
  public var inputShape: [Int]
  /// `count × labelStride` values, sample-major.
  public var labels: [Float]
  /// The shape of one label: `[]` for a class index or a scalar, `[K]` for a
  /// row of K values, `[T]` for a sequence of class indices.
  public var labelShape: [Int]
  /// Class names in index order, when the file names them.
  public var classNames: [String]?

  public init(
    count: Int, inputs: [Float], inputShape: [Int], labels: [Float], labelShape: [Int], classNames: [String]? = nil
  ) {
    self.count = count
    self.inputs = inputs
    self.inputShape = inputShape
    self.labels = labels
    self.labelShape = labelShape
    self.classNames = classNames
  }

  /// Values per sample: the product of `inputShape`.
  public var inputStride: Int { inputShape.reduce(1, *) }
  /// Values per label: the product of `labelShape`.
  public var labelStride: Int { labelShape.reduce(1, *) }

  /// The samples at `indices`, in that order.
  public func subset(_ indices: some Collection<Int>) -> Dataset {
    let inputStride = inputStride
    let labelStride = labelStride
    var inputs = [Float]()
    inputs.reserveCapacity(indices.count * inputStride)
    var labels = [Float]()
    labels.reserveCapacity(indices.count * labelStride)
    for index in indices {
      inputs.append(contentsOf: self.inputs[(index * inputStride)..<((index + 1) * inputStride)])
      labels.append(contentsOf: self.labels[(index * labelStride)..<((index + 1) * labelStride)])
    }
    return Dataset(
      count: indices.count, inputs: inputs, inputShape: inputShape, labels: labels, labelShape: labelShape,
      classNames: classNames)
  }
}
