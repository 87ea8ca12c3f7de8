import Foundation
import PackagePlugin

/// Compiles the `*.netspec.yaml` files of a target to Swift at build time.
///
/// Apply it to a Swift target with
/// `plugins: [.plugin(name: "NetSpecCompile", package: "NetSpec")]`; every
/// source file of the target whose name ends in `.netspec.yaml` (in any
/// subdirectory) becomes a model class in that target, plus, once per target,
/// the runtime the models call:
///
/// - one build command per spec:
///   `netspec compile SPEC -o WORK/Generated --name TYPE --without-runtime`,
///   which writes `WORK/Generated/TYPE.swift` (WORK is the plugin's work
///   directory for the target, under the scratch path);
/// - one more command, when the target has at least one spec:
///   `netspec compile --runtime-only -o WORK/Generated`, which writes
///   `WORK/Generated/NetSpecRuntime.swift` (kernels and safetensors codec).
///
/// The generated files are compiled into the target like its own sources.
/// Each command reruns when its inputs change: the spec, and the `netspec`
/// executable (which SwiftPM makes an input of every command it runs), so
/// editing a spec or updating NetSpec regenerates the code on the next build.
///
/// ## Type names
///
/// TYPE comes from the file name, not from the spec's `name:`, so it is
/// visible in the source tree: drop `.netspec.yaml`, split the rest into words
/// at every character that is not an ASCII letter or digit, capitalize the
/// first letter of each word and join them. A name that starts with a digit
/// or comes out empty gets a `Model` prefix, and a Swift keyword (`Type`,
/// `Protocol`, `Any`, `Self`) a trailing underscore:
///
/// | file | type |
/// |---|---|
/// | `mnist_mlp.netspec.yaml` | `MnistMlp` |
/// | `lenet5.netspec.yaml` | `Lenet5` |
/// | `ResNet-18.netspec.yaml` | `ResNet18` |
/// | `2layer.netspec.yaml` | `Model2layer` |
///
/// Two specs that map to the same type (`a_b` and `a-b`, or the same file
/// name in two directories) and a spec whose type would be `NetSpecRuntime`
/// are errors. The type must also not repeat one of the runtime's internal
/// names (`GEMM`, `ComputePool`, `SplitMix64`, ...); the compiler reports such
/// a clash as a redeclaration.
///
/// ## What the consuming target provides
///
/// A plugin cannot set compiler flags. The generated kernels are fast only
/// when optimized, so build the target with `-c release` (which uses `-O` and
/// whole-module optimization) and, for the build machine's vector units, add
/// `swiftSettings: [.unsafeFlags(["-target-cpu", "native"]), .define("NETSPEC_FMA")]`
/// (AVX2 and FMA) or `.define("NETSPEC_AVX512")` (AVX-512) to the target; see
/// docs/CODEGEN.md. Debug builds work too, just slowly.
///
/// Specs with a `data:` section are read at build time to bind symbolic sizes
/// (relative paths resolve from the spec's directory). Only the spec itself
/// is an input of its command: after replacing a data file in a way that
/// changes those sizes, touch the spec (or clean the build) to regenerate.
@main
struct NetSpecCompile: BuildToolPlugin {
  /// The file name suffix that marks a spec for this plugin.
  static let specSuffix = ".netspec.yaml"
  /// The runtime's file; no model type may take its name.
  static let runtimeFileName = "NetSpecRuntime.swift"

  func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
    guard let target = target as? SourceModuleTarget else { return [] }
    let specs = target.sourceFiles
      .map(\.url)
      .filter { $0.lastPathComponent.hasSuffix(Self.specSuffix) }
      .sorted { $0.path < $1.path }
    guard !specs.isEmpty else { return [] }
    guard target is SwiftSourceModuleTarget else {
      throw PluginError("target `\(target.name)`: NetSpecCompile generates Swift; apply it to a Swift target")
    }

    let netspec = try context.tool(named: "netspec").url
    let outputDirectory = context.pluginWorkDirectoryURL.appendingPathComponent("Generated", isDirectory: true)

    var commands: [Command] = []
    var specForType: [String: URL] = [:]
    for spec in specs {
      let fileName = spec.lastPathComponent
      let typeName = Self.typeName(forSpecNamed: fileName)
      if typeName + ".swift" == Self.runtimeFileName {
        throw PluginError(
          "\(spec.path): the type name `\(typeName)` is taken by the generated runtime; rename the file")
      }
      if let other = specForType[typeName] {
        throw PluginError(
          "\(spec.path): `\(fileName)` and `\(other.path)` both become the type `\(typeName)`; rename one of them")
      }
      specForType[typeName] = spec
      let output = outputDirectory.appendingPathComponent(typeName + ".swift", isDirectory: false)
      commands.append(
        .buildCommand(
          displayName: "NetSpec: compiling \(fileName) to \(typeName).swift",
          executable: netspec,
          arguments: [
            "compile", spec.path, "-o", outputDirectory.path, "--name", typeName, "--without-runtime",
          ],
          inputFiles: [spec],
          outputFiles: [output]))
    }
    commands.append(
      .buildCommand(
        displayName: "NetSpec: writing \(Self.runtimeFileName) for \(target.name)",
        executable: netspec,
        arguments: ["compile", "--runtime-only", "-o", outputDirectory.path],
        inputFiles: [],
        outputFiles: [outputDirectory.appendingPathComponent(Self.runtimeFileName, isDirectory: false)]))
    return commands
  }

  /// Swift keywords that can be spelled as a capitalized type name; they get
  /// a trailing underscore.
  static let reservedTypeNames: Set<String> = ["Any", "Protocol", "Self", "Type"]

  /// The model type for a spec file name (see "Type names" above):
  /// `mnist_mlp.netspec.yaml` → `MnistMlp`.
  static func typeName(forSpecNamed fileName: String) -> String {
    let stem = fileName.hasSuffix(specSuffix) ? String(fileName.dropLast(specSuffix.count)) : fileName
    var name = ""
    var startOfWord = true
    for scalar in stem.unicodeScalars {
      if scalar.isASCII, scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) {
        name += startOfWord ? String(scalar).uppercased() : String(scalar)
        startOfWord = false
      } else {
        startOfWord = true
      }
    }
    if name.isEmpty || name.first!.isNumber { name = "Model" + name }
    return reservedTypeNames.contains(name) ? name + "_" : name
  }
}

/// A failure the build reports against the target, with a message that says
/// which spec and what to do.
struct PluginError: Error, CustomStringConvertible {
  let description: String
  init(_ description: String) { self.description = description }
}
