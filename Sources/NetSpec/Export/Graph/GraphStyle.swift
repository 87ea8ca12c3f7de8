/// What a box in a graph drawing stands for, which sets its shape, its colour
/// and its line in the legend.
enum GraphItemKind: Hashable, Sendable {
  case input
  case target
  /// A closed block instance.
  case block
  case op(OpCategory)

  /// The legend's word for it, also the Mermaid class name.
  var name: String {
    switch self {
    case .input: "input"
    case .target: "target"
    case .block: "block"
    case .op(let category): category.rawValue
    }
  }

  /// Fill colour: light enough for black text, one hue per kind.
  var fill: String {
    switch self {
    case .input: "#e3f4e1"
    case .target: "#fdf0d5"
    case .block: "#dfe3e8"
    case .op(let category):
      switch category {
      case .layer: "#cfe0f5"
      case .pooling: "#cdeeea"
      case .shape: "#f0f0f0"
      case .merge: "#fff5c2"
      case .activation: "#ffe0c2"
      case .regularization: "#e9e4f7"
      case .normalization: "#d5cdf0"
      case .embedding: "#d9f0c8"
      case .attention: "#f8d2e6"
      case .recurrent: "#c9e4f0"
      case .loss: "#f8d7d7"
      case .math: "#e6efd0"
      }
    }
  }

  /// Border colour: a darker shade of the fill's hue.
  var stroke: String {
    switch self {
    case .input: "#5a9a52"
    case .target: "#b98a2e"
    case .block: "#5f6b7a"
    case .op(let category):
      switch category {
      case .layer: "#4a74b0"
      case .pooling: "#3f9488"
      case .shape: "#8a8a8a"
      case .merge: "#a89427"
      case .activation: "#c27a33"
      case .regularization: "#7d6fb0"
      case .normalization: "#6a58b0"
      case .embedding: "#5f9a3f"
      case .attention: "#b0507f"
      case .recurrent: "#3f86a8"
      case .loss: "#b05050"
      case .math: "#7f9440"
      }
    }
  }
}
