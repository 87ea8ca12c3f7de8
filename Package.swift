// swift-tools-version:6.0
import PackageDescription

let package = Package(
  name: "NetSpec",
  platforms: [.macOS(.v13)],
  products: [
    .executable(name: "netspec", targets: ["netspec"]),
    .library(name: "NetSpec", targets: ["NetSpec"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2")
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
    .target(name: "NetSpecKernels"),
    // The compiler: spec decoding, IR, op registry, shape inference, analysis, export.
    .target(
      name: "NetSpec",
      dependencies: ["NetSpecDiagnostics", "NetSpecYAML", "NetSpecKernels", "CZlib"]
    ),
    .executableTarget(
      name: "netspec",
      dependencies: [
        "NetSpec",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]
    ),
    // Benchmarks (run with `swift run -c release NAME`).
    .executableTarget(name: "CheckBench", dependencies: ["NetSpec"], path: "Benchmarks/CheckBench"),
    .executableTarget(name: "GEMMBench", dependencies: ["NetSpecKernels"], path: "Benchmarks/GEMMBench"),
    .testTarget(name: "NetSpecDiagnosticsTests", dependencies: ["NetSpecDiagnostics"]),
    .testTarget(name: "NetSpecYAMLTests", dependencies: ["NetSpecYAML"]),
    .testTarget(name: "NetSpecKernelsTests", dependencies: ["NetSpecKernels"]),
    .testTarget(name: "NetSpecTests", dependencies: ["NetSpec"], exclude: ["Golden/Cases"]),
  ]
)
