import NetSpec
import NetSpecDiagnostics

/// libFuzzer entry point: the input bytes as a spec file, checked as
/// `netspec check` checks one (``Frontend/check(_:options:_:)`` with the
/// default limits), then its diagnostics rendered as text. A rejected spec
/// must carry at least one error: a nil result without one is a silent failure.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzFrontend(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
  let bytes = Array(UnsafeBufferPointer(start: data, count: size))
  var diagnostics = DiagnosticBag()
  let spec = Frontend.check(SourceFile(path: "fuzz.yaml", bytes: bytes), &diagnostics)
  if spec == nil, !diagnostics.hasErrors { fatalError("Frontend.check rejected the spec without an error") }
  _ = HumanRenderer().render(diagnostics.sorted)
  return 0
}
