import NetSpecDiagnostics

/// One layer of the spec an import writes: a NetSpec op with its attributes,
/// its inputs (NetSpec value names) and its weights under their local names
/// (`weight`, `bias`, `running_mean`, `weight_ih_l0`, ...).
struct ImportedLayer: Sendable {
  var name: String
  var op: String
  /// Attributes in the order the spec writes them.
  var attributes: [(name: String, value: SpecValue.Kind)]
  var inputs: [String]
  var weights: [String: NamedTensor]

  /// The attribute's value, if set.
  subscript(attribute: String) -> SpecValue.Kind? {
    get { attributes.first { $0.name == attribute }?.value }
    set {
      attributes.removeAll { $0.name == attribute }
      if let newValue { attributes.append((attribute, newValue)) }
    }
  }
}

/// Rows `start..<start + count` of a recurrent state: the NetSpec value
/// `source`, `[N, R, H]` (or `[N, H]`, one row).
struct StateRows: Equatable {
  var source: String
  var start: Int
  var count: Int
}

/// A value of the ONNX graph as the importer sees it.
enum ONNXBinding: Sendable {
  /// Known at import time (an initializer, a `Constant`, a folded shape computation).
  case constant(ONNXConstant)
  /// Zeros of a shape that depends on the batch size (`ConstantOfShape` of
  /// `Shape(x)`): the initial states of a recurrent layer.
  case zeros
  /// A tensor the model computes: a NetSpec value seen through a view.
  case tensor(ImportedTensor)
  /// The first rows of a constant table, as many as a symbolic size: a
  /// position table cut to the sequence length (``ONNXTranslator/leadingRows(_:_:)``).
  case leadingRows(ONNXConstant, Dim)
  /// The output of a node that could not be imported (already reported).
  case skipped
}

/// A tensor the model computes: the NetSpec value `source`, seen by the ONNX
/// graph with `shape` (a free reshape of the source's elements while
/// ``layout`` is `batchMajor`) or in another axis order.
struct ImportedTensor: Sendable {
  /// How the ONNX tensor's axes relate to the NetSpec value's.
  enum Layout: Sendable, Equatable {
    /// The same elements in the same order (the shapes may differ by a reshape).
    case batchMajor
    /// `[T, N, F]`, the NetSpec value `[N, T, F]` with its first two axes
    /// swapped (torch's `batch_first` exports transpose around recurrent ops;
    /// `[T, N, 2, H]` for a bidirectional op's `Y` before its reshape).
    case timeMajor
    /// A recurrent op's `Y` `[T, D, N, H]` (D = 2 for a bidirectional op).
    case recurrentSequences
    /// `[1, N, H]`: the `[N, H]` value `source` unsqueezed (a one-layer
    /// initial state), or the last step of the recurrent layer `source`.
    case recurrentState
    /// A recurrent op's `Y_h` (`"h"`) or `Y_c` (`"c"`) `[D, N, H]`: the rows
    /// from `row` of the final state `<source>.h` or `<source>.c` of the
    /// recurrent layer `source` (`[N, L·D, H]`, or `[N, H]` for one layer and direction).
    case finalState(String, row: Int)
    /// `[k, N, H]`: the rows `start..<start + k` of the batch-first state
    /// `[N, R, H]` `source`, its first two axes swapped (a `Slice` or `Gather`
    /// of a transposed stack state, one layer's initial states).
    case stateRows(start: Int)
    /// `[N, k, H]`: the rows `start..<start + k` of `[N, R, H]` `source` along
    /// axis 1 (a `Gather` of several rows: NetSpec's per-layer initial states).
    case rows(start: Int)
  }

  var source: String
  var shape: Shape
  var layout: Layout = .batchMajor
  /// The ONNX node that made this view, which names a reshape layer if one is needed.
  var viewNode: String?
}

extension SpecValue.Kind {
  /// A list attribute the importer builds (it has no place in a source file yet).
  static func importedList(_ items: [SpecValue.Kind]) -> SpecValue.Kind {
    let span = SourceSpan(file: SourceFile(path: "<onnx>", text: ""), from: 0, to: 0)
    return .list(items.map { SpecValue($0, span: span) })
  }
}
