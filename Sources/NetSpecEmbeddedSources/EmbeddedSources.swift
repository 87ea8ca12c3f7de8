/// The text of other targets' Swift sources, carried inside the binary so that
/// `netspec compile` can write the CPU kernels beside every model: by target
/// name, then by file path relative to the target's directory.
///
/// The value comes from `EmbeddedSourceFiles.swift`, which the `EmbedSources`
/// build-tool plugin (Plugins/EmbedSources) writes into this target at every
/// build from the targets it lists; nothing here is committed or regenerated
/// by hand.
public enum EmbeddedSources {
  /// `files["NetSpecKernels"]?["GEMM.swift"]` is the text of
  /// `Sources/NetSpecKernels/GEMM.swift` as it was when this module was built.
  public static var files: [String: [String: String]] { embeddedSourceFiles }
}
