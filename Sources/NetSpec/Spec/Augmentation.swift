import NetSpecDiagnostics
import NetSpecRuntime
import NetSpecYAML

/// One entry of `data.augment`: a random transformation applied to each
/// training sample, freshly drawn each epoch from the `train.seed` stream.
/// Image augmentations act on the last two axes (height, width).
///
/// ```yaml
/// augment: [{random_shift: 2}, horizontal_flip, {random_crop: {size: 32, padding: 4}}, {gaussian_noise: 0.05}]
/// ```
public struct Augmentation: Sendable, Hashable {
  /// The transformation (shared with the training runtime).
  public typealias Kind = AugmentationStep

  public var kind: Kind
  /// The list item.
  public var span: SourceSpan

  static let names = ["random_shift", "random_crop", "horizontal_flip", "gaussian_noise"]

  static func decodeList(
    _ node: YAMLNode, resolver: ValueResolver, _ diagnostics: inout DiagnosticBag
  ) -> [Augmentation] {
    guard case .sequence(let items, _) = node else {
      diagnostics.append(
        Diagnostic(.typeMismatch, at: node.span, "`augment` must be a list, found \(node.kindDescription)")
          .help("for example `augment: [{random_shift: 2}, horizontal_flip]`"))
      return []
    }
    return items.compactMap { decode($0, resolver: resolver, &diagnostics) }
  }

  static func decode(
    _ node: YAMLNode, resolver: ValueResolver, _ diagnostics: inout DiagnosticBag
  ) -> Augmentation? {
    guard
      let tagged = TaggedNode.read(node, what: "augment", example: "{random_shift: 2}", &diagnostics),
      tagged.checkName(names, what: "augment", &diagnostics)
    else { return nil }
    let (keys, primary): ([String], String) =
      switch tagged.name {
      case "random_shift": (["pixels"], "pixels")
      case "random_crop": (["size", "padding"], "size")
      case "horizontal_flip": (["probability"], "probability")
      default: (["std"], "std")
      }
    guard
      let reader = tagged.settings(
        section: "data.augment.\(tagged.name)", keys: keys, primary: primary, resolver: resolver,
        &diagnostics)
    else { return nil }
    let kind: Kind
    switch tagged.name {
    case "random_shift":
      guard let value = required("pixels", reader, allowed: keys, example: "{random_shift: 2}", &diagnostics),
        let pixels = ValueCheck.int(value, in: 1...Dim.limit, what: "`pixels`", &diagnostics)
      else { return nil }
      kind = .randomShift(pixels: pixels)
    case "random_crop":
      let padding = reader.int("padding", in: 0...Dim.limit, &diagnostics) ?? 0
      guard
        let value = required(
          "size", reader, allowed: keys, example: "{random_crop: {size: 28, padding: 2}}", &diagnostics),
        let (height, width) = decodeCropSize(value, &diagnostics)
      else { return nil }
      kind = .randomCrop(height: height, width: width, padding: padding)
    case "horizontal_flip":
      kind = .horizontalFlip(probability: reader.number("probability", .probability, &diagnostics) ?? 0.5)
    default:
      guard let value = required("std", reader, allowed: keys, example: "{gaussian_noise: 0.1}", &diagnostics),
        let std = ValueCheck.number(value, .positive, what: "`std`", &diagnostics)
      else { return nil }
      kind = .gaussianNoise(std: std)
    }
    return Augmentation(kind: kind, span: tagged.span)
  }

  /// The value of a setting without a default, or nil after reporting it missing.
  private static func required(
    _ key: String, _ reader: MappingReader, allowed: [String], example: String,
    _ diagnostics: inout DiagnosticBag
  ) -> SpecValue? {
    guard reader.node(key) != nil else {
      reader.requireKey(key, allowed: allowed, help: "for example `\(example)`", &diagnostics)
      return nil
    }
    return reader.value(key, &diagnostics)
  }

  /// `size: 28` (square) or `size: [24, 32]` (height, width).
  private static func decodeCropSize(_ value: SpecValue, _ diagnostics: inout DiagnosticBag) -> (Int, Int)? {
    guard let list = value.listValue else {
      return ValueCheck.int(value, in: 1...Dim.limit, what: "`size`", &diagnostics).map { ($0, $0) }
    }
    guard list.count == 2 else {
      diagnostics.append(
        Diagnostic(
          .typeMismatch, at: value.span, "`size` must be one size or `[height, width]`, found \(list.count) values"
        )
        .help("for example `size: 28` or `size: [24, 32]`"))
      return nil
    }
    let height = ValueCheck.int(list[0], in: 1...Dim.limit, what: "the crop height", &diagnostics)
    let width = ValueCheck.int(list[1], in: 1...Dim.limit, what: "the crop width", &diagnostics)
    guard let height, let width else { return nil }
    return (height, width)
  }
}
