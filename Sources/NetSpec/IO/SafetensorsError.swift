import NetSpecDiagnostics

/// Why a safetensors file could not be read or written, or does not fit the
/// model: the ``problem``, and the file it concerns when there is one. The
/// ``description`` is a complete message for a person:
///
/// ```text
/// weights/lenet5.safetensors: tensor "dense_1.weight": shape [400, 120] of F32 needs 192000 bytes, but data_offsets [0, 191996] hold 191996
/// ```
public struct SafetensorsError: Error, Equatable, CustomStringConvertible {
  /// What is wrong.
  public enum Problem: Sendable, Equatable {
    /// The file could not be written; the system's reason.
    case io(String)
    /// The file could not be opened or its header located: not a regular
    /// file, unreadable, too short, or a header length out of bounds (see
    /// ``SafetensorsSource``).
    case file(SafetensorsSource.Failure)
    /// The header is not valid JSON; the parser's message.
    case headerNotJSON(String)
    /// The header is valid JSON but not an object.
    case headerNotObject
    /// `__metadata__` is not an object of strings.
    case badMetadata(String)
    /// A tensor's entry lacks a field or has one of the wrong type.
    case badEntry(tensor: String, String)
    /// A dtype that the format does not define.
    case unknownDtype(tensor: String, dtype: String)
    /// A dtype the format defines but NetSpec does not convert to float32.
    case unsupportedDtype(tensor: String, dtype: String)
    /// The shape's byte size differs from the span of the data offsets.
    case byteCountMismatch(tensor: String, dtype: String, shape: [Int], offsets: [Int])
    /// The data offsets reach past the data section.
    case offsetsOutOfBounds(tensor: String, offsets: [Int], dataSize: Int)
    /// Two tensors' data overlap.
    case overlap(tensor: String, offsets: [Int], other: String, otherOffsets: [Int])
    /// Unused bytes before a tensor's data (tensors must be contiguous).
    case gap(tensor: String, bytes: Int)
    /// Unused bytes after the last tensor.
    case trailingBytes(Int)
    /// A tensor to load holds NaN or an infinity (at element `index`).
    case nonFinite(tensor: String, index: Int, value: Float)
    /// Two tensors to write share a name.
    case duplicateName(String)
    /// A tensor to write is named `__metadata__`.
    case reservedName
    /// A tensor to write has a negative dimension or an overflowing size.
    case invalidShape(tensor: String, shape: [Int])
    /// A tensor to write has a different number of values than its shape holds.
    case valueCountMismatch(tensor: String, shape: [Int], count: Int)
    /// The tensors do not match the ones the model expects (name -> shape).
    case doesNotMatch([TensorMismatch], expected: [String: [Int]])
  }

  /// One difference between a weights file and the model.
  public enum TensorMismatch: Sendable, Equatable {
    /// The model has this tensor; the file does not.
    case missing(name: String, shape: [Int])
    /// The file has this tensor; the model does not.
    case unexpected(name: String, shape: [Int])
    /// Both have the tensor, with different shapes.
    case shape(name: String, expected: [Int], found: [Int])
  }

  /// What is wrong.
  public var problem: Problem
  /// The file concerned, when known.
  public var path: String?

  /// An error about `path` (nil for bytes in memory).
  public init(_ problem: Problem, path: String? = nil) {
    self.problem = problem
    self.path = path
  }

  /// `path: message`, or the message alone.
  public var description: String {
    (path.map { "\($0): " } ?? "") + problem.message
  }
}

