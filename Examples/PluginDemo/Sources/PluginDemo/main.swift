// Trains `Xor`, which the NetSpecCompile plugin generated from
// xor.netspec.yaml, on the four XOR points; exits 1 if it did not learn them.
#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

let inputs: [Float] = [0, 0, 0, 1, 1, 0, 1, 1]
let targets: [Float] = [0, 1, 1, 0]
let count = targets.count
precondition(Xor.inputCount == 2 && Xor.targetCount == 1 && Xor.outputCount == 1 && count <= Xor.capacity)

let model = Xor(seed: 1)
let steps = 500
var firstLoss: Float = 0
var lastLoss: Float = 0
for step in 0..<steps {
  // The loss of the batch before this step's update.
  let loss = model.trainStep(inputs: inputs, targets: targets, count: count, learningRate: 0.05)
  if step == 0 { firstLoss = loss }
  lastLoss = loss
}
let finalLoss = model.evaluate(inputs: inputs, targets: targets, count: count)
print("loss: \(firstLoss) before training, \(finalLoss) after \(steps) steps (last step \(lastLoss))")

var logits = [Float](repeating: 0, count: count * Xor.outputCount)
model.predict(inputs: inputs, count: count, into: &logits)
var correct = 0
for i in 0..<count {
  let probability = 1 / (1 + exp(-logits[i]))
  let predicted: Float = probability > 0.5 ? 1 : 0
  if predicted == targets[i] { correct += 1 }
  print("xor(\(Int(inputs[2 * i])), \(Int(inputs[2 * i + 1]))) = \(Int(predicted))  (p = \(probability))")
}

let threshold: Float = 0.05
guard finalLoss < threshold, correct == count else {
  print("error: did not learn XOR (loss \(finalLoss), want < \(threshold); \(correct)/\(count) correct)")
  exit(1)
}
print("learned XOR: \(correct)/\(count) correct")
