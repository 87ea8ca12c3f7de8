/// Interpreter-vs-emitted cases for the resampling ops (`upsample`, `pad`,
/// `pixel_shuffle`, `pixel_unshuffle`) and the group, instance, RMS and
/// chosen-axes layer normalizations (see ``EmittedModelTests``).
enum EmittedResampleCases {
  static let cases: [EmittedModelHarness.Case] = [
    // Every upsample and pad mode on one feature map, each branch feeding a
    // convolution so that every backward kernel runs; `f` feeds several
    // branches, so its gradient accumulates.
    EmittedModelTests.inline(
      "resampling",
      """
      inputs: {x: [N, 2, 4, 3]}
      layers:
        - conv2d: {filters: 4, kernel: 1, name: f}
        - upsample: {scale_factor: 2, from: f, name: u1}
        - upsample: {scale_factor: 1.5, mode: bilinear, from: f, name: u2}
        - upsample: {size: [8, 6], mode: bilinear, align_corners: true, from: f, name: u3}
        - pad: {padding: [1, 2, 2, 1], mode: reflect, from: f, name: p1}
        - pad: {padding: [0, 3, 1, 0], value: 0.5, from: f, name: p2}
        - pad: {padding: [2, 1, 0, 1], mode: replicate, from: f, name: p3}
        - pixel_unshuffle: {downscale_factor: 2, from: u1, name: s1}
        - pixel_shuffle: {upscale_factor: 2, from: s1, name: s2}
        - global_avgpool: {from: s2, name: g1}
        - global_avgpool: {from: u2, name: g2}
        - global_avgpool: {from: u3, name: g3}
        - global_avgpool: {from: p1, name: g4}
        - global_avgpool: {from: p2, name: g5}
        - global_avgpool: {from: p3, name: g6}
        - concat: {from: [g1, g2, g3, g4, g5, g6], axis: 1}
        - dense: 3
      train: {loss: cross_entropy, optimizer: {adam: {lr: 0.01}}}
      """),
    // The new normalizations, with and without affine parameters, on maps and
    // on sequences; a frozen RMSNorm skips its weight gradient.
    EmittedModelTests.inline(
      "grouped_normalization",
      """
      inputs: {x: [N, 4, 3, 3]}
      layers:
        - conv2d: {filters: 6, kernel: 1}
        - group_norm: {groups: 3}
        - instance_norm: {affine: true}
        - instance_norm
        - group_norm: {groups: 2, affine: false}
        - layernorm: {axis: 1}
        - layernorm: {axes: [-2, -1]}
        - reshape: {shape: [6, 9]}
        - rms_norm
        - rms_norm: {eps: 1.0e-5, trainable: false}
        - flatten
        - dense: 3
      train: {loss: cross_entropy, optimizer: {sgd: {lr: 0.05, momentum: 0.9}}}
      """),
  ]
}
