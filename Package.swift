// swift-tools-version:6.2
import Foundation
import PackageDescription

/// Instruction set for NetSpecKernels (see docs/PERFORMANCE.md), from NETSPEC_CPU:
/// `native` (default): the build machine's CPU, detected from /proc/cpuinfo;
/// `avx512` (Skylake-X and later, Zen 4); `avx2` (Haswell and later, Zen);
/// `baseline`: no -target-cpu, runs on any x86-64 (about 6x slower GEMM).
func kernelSettings() -> [SwiftSetting] {
  #if arch(x86_64)
    let choice = Context.environment["NETSPEC_CPU"] ?? "native"
    var level = choice
    if choice == "native" {
      let flags =
        (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8))?
        .split(separator: "\n").first { $0.hasPrefix("flags") }?.split(separator: " ") ?? []
      level =
        flags.contains("avx512f") && flags.contains("avx512vl")
        ? "avx512" : flags.contains("avx2") && flags.contains("fma") ? "avx2" : "baseline"
    }
    switch level {
    case "avx512":
      return [
        .unsafeFlags(["-target-cpu", choice == "native" ? "native" : "skylake-avx512"]),
        .define("NETSPEC_AVX512"),
      ]
    case "avx2":
      return [.unsafeFlags(["-target-cpu", choice == "native" ? "native" : "haswell"]), .define("NETSPEC_FMA")]
    default:
      return []
    }
  #else
    return []  // arm64 always has FMA; the kernels detect it with #if arch(arm64).
  #endif
}

let package = Package(
  name: "NetSpec",
  platforms: [.macOS(.v15)],
  products: [
    .executable(name: "netspec", targets: ["netspec"]),
    .library(name: "NetSpec", targets: ["NetSpec"]),
    .plugin(name: "NetSpecCompile", targets: ["NetSpecCompile"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0"),
  ],
  targets: [
    // libyaml, from Debian's libyaml-dev (or Homebrew's libyaml).
    .systemLibrary(
      name: "CYAML",
      pkgConfig: "yaml-0.1",
      providers: [.apt(["libyaml-dev"]), .brew(["libyaml"])]
    ),
    // zlib, for gzip-compressed data files (Debian's zlib1g-dev).
    .systemLibrary(
      name: "CZlib",
      pkgConfig: "zlib",
      providers: [.apt(["zlib1g-dev"]), .brew(["zlib"])]
    ),
    // Source files, spans, diagnostics and their renderers.
    .target(name: "NetSpecDiagnostics"),
    // libyaml events -> a located node tree.
    .target(name: "NetSpecYAML", dependencies: ["CYAML", "NetSpecDiagnostics"]),
    // float32 CPU kernels (GEMM, convolution, ...); no dependencies.
    .target(name: "NetSpecKernels", swiftSettings: kernelSettings()),
    // The one training runtime of `netspec train` and emitted packages: data RNG, batches,
    // augmentation, schedule, metrics, early stopping, the epoch loop, safetensors, prediction CSV.
    // Foundation only; `netspec compile` embeds its sources beside every model.
    .target(name: "NetSpecRuntime"),
    // The text of NetSpecKernels' and NetSpecRuntime's sources, for `netspec compile`,
    // written at build time by the EmbedSources plugin.
    .target(name: "NetSpecEmbeddedSources", plugins: ["EmbedSources"]),
    // The ONNX protobuf messages, generated from onnx.proto by generate.sh (committed).
    .target(
      name: "ONNXProto", dependencies: [.product(name: "SwiftProtobuf", package: "swift-protobuf")],
      exclude: ["onnx.proto", "generate.sh"]),
    // The compiler: spec decoding, IR, op registry, shape inference, analysis, export.
    .target(
      name: "NetSpec",
      dependencies: [
        "NetSpecDiagnostics", "NetSpecYAML", "NetSpecKernels", "NetSpecRuntime", "NetSpecEmbeddedSources", "CZlib",
        "ONNXProto",
      ]
    ),
    .executableTarget(
      name: "netspec",
      dependencies: [
        "NetSpec",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]
    ),
    // Writes the text of other targets' sources into the target it is applied to
    // (the list is in Plugins/EmbedSources/plugin.swift); Foundation-only tool.
    .executableTarget(name: "EmbedSourcesTool"),
    .plugin(name: "EmbedSources", capability: .buildTool(), dependencies: ["EmbedSourcesTool"]),
    // Compiles `*.netspec.yaml` files in a target to Swift at build time.
    .plugin(
      name: "NetSpecCompile", capability: .buildTool(), dependencies: ["netspec"], path: "Plugins/NetSpecCompile"),
    // Benchmarks (run with `swift run -c release NAME`).
    .executableTarget(name: "CheckBench", dependencies: ["NetSpec"], path: "Benchmarks/CheckBench"),
    .executableTarget(
      name: "GEMMBench", dependencies: ["NetSpecKernels"], path: "Benchmarks/GEMMBench", exclude: ["reference.py"]),
    .executableTarget(
      name: "TrainBench", dependencies: ["NetSpec"], path: "Benchmarks/TrainBench", exclude: ["reference.py"]),
    // What the benchmarks that compile emitted Swift share: spec loading, the fixed batch, the swiftc runner.
    .target(
      name: "BenchmarkSupport", dependencies: ["NetSpec", "NetSpecKernels"], path: "Benchmarks/BenchmarkSupport"),
    .executableTarget(
      name: "CodegenBench", dependencies: ["NetSpec", "NetSpecKernels", "BenchmarkSupport"],
      path: "Benchmarks/CodegenBench"),
    .executableTarget(
      name: "SpeedBench", dependencies: ["NetSpec", "NetSpecKernels", "BenchmarkSupport"],
      path: "Benchmarks/SpeedBench", exclude: ["reference.py"]),
    .executableTarget(
      name: "ConvBench", dependencies: ["NetSpec", "NetSpecKernels"], path: "Benchmarks/ConvBench"),
    .executableTarget(name: "SerialBench", dependencies: ["NetSpecKernels"], path: "Benchmarks/SerialBench"),
    .testTarget(name: "NetSpecDiagnosticsTests", dependencies: ["NetSpecDiagnostics"]),
    .testTarget(name: "NetSpecYAMLTests", dependencies: ["NetSpecYAML"]),
    .testTarget(name: "NetSpecKernelsTests", dependencies: ["NetSpecKernels"]),
    .testTarget(name: "EmbedSourcesToolTests", dependencies: ["EmbedSourcesTool"]),
    .testTarget(
      name: "NetSpecTests", dependencies: ["NetSpec", "NetSpecKernels", "NetSpecEmbeddedSources", "ONNXProto"],
      exclude: ["Golden/Cases", "Codegen/Golden", "Plan/Golden", "Python", "Export/PyTorch"]),
  ]
)
