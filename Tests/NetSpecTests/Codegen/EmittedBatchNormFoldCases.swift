/// Interpreter-vs-emitted cases for the `batchnorm-fold` fusion
/// (``BatchNormFoldRule``): a model that trains folds nothing (a pass that does
/// not train may be followed by a backward pass), so both backends must agree
/// on the unfused steps of a model the fold would otherwise take.
enum EmittedBatchNormFoldCases {
  static let cases: [EmittedModelHarness.Case] = [
    // A fold with a ReLU, a grouped convolution with a bias folded with a
    // leaky ReLU, and one without an activation feeding a residual addition.
    EmittedModelTests.inline(
      "batchnorm_fold",
      """
      inputs: {x: [N, 3, 6, 6]}
      layers:
        - conv2d: {filters: 4, kernel: 3, padding: 1, bias: false}
        - batchnorm
        - relu
        - conv2d: {filters: 4, kernel: 3, padding: 1, groups: 2}
        - batchnorm: {eps: 0.001}
        - leaky_relu: {slope: 0.2, name: act}
        - conv2d: {filters: 4, kernel: 1, bias: false, name: body}
        - batchnorm: {name: bodyNorm}
        - add: {from: [bodyNorm, act]}
        - global_avgpool
        - dense: 3
      train: {loss: cross_entropy, optimizer: {sgd: {lr: 0.1, momentum: 0.9}}}
      """)
  ]
}
