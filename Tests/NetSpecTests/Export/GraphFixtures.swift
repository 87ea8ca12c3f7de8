/// A small spec with a repeated block (two instances of `mlp`), a layer tied
/// to a parameter inside one of them, and a loss: the graph golden tests' input.
let smallRepeatSpec = #"""
  netspec: 1
  name: small
  inputs: {x: [N, 8]}
  blocks:
    mlp:
      args: {width: required}
      layers:
        - dense: {units: $width, name: fc, activation: tanh}
        - dropout: 0.1
  layers:
    - mlp: {width: 8, name: stage}
      repeat: 2
    - dense: {units: 8, tie: stage.1.fc}
    - dense: 3
  train: {loss: cross_entropy}
  """#
