/// The model type's name in emitted code. Besides being a valid identifier,
/// it must not shadow a type the emitted code names: a model called `Float`,
/// `Array`, `Data` or `Sendable` would make every use of that name in the
/// model, the runtime or the package's tool mean the model class, and the
/// output would not build. The names the emitted code uses are read from the
/// emitted code itself, so the check cannot fall behind the emitters.
enum ModelTypeName {
  /// Emitted with this name first; the real name replaces it afterwards.
  static let placeholder = "NetSpecModelTypeNamePlaceholder"

  /// Names no model may take whatever the emitted code holds: the modules
  /// it imports or qualifies names with, the literal types the compiler looks
  /// up, and the runtime's own declarations.
  static let alwaysReserved = Set<String>(
    [
      "Swift", "Foundation", "Glibc", "Darwin", "Dispatch", "PackageDescription", "IntegerLiteralType",
      "FloatLiteralType", "BooleanLiteralType", "StringLiteralType", "UnicodeScalarType",
      "ExtendedGraphemeClusterType", "Optional", "Error", "Never", "Void", "AnyObject",
    ]
  ).union(KernelSourceEmbedding.declaredNames)

  /// Every capitalized name in the runtime and the package tool's `main.swift`
  /// (the tool's library file names only runtime types and these; a test
  /// keeps it so).
  static let sharedNames: Set<String> = capitalizedIdentifiers(
    in: KernelSourceEmbedding.runtimeFile() + ToolEmitter.main(type: placeholder, sourceName: "spec.yaml"))

  /// The names a model emitted as `model` (with ``placeholder`` as its type
  /// name) uses and so cannot be called.
  static func reserved(model: String) -> Set<String> {
    alwaysReserved.union(sharedNames).union(capitalizedIdentifiers(in: model))
  }

  /// Each identifier in `source` outside comments that starts with an
  /// uppercase ASCII letter (type names by Swift convention). String
  /// literals are read too (their interpolations are code), which only makes
  /// the set larger.
  static func capitalizedIdentifiers(in source: String) -> Set<String> {
    var names: Set<String> = []
    let bytes = Array(source.utf8)
    var i = 0
    var start: Int?
    func flush(_ end: Int) {
      if let first = start, bytes[first] >= UInt8(ascii: "A"), bytes[first] <= UInt8(ascii: "Z") {
        names.insert(String(decoding: bytes[first..<end], as: UTF8.self))
      }
      start = nil
    }
    while i < bytes.count {
      let byte = bytes[i]
      if byte == UInt8(ascii: "/"), i + 1 < bytes.count,
        bytes[i + 1] == UInt8(ascii: "/") || bytes[i + 1] == UInt8(ascii: "*")
      {
        flush(i)
        let block = bytes[i + 1] == UInt8(ascii: "*")
        i += 2
        while i < bytes.count {
          if block
            ? (bytes[i] == UInt8(ascii: "*") && i + 1 < bytes.count && bytes[i + 1] == UInt8(ascii: "/"))
            : bytes[i] == UInt8(ascii: "\n")
          {
            i += block ? 2 : 1
            break
          }
          i += 1
        }
        continue
      }
      let isLetter = (byte | 0x20) >= UInt8(ascii: "a") && (byte | 0x20) <= UInt8(ascii: "z")
      let isDigit = byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
      if isLetter || byte == UInt8(ascii: "_") || (isDigit && start != nil) {
        if start == nil { start = i }
      } else {
        flush(i)
      }
      i += 1
    }
    flush(bytes.count)
    return names
  }

  /// The name derived from the spec's `name:` (or the file name) when it is
  /// free, else with `Model` appended (`Float` → `FloatModel`), else numbered.
  static func derived(_ base: String, reserved: Set<String>) -> String {
    let name = SwiftNames.identifier(base, upperFirst: true)
    guard reserved.contains(name) || name == placeholder else { return name }
    var scope = IdentifierScope(reserving: reserved)
    return scope.unique(name + "Model", upperFirst: true)
  }
}
