import Foundation

/// The `swiftc` flags that build emitted kernels for this machine's CPU, as
/// Package.swift chooses them for NetSpecKernels: AVX-512 or AVX2 with FMA
/// from /proc/cpuinfo, nothing extra elsewhere (arm64 always has FMA).
public enum CompilerFlags {
  /// `["-target-cpu", "native", "-D", "NETSPEC_AVX512"]` on an AVX-512 machine.
  public static var nativeKernels: [String] {
    #if arch(x86_64)
      let flags =
        (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8))?
        .split(separator: "\n").first { $0.hasPrefix("flags") }?.split(separator: " ") ?? []
      if flags.contains("avx512f") && flags.contains("avx512vl") {
        return ["-target-cpu", "native", "-D", "NETSPEC_AVX512"]
      }
      if flags.contains("avx2") && flags.contains("fma") { return ["-target-cpu", "native", "-D", "NETSPEC_FMA"] }
      return []
    #else
      return []
    #endif
  }
}