extension SafetensorsError.Problem {
  /// The problem in words.
  var message: String {
    switch self {
    case .io(let reason): return reason
    case .file(let failure): return failure.description
    case .headerNotJSON(let reason): return "header is not valid JSON: \(reason)"
    case .headerNotObject: return "header is not a JSON object"
    case .badMetadata(let reason): return "`__metadata__` \(reason)"
    case .badEntry(let tensor, let reason): return "tensor \(Self.quoted(tensor)): \(reason)"
    case .unknownDtype(let tensor, let dtype):
      return "tensor \(Self.quoted(tensor)): unknown dtype \(Self.quoted(dtype)); "
        + "the format defines \(SafetensorsDtype.allCases.map(\.rawValue).joined(separator: ", "))"
    case .unsupportedDtype(let tensor, let dtype):
      return "tensor \(Self.quoted(tensor)) has dtype \(dtype), which NetSpec cannot read as float32; "
        + "supported: \(SafetensorsDtype.allCases.filter(\.isReadable).map(\.rawValue).joined(separator: ", "))"
    case .byteCountMismatch(let tensor, let dtype, let shape, let offsets):
      let needed = (NamedTensor.elementCount(shape) ?? 0) * (SafetensorsDtype(rawValue: dtype)?.byteSize ?? 0)
      return "tensor \(Self.quoted(tensor)): shape \(shapeText(shape)) of \(dtype) needs \(needed) bytes, "
        + "but data_offsets \(shapeText(offsets)) hold \(offsets[1] - offsets[0])"
    case .offsetsOutOfBounds(let tensor, let offsets, let size):
      return "tensor \(Self.quoted(tensor)): data_offsets \(shapeText(offsets)) run past the end of the "
        + "data (\(size) bytes); is the file truncated?"
    case .overlap(let tensor, let offsets, let other, let otherOffsets):
      return "tensors \(Self.quoted(other)) \(shapeText(otherOffsets)) and \(Self.quoted(tensor)) "
        + "\(shapeText(offsets)) overlap"
    case .gap(let tensor, let bytes):
      return "\(bytes) unused bytes before tensor \(Self.quoted(tensor)); tensors must be contiguous"
    case .trailingBytes(let bytes):
      return "\(bytes) unused bytes after the last tensor"
    case .nonFinite(let tensor, let index, let value):
      return "tensor \(Self.quoted(tensor)) holds \(value) at element \(index); weights must be finite "
        + "(did the training that wrote them diverge?)"
    case .duplicateName(let name): return "two tensors are named \(Self.quoted(name))"
    case .reservedName: return "a tensor may not be named \"__metadata__\""
    case .invalidShape(let tensor, let shape):
      return "tensor \(Self.quoted(tensor)): shape \(shapeText(shape)) has a negative dimension or is too large"
    case .valueCountMismatch(let tensor, let shape, let count):
      return "tensor \(Self.quoted(tensor)): shape \(shapeText(shape)) holds "
        + "\(NamedTensor.elementCount(shape) ?? 0) values, but \(count) were given"
    case .doesNotMatch(let mismatches, let expected):
      var lines = ["weights do not match the model:"]
      let missing = mismatches.compactMap { if case .missing(let name, _) = $0 { name } else { nil } }
      for mismatch in mismatches {
        switch mismatch {
        case .missing(let name, let shape):
          lines.append("  missing tensor \(Self.quoted(name)) (expected shape \(shapeText(shape)))")
        case .unexpected(let name, let shape):
          let hint = Suggestions.closest(to: name, in: missing).map { "; did you mean \(Self.quoted($0))?" }
          lines.append("  unexpected tensor \(Self.quoted(name)) with shape \(shapeText(shape))" + (hint ?? ""))
        case .shape(let name, let want, let found):
          lines.append(
            "  tensor \(Self.quoted(name)) has shape \(shapeText(found)), expected \(shapeText(want))")
        }
      }
      lines.append("the model expects \(expected.count) tensor\(expected.count == 1 ? "" : "s"):")
      for name in expected.keys.sorted(by: SafetensorsFile.byteOrder) {
        lines.append("  \(name) \(shapeText(expected[name]!))")
      }
      return lines.joined(separator: "\n")
    }
  }

  /// A tensor or key name as a JSON string, escaped as the header's writer
  /// (serde_json) escapes it.
  static func quoted(_ name: String) -> String {
    JSONEscaping.serdeJSON.quoted(name)
  }

  /// `[2, 3]`.
  private func shapeText(_ dims: [Int]) -> String {
    "[" + dims.map(String.init).joined(separator: ", ") + "]"
  }
}
