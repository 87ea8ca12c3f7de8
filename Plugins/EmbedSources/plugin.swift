import Foundation
import PackagePlugin

/// Carries the sources of other targets inside the target it is applied to.
///
/// `netspec compile` writes the CPU kernels beside every emitted model, so the
/// `NetSpec` target needs their text. Applied to `NetSpecEmbeddedSources`, this
/// plugin gives it one build command that runs `EmbedSourcesTool` over every
/// `.swift` file of the targets in ``embeddedTargets`` and writes
/// `EmbeddedSourceFiles.swift` (`let embeddedSourceFiles`) into the plugin's
/// work directory, which SwiftPM compiles into the target:
/// `EmbeddedSources.files["NetSpecKernels"]?["GEMM.swift"]` is the text of
/// `Sources/NetSpecKernels/GEMM.swift` as it was at this build.
///
/// Every embedded file is an input of the command, so editing one reruns it on
/// the next build; adding or removing a file changes the command itself. The
/// text is compiled into the binary (no resource bundle), so `netspec` stays
/// one relocatable file.
@main
struct EmbedSources: BuildToolPlugin {
  /// The targets whose sources are embedded: add a target here (it must be a
  /// Swift target of this package) and read it as `EmbeddedSources.files[name]`;
  /// every emitted `NetSpecRuntime.swift` then holds it.
  static let embeddedTargets = ["NetSpecKernels", "NetSpecRuntime"]
  /// The generated file.
  static let outputFileName = "EmbeddedSourceFiles.swift"

  func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
    let output = context.pluginWorkDirectoryURL.appendingPathComponent(Self.outputFileName, isDirectory: false)
    var arguments = [output.path]
    var inputs: [URL] = []
    for embedded in try context.package.targets(named: Self.embeddedTargets) {
      guard let embedded = embedded as? SwiftSourceModuleTarget else {
        throw EmbedSourcesError("target `\(embedded.name)` is not a Swift target; EmbedSources embeds Swift sources")
      }
      let files = embedded.sourceFiles(withSuffix: "swift").map(\.url).sorted { $0.path < $1.path }
      arguments += ["--target", embedded.name, embedded.directoryURL.path] + files.map(\.path)
      inputs += files
    }
    return [
      .buildCommand(
        displayName: "Embedding the sources of \(Self.embeddedTargets.joined(separator: ", ")) in \(target.name)",
        executable: try context.tool(named: "EmbedSourcesTool").url,
        arguments: arguments,
        inputFiles: inputs,
        outputFiles: [output])
    ]
  }
}

/// A misconfigured ``EmbedSources/embeddedTargets``, reported against the target.
struct EmbedSourcesError: Error, CustomStringConvertible {
  let description: String
  init(_ description: String) { self.description = description }
}
