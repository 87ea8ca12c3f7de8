/// Interpreter-vs-emitted cases for the `relu-epilogue` fusion
/// (``ReLUEpilogueRule``): batchnorms that store their ReLU's output and mask
/// its gradient, on planes (a ReLU whose output two layers read) and on
/// `[N, C]` features, next to a batchnorm whose ReLU follows an addition.
enum EmittedReLUEpilogueCases {
  static let cases: [EmittedModelHarness.Case] = [
    EmittedModelTests.inline(
      "relu_epilogue",
      """
      inputs: {x: [N, 3, 6, 6]}
      layers:
        - conv2d: {filters: 4, kernel: 3, padding: 1, bias: false}
        - batchnorm
        - relu: {name: act}
        - conv2d: {filters: 4, kernel: 3, padding: 1, bias: false}
        - batchnorm: {momentum: 0.5, name: body}
        - add: {from: [body, act]}
        - relu
        - global_avgpool
        - dense: 6
        - batchnorm: {eps: 0.01}
        - relu
        - dense: 3
      train: {loss: cross_entropy, optimizer: {sgd: {lr: 0.1, momentum: 0.9}}}
      """)
  ]
}
