import Foundation

/// Interpreter-vs-emitted cases for the convolution family: transposed and
/// 1-d convolutions, 1-d pooling, `ceil_mode`, and the reduced U-Net (see
/// ``EmittedModelTests``).
enum EmittedConvolutionCases {
  static let cases: [EmittedModelHarness.Case] = [
    unet,
    // Transposed convolutions with output padding, groups, dilation and a
    // fused activation that keeps its pre-activation; ceil-mode pooling after
    // a convolution (fused) and on its own.
    EmittedModelTests.inline(
      "conv_transpose2d",
      """
      inputs: {x: [N, 4, 5, 4]}
      layers:
        - conv_transpose2d: {filters: 4, kernel: 3, stride: 2, padding: 1, output_padding: 1, groups: 2, activation: gelu}
        - conv_transpose2d: {filters: 3, kernel: [2, 3], dilation: 2, bias: false, activation: tanh}
        - conv2d: {filters: 3, kernel: 3, activation: relu}
        - maxpool2d: {kernel: 3, stride: 2, ceil_mode: true}
        - avgpool2d: {kernel: 3, stride: 2, padding: 1, ceil_mode: true}
        - flatten
        - dense: 3
      train: {loss: cross_entropy, optimizer: {adam: {lr: 0.01}}}
      """),
    // 1-d: a causal dilated convolution, a same-padded strided one, pooling
    // with ceil_mode, and a transposed 1-d convolution.
    EmittedModelTests.inline(
      "conv1d",
      """
      inputs: {x: [N, 3, 11]}
      layers:
        - conv1d: {filters: 4, kernel: 2, dilation: 2, padding: [2, 0], activation: relu}
        - conv1d: {filters: 4, kernel: 4, stride: 2, padding: same, groups: 2, activation: silu}
        - maxpool1d: {kernel: 2, ceil_mode: true}
        - conv_transpose1d: {filters: 3, kernel: 3, stride: 2, output_padding: 1, activation: sigmoid}
        - avgpool1d: {kernel: 3, stride: 2, padding: 1, ceil_mode: true, count_include_pad: false}
        - flatten
        - dense: 2
      train: {loss: cross_entropy, optimizer: {sgd: {lr: 0.05, momentum: 0.9}}}
      """),
  ]

  /// `Examples/unet.yaml` at 16x16 with 4 base channels.
  static var unet: EmittedModelHarness.Case {
    let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
      .appendingPathComponent("../../../Examples/unet.yaml").standardizedFileURL.path
    let yaml = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
    return .init(name: "unet", yaml: yaml, path: path, overrides: ["size=16", "base=4"], capacity: 2, batch: 2)
  }
}
