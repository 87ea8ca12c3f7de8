import Foundation
import NetSpecKernels

// The weight-gradient section of ConvBench: dW and dBias of each layer shape by
// im2col + GEMM (the `.im2col` backward's path), by the `.direct` loops (where
// the emitted code ran them: few taps, a literal geometry) and by
// ConvolutionWeightGradient, alternating within every round.

/// ResNet-20's stem with a literal geometry, as emitted code declares it.
struct StemShape: ConvolutionShape {
  var geometry: ConvolutionGeometry {
    ConvolutionGeometry(
      channels: 3, height: 32, width: 32, kernel: (3, 3), stride: (1, 1), dilation: (1, 1), padTop: 1, padLeft: 1,
      outputHeight: 32, outputWidth: 32)
  }
}

/// LeNet-5's first layer with a literal geometry.
struct LeNetConv1Shape: ConvolutionShape {
  var geometry: ConvolutionGeometry {
    ConvolutionGeometry(
      channels: 1, height: 28, width: 28, kernel: (5, 5), stride: (1, 1), dilation: (1, 1), padTop: 2, padLeft: 2,
      outputHeight: 28, outputWidth: 28)
  }
}

func compareWeightGradients() {
  print("")
  print("ConvBench: weight + bias gradient, batch \(batch), median of \(rounds) rounds x \(reps) calls, interleaved")
  print("(one thread: thread CPU time; two threads: wall-clock)")
  print("")
  print("| layer | threads | im2col + GEMM µs | direct µs | new µs | new vs im2col | new vs direct |")
  print("|---|--:|--:|--:|--:|--:|--:|")
  for threads in threadCounts {
    let pool = ComputePool(threadCount: threads)
    for layer in layers {
      let g = layer.geometry
      let (filters, plane) = (layer.filters, g.outputPositions)
      let x = values(batch * g.channels * g.height * g.width, 7)
      let sampleMajor = values(batch * filters * plane, 5)
      let filterMajor = values(batch * filters * plane, 5)
      var dw = [Float](repeating: 0, count: filters * g.columnRows)
      var db = [Float](repeating: 0, count: filters)
      let block = max(1, (1 << 17) / (g.columnRows * plane))
      var columns = [Float](repeating: 0, count: g.columnRows * block * plane)
      let directShape: (any ConvolutionShape)? =
        layer.name.hasPrefix("resnet20 stem")
        ? StemShape() : layer.name.hasPrefix("lenet5 conv1") ? LeNetConv1Shape() : nil
      func im2col() {
        let positions = batch * plane
        for first in stride(from: 0, to: batch, by: block) {
          let samples = min(block, batch - first)
          g.im2col(
            x.withUnsafeBufferPointer { $0.baseAddress! } + first * g.channels * g.height * g.width,
            batch: samples, into: &columns, pool: pool)
          filterMajor.withUnsafeBufferPointer { dz in
            GEMM.sgemm(
              transposeB: true, m: filters, n: g.columnRows, k: samples * plane, a: dz.baseAddress! + first * plane,
              lda: positions, b: columns, ldb: samples * plane, beta: first == 0 ? 0 : 1, c: &dw, ldc: g.columnRows,
              pool: pool)
          }
        }
        filterMajor.withUnsafeBufferPointer { dz in
          for f in 0..<filters { db[f] = Reductions.sum(dz.baseAddress! + f * positions, count: positions) }
        }
      }
      func direct(_ shape: some ConvolutionShape) {
        ConvolutionKernels.directParameterGradients(
          dWeight: &dw, dBias: &db, x: x, dz: sampleMajor, batch: batch, geometry: shape, filters: filters,
          accumulateWeight: false, accumulateBias: false, pool: pool)
      }
      func new() {
        ConvolutionWeightGradient.accumulate(
          dWeight: &dw, dBias: &db, x: x, dz: sampleMajor, sampleStride: filters * plane, filterStride: plane,
          batch: batch, geometry: g, filters: filters, accumulateWeight: false, accumulateBias: false, pool: pool)
      }
      var paths = [im2col, new]
      if let directShape { paths.append { direct(directShape) } }
      let times = medians(threads: threads, paths)
      let loops = times.count > 2 ? format(times[2]) : "-"
      let versusDirect = times.count > 2 ? ratio(times[2], times[1]) : "-"
      print(
        "| \(layer.name) | \(threads) | \(format(times[0])) | \(loops) | \(format(times[1])) | "
          + "\(ratio(times[0], times[1])) | \(versusDirect) |")
    }
  }
}
