/// 2-D convolution of `[batch, C, H, W]` into `[batch, F, oh, ow]` with an
/// optional bias and activation, in `groups` groups. The forward pass is a
/// packless direct convolution (``DirectConvolution``) or an implicit GEMM
/// (``ImplicitConvolution``, no column matrix) for ungrouped layers, as
/// ``forwardPath(_:filters:groups:)`` chooses per shape, else im2col + one GEMM
/// per group; the backward pass runs the ``ConvolutionVariant`` the caller chose,
/// with the input gradient of stride-1 layers through the direct convolution
/// (``usesDirectInputGradient(_:filters:groups:)``). Both take a per-plane hook
/// for a pooling fused into the convolution's output pass (the plane is
/// `sample * F + filter`).
///
/// `workspace` holds ``workspace(_:filters:)`` floats per sample. The entry
/// points and the direct loops are `@inline(__always)`, so that an emitted call
/// with a literal geometry is specialized for it.
public enum ConvolutionKernels {
  /// Workspace floats per sample that serve every pass on every path (at least
  /// ``forwardWorkspace(_:filters:groups:)`` and
  /// ``backwardWorkspace(_:filters:groups:variant:)``): room for the im2col
  /// columns (`C * kh * kw` x `P`; only a block of samples' worth is used at a
  /// time), then the GEMM result (forward) or the pre-activation gradient
  /// (backward), `F` x `P`, for `P` output positions.
  public static func workspace(_ g: ConvolutionGeometry, filters: Int) -> Int {
    (g.columnRows + filters) * g.outputPositions
  }

  /// Workspace floats per sample that the forward pass reads: none on the
  /// direct and implicit-GEMM paths, the columns and the GEMM result on im2col's.
  public static func forwardWorkspace(_ g: ConvolutionGeometry, filters: Int, groups: Int) -> Int {
    forwardPath(g, filters: filters, groups: groups) == .im2col ? (g.columnRows + filters) * g.outputPositions : 0
  }

  /// Workspace floats per sample that the backward pass of `variant` reads: the
  /// im2col columns where a gradient still comes from them
  /// (``backwardReadsColumns(_:filters:groups:variant:)``), then the
  /// pre-activation gradient `dZ` (`F` x `P`).
  public static func backwardWorkspace(
    _ g: ConvolutionGeometry, filters: Int, groups: Int, variant: ConvolutionVariant
  ) -> Int {
    let columns = backwardReadsColumns(g, filters: filters, groups: groups, variant: variant) ? g.columnRows : 0
    return (columns + filters) * g.outputPositions
  }

  /// Whether the backward pass of `variant` fills im2col columns: for `dW` where
  /// ``ConvolutionWeightGradient`` does not apply, or for `dx` where the direct
  /// input gradient does not. The workspace holds them before `dZ` then.
  public static func backwardReadsColumns(
    _ g: ConvolutionGeometry, filters: Int, groups: Int, variant: ConvolutionVariant
  ) -> Bool {
    variant == .im2col
      && (!ConvolutionWeightGradient.applies(g, filters: filters, groups: groups)
        || !usesDirectInputGradient(g, filters: filters, groups: groups))
  }

  /// Samples whose im2col columns fill about 512 KiB, so that the columns written by
  /// im2col are still in cache when the GEMM reads them (the whole batch's columns
  /// would spill to memory and back).
  static func samplesPerBlock(_ g: ConvolutionGeometry) -> Int {
    max(1, (1 << 17) / max(1, g.columnRows * g.outputPositions))
  }

  /// The algorithms of the forward pass.
  public enum ForwardPath: Sendable, Equatable {
    /// ``directForward(y:preActivation:x:weight:bias:batch:geometry:filters:activation:pool:planeEpilogue:)``.
    case direct
    /// ``implicitForward(y:preActivation:x:weight:bias:batch:geometry:filters:activation:pool:planeEpilogue:)``.
    case implicitGEMM
    /// ``im2colForward(y:preActivation:workspace:x:weight:bias:batch:geometry:filters:groups:activation:pool:planeEpilogue:)``.
    case im2col
  }

  /// `y = activation(conv(x, weight) + bias)`, then `planeEpilogue(plane, y + plane * P)`
  /// on each output plane while it is in cache, by the path
  /// ``forwardPath(_:filters:groups:)`` chooses for the shape (the implicit GEMM
  /// and im2col give the same result to the bit; the direct convolution sums in
  /// another order). `preActivation`, when given, receives the activation's input
  /// (for an activation whose derivative needs it). `workspace` holds
  /// ``forwardWorkspace(_:filters:groups:)`` floats per sample (nil when that is 0).
  @inline(__always)
  public static func forward(
    y: UnsafeMutablePointer<Float>, preActivation: UnsafeMutablePointer<Float>?,
    workspace: UnsafeMutablePointer<Float>?, x: UnsafePointer<Float>, weight: UnsafePointer<Float>,
    bias: UnsafePointer<Float>?, batch: Int, geometry g: ConvolutionGeometry, filters: Int, groups: Int,
    activation: ActivationKernel?, pool: ComputePool,
    planeEpilogue: (_ plane: Int, _ y: UnsafeMutablePointer<Float>) -> Void = { _, _ in }
  ) {
    switch forwardPath(g, filters: filters, groups: groups) {
    case .direct:
      directForward(
        y: y, preActivation: preActivation, x: x, weight: weight, bias: bias, batch: batch, geometry: g,
        filters: filters, activation: activation, pool: pool, planeEpilogue: planeEpilogue)
    case .implicitGEMM:
      implicitForward(
        y: y, preActivation: preActivation, x: x, weight: weight, bias: bias, batch: batch, geometry: g,
        filters: filters, activation: activation, pool: pool, planeEpilogue: planeEpilogue)
    case .im2col:
      im2colForward(
        y: y, preActivation: preActivation, workspace: workspace!, x: x, weight: weight, bias: bias, batch: batch,
        geometry: g, filters: filters, groups: groups, activation: activation, pool: pool,
        planeEpilogue: planeEpilogue)
    }
  }

  /// The ungrouped forward pass as a packless direct convolution
  /// (``DirectConvolution``, no workspace): `Z` is written in `[batch, F, P]`
  /// order straight into `y` (or into `preActivation` when an activation other
  /// than ReLU needs its input), with the bias and a ReLU fused into the store;
  /// then, plane by plane, the other activation and `planeEpilogue`.
  @inline(__always)
  public static func directForward(
    y: UnsafeMutablePointer<Float>, preActivation: UnsafeMutablePointer<Float>?, x: UnsafePointer<Float>,
    weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?, batch: Int, geometry g: ConvolutionGeometry,
    filters: Int, activation: ActivationKernel?, pool: ComputePool,
    planeEpilogue: (_ plane: Int, _ y: UnsafeMutablePointer<Float>) -> Void = { _, _ in }
  ) {
    let z = activation == nil || activation == .relu ? y : preActivation ?? y
    DirectConvolution(forward: g, filters: filters).run(
      output: z, source: x, weight: weight, bias: bias, relu: activation == .relu, accumulate: false, batch: batch,
      pool: pool)
    finishPlanes(
      y: y, z: z, preActivation: preActivation, batch: batch, geometry: g, filters: filters, activation: activation,
      pool: pool, planeEpilogue: planeEpilogue)
  }

  /// The ungrouped forward pass as an implicit GEMM (``ImplicitConvolution``, no
  /// column matrix, no workspace): `Z` is written in `[batch, F, P]` order
  /// straight into `y` (or into `preActivation` when an activation other than
  /// ReLU needs its input), with the bias and a ReLU fused; then, plane by plane,
  /// the other activation and `planeEpilogue`.
  @inline(__always)
  public static func implicitForward(
    y: UnsafeMutablePointer<Float>, preActivation: UnsafeMutablePointer<Float>?, x: UnsafePointer<Float>,
    weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?, batch: Int, geometry g: ConvolutionGeometry,
    filters: Int, activation: ActivationKernel?, pool: ComputePool,
    planeEpilogue: (_ plane: Int, _ y: UnsafeMutablePointer<Float>) -> Void = { _, _ in }
  ) {
    let z = activation == nil || activation == .relu ? y : preActivation ?? y
    ImplicitConvolution.forward(
      z: z, x: x, weight: weight, bias: bias, relu: activation == .relu, batch: batch, geometry: g,
      filters: filters, pool: pool)
    finishPlanes(
      y: y, z: z, preActivation: preActivation, batch: batch, geometry: g, filters: filters, activation: activation,
      pool: pool, planeEpilogue: planeEpilogue)
  }

  /// After a path that wrote `z` in `[batch, F, P]` order with a ReLU fused (`z`
  /// is `y` then, or when there is no activation), plane by plane: `y` from `z`
  /// through any other activation, a copy of `y` into `preActivation` when `z`
  /// is `y`, and `planeEpilogue`.
  @inline(__always)
  static func finishPlanes(
    y: UnsafeMutablePointer<Float>, z: UnsafeMutablePointer<Float>, preActivation: UnsafeMutablePointer<Float>?,
    batch: Int, geometry g: ConvolutionGeometry, filters: Int, activation: ActivationKernel?, pool: ComputePool,
    planeEpilogue: (_ plane: Int, _ y: UnsafeMutablePointer<Float>) -> Void
  ) {
    let unfused = activation == .relu ? nil : activation
    let planeSize = g.outputPositions
    pool.parallelRanges(batch * filters, grain: max(1, 16_384 / planeSize)) { planes in
      for plane in planes {
        let y = y + plane * planeSize
        if let unfused {
          unfused.forward(z + plane * planeSize, y, count: planeSize)
        } else if let preActivation {
          (preActivation + plane * planeSize).update(from: y, count: planeSize)
        }
        planeEpilogue(plane, y)
      }
    }
  }

  /// The forward pass through im2col: per block of samples, im2col, then per group one GEMM
  /// `Z[F, batch * P] = W[F, C * kh * kw] * columns` with the bias (and a ReLU)
  /// fused as a per-row epilogue; then `Z` is transposed to `y[batch, F, P]`
  /// through the activation, keeping `Z` in `preActivation` when given (a ReLU
  /// runs inside the GEMM), and `planeEpilogue` runs on each output plane.
  /// `workspace` holds ``workspace(_:filters:)`` floats per sample.
  @inline(__always)
  public static func im2colForward(
    y: UnsafeMutablePointer<Float>, preActivation: UnsafeMutablePointer<Float>?,
    workspace: UnsafeMutablePointer<Float>, x: UnsafePointer<Float>, weight: UnsafePointer<Float>,
    bias: UnsafePointer<Float>?, batch: Int, geometry g: ConvolutionGeometry, filters: Int, groups: Int,
    activation: ActivationKernel?, pool: ComputePool,
    planeEpilogue: (_ plane: Int, _ y: UnsafeMutablePointer<Float>) -> Void = { _, _ in }
  ) {
    let positions = batch * g.outputPositions
    let depth = g.columnRows / groups
    let groupFilters = filters / groups
    let columns = workspace
    let product = columns + g.columnRows * positions
    let fusedReLU = activation == .relu
    let block = samplesPerBlock(g)
    for first in stride(from: 0, to: batch, by: block) {
      let samples = min(block, batch - first)
      let blockPositions = samples * g.outputPositions
      g.im2col(x + first * g.channels * g.height * g.width, batch: samples, into: columns, pool: pool)
      for group in 0..<groups {
        let epilogue = GEMMEpilogue(
          bias: bias.map { .perRow($0 + group * groupFilters) } ?? .none, activation: fusedReLU ? .relu : .identity)
        GEMM.sgemm(
          m: groupFilters, n: blockPositions, k: depth, a: weight + group * groupFilters * depth, lda: depth,
          b: columns + group * depth * blockPositions, ldb: blockPositions,
          c: product + group * groupFilters * positions + first * g.outputPositions, ldc: positions,
          epilogue: epilogue, pool: pool)
      }
    }
    let unfused = fusedReLU ? nil : activation
    let planeSize = g.outputPositions
    pool.parallelRanges(batch * filters, grain: max(1, 16_384 / planeSize)) { planes in
      for plane in planes {
        let (sample, filter) = plane.quotientAndRemainder(dividingBy: filters)
        let z = product + filter * positions + sample * planeSize
        let y = y + plane * planeSize
        preActivation.map { ($0 + plane * planeSize).update(from: z, count: planeSize) }
        if let unfused { unfused.forward(z, y, count: planeSize) } else { y.update(from: z, count: planeSize) }
        planeEpilogue(plane, y)
      }
    }
  }

  /// The path ``forward(y:preActivation:workspace:x:weight:bias:batch:geometry:filters:groups:activation:pool:planeEpilogue:)``
  /// takes for this layer shape, in the interpreter and in emitted code alike:
  /// the direct convolution where ``DirectConvolution/appliesForward(_:filters:groups:)``
  /// says so, else the implicit GEMM for ungrouped convolutions whose packed
  /// weights fit in L2 (``ImplicitConvolution/applies(_:filters:groups:)``), else
  /// im2col + GEMM.
  public static func forwardPath(_ g: ConvolutionGeometry, filters: Int, groups: Int) -> ForwardPath {
    if DirectConvolution.appliesForward(g, filters: filters, groups: groups) { return .direct }
    if ImplicitConvolution.applies(g, filters: filters, groups: groups) { return .implicitGEMM }
    return .im2col
  }

  /// Whether ``backward(dx:dWeight:dBias:workspace:x:weight:y:preActivation:dy:batch:geometry:filters:groups:activation:variant:accumulateInput:accumulateWeight:accumulateBias:pool:planeGradient:)``
  /// computes `dx` with the direct convolution (of `dZ` with the transposed,
  /// flipped weights) rather than by its variant's loops: see
  /// ``DirectConvolution/appliesInputGradient(_:filters:groups:)``. Strided
  /// layers keep their variant's: by phases (``StridedInputGradient``) they
  /// ran at 0.5-0.97x of im2col's `Wᵀ * dZ` GEMM + col2im on ResNet-20's
  /// strided layers (docs/PERFORMANCE.md).
  public static func usesDirectInputGradient(_ g: ConvolutionGeometry, filters: Int, groups: Int) -> Bool {
    DirectConvolution.appliesInputGradient(g, filters: filters, groups: groups)
  }

  /// The gradients of ``forward(y:preActivation:workspace:x:weight:bias:batch:geometry:filters:groups:activation:pool:planeEpilogue:)``:
  /// first `dZ`, plane by plane, from `dy` (or, when `dy` is nil, from
  /// `planeGradient(plane, dz)`, which writes a fused pooling's gradient) through
  /// the activation's derivative (which reads `preActivation` or the output `y`,
  /// as ``ActivationKernel/needsInput`` says); then `dBias` and `dWeight` by
  /// ``ConvolutionWeightGradient`` where it applies (else by `variant`), and `dx`
  /// by the direct convolution where ``usesDirectInputGradient(_:filters:groups:)``
  /// says so (else by `variant`). A nil gradient is skipped; each is added into
  /// when its `accumulate` flag is set. `workspace` holds
  /// ``backwardWorkspace(_:filters:groups:variant:)`` floats per sample.
  @inline(__always)
  public static func backward<Shape: ConvolutionShape>(
    dx: UnsafeMutablePointer<Float>?, dWeight: UnsafeMutablePointer<Float>?, dBias: UnsafeMutablePointer<Float>?,
    workspace: UnsafeMutablePointer<Float>, x: UnsafePointer<Float>, weight: UnsafePointer<Float>,
    y: UnsafePointer<Float>?, preActivation: UnsafePointer<Float>?, dy: UnsafePointer<Float>?, batch: Int,
    geometry shape: Shape, filters: Int, groups: Int, activation: ActivationKernel?,
    variant: ConvolutionVariant, accumulateInput: Bool, accumulateWeight: Bool, accumulateBias: Bool,
    pool: ComputePool, planeGradient: (_ plane: Int, _ dz: UnsafeMutablePointer<Float>) -> Void = { _, _ in }
  ) {
    let g = shape.geometry
    let planeSize = g.outputPositions
    let positions = batch * planeSize
    // im2col keeps dZ in [F, batch * P] order (after the columns when it fills any);
    // direct in [batch, F, P] order.
    let columns = backwardReadsColumns(g, filters: filters, groups: groups, variant: variant)
    let gradient = columns ? workspace + g.columnRows * positions : workspace
    pool.parallelRanges(batch * filters, grain: max(1, 16_384 / planeSize)) { planes in
      for plane in planes {
        let (sample, filter) = plane.quotientAndRemainder(dividingBy: filters)
        let dz = variant == .direct ? gradient + plane * planeSize : gradient + filter * positions + sample * planeSize
        let source: UnsafePointer<Float>
        if let dy {
          source = dy + plane * planeSize
        } else {
          planeGradient(plane, dz)
          source = UnsafePointer(dz)
        }
        if let activation {
          activation.backward(
            input: activation.needsInput ? preActivation! + plane * planeSize : nil,
            output: activation.needsInput ? nil : y! + plane * planeSize, source, dz, count: planeSize,
            accumulate: false)
        } else if source != UnsafePointer(dz) {
          dz.update(from: source, count: planeSize)
        }
      }
    }
    let directInput = dx != nil && usesDirectInputGradient(g, filters: filters, groups: groups)
    let weightGradient = ConvolutionWeightGradient.applies(g, filters: filters, groups: groups)
    if weightGradient {
      ConvolutionWeightGradient.accumulate(
        dWeight: dWeight, dBias: dBias, x: x, dz: gradient,
        sampleStride: variant == .direct ? filters * planeSize : planeSize,
        filterStride: variant == .direct ? planeSize : positions, batch: batch, geometry: g, filters: filters,
        accumulateWeight: accumulateWeight, accumulateBias: accumulateBias, pool: pool)
    }
    switch variant {
    case .direct:
      if !weightGradient && (dWeight != nil || dBias != nil) {
        directParameterGradients(
          dWeight: dWeight, dBias: dBias, x: x, dz: gradient, batch: batch, geometry: shape, filters: filters,
          accumulateWeight: accumulateWeight, accumulateBias: accumulateBias, pool: pool)
      }
      if let dx, !directInput {
        directInputGradient(
          dx: dx, dz: gradient, weight: weight, batch: batch, geometry: shape, filters: filters,
          accumulate: accumulateInput, pool: pool)
      }
    case .im2col:
      if !weightGradient, let dBias {
        for filter in 0..<filters {
          let sum = Reductions.sum(gradient + filter * positions, count: positions)
          if accumulateBias { dBias[filter] += sum } else { dBias[filter] = sum }
        }
      }
      im2colGradients(
        dx: directInput ? nil : dx, dWeight: weightGradient ? nil : dWeight, columns: workspace, dz: gradient,
        x: x, weight: weight,
        batch: batch,
        geometry: g, filters: filters, groups: groups, accumulateInput: accumulateInput,
        accumulateWeight: accumulateWeight, pool: pool)
    }
    if directInput, let dx {
      convolvedInputGradient(
        dx: dx, dz: gradient, filterMajor: variant == .im2col, weight: weight, batch: batch, geometry: g,
        filters: filters, accumulate: accumulateInput, pool: pool)
    }
  }

  /// `dx` (`[batch, C, H, W]`) of a stride-1 convolution as the direct
  /// convolution (``DirectConvolution``) of `dZ`, padded by `(k - 1) * dilation - pad`,
  /// with the weights transposed and flipped; of a strided one by phases
  /// through `workspace` (``StridedInputGradient``, whose `workspace(_:)` floats
  /// per sample it needs). Added into `dx` when `accumulate` is set. `dz` is
  /// `[batch, F, P]`, or `[F, batch * P]` when `filterMajor`.
  public static func convolvedInputGradient(
    dx: UnsafeMutablePointer<Float>, dz: UnsafePointer<Float>, filterMajor: Bool, weight: UnsafePointer<Float>,
    batch: Int, geometry g: ConvolutionGeometry, filters: Int, accumulate: Bool,
    workspace: UnsafeMutablePointer<Float>? = nil, pool: ComputePool
  ) {
    guard g.strideHeight == 1 && g.strideWidth == 1 else {
      precondition(workspace != nil, "a strided input gradient needs a workspace")
      return StridedInputGradient.run(
        dx: dx, dz: dz, filterMajor: filterMajor, weight: weight, batch: batch, geometry: g, filters: filters,
        accumulate: accumulate, workspace: workspace!, pool: pool)
    }
    let planeSize = g.outputPositions
    DirectConvolution(
      inputGradientOf: g, filters: filters, gradientSampleStride: filterMajor ? planeSize : filters * planeSize,
      gradientChannelStride: filterMajor ? batch * planeSize : planeSize
    ).run(
      output: dx, source: dz, weight: weight, bias: nil, relu: false, accumulate: accumulate, batch: batch, pool: pool)
  }

  /// Per block of samples and per group: `dW += dZ * columnsᵀ` (columns
  /// recomputed by im2col) and `dColumns = Wᵀ * dZ`, scattered onto `dx` by
  /// col2im; `dz` is `[F, batch * P]`.
  static func im2colGradients(
    dx: UnsafeMutablePointer<Float>?, dWeight: UnsafeMutablePointer<Float>?, columns: UnsafeMutablePointer<Float>,
    dz: UnsafePointer<Float>, x: UnsafePointer<Float>, weight: UnsafePointer<Float>, batch: Int,
    geometry g: ConvolutionGeometry, filters: Int, groups: Int, accumulateInput: Bool, accumulateWeight: Bool,
    pool: ComputePool
  ) {
    guard dWeight != nil || dx != nil else { return }
    let positions = batch * g.outputPositions
    let depth = g.columnRows / groups
    let groupFilters = filters / groups
    let sampleSize = g.channels * g.height * g.width
    let block = samplesPerBlock(g)
    for first in stride(from: 0, to: batch, by: block) {
      let samples = min(block, batch - first)
      let blockPositions = samples * g.outputPositions
      let blockGradient = dz + first * g.outputPositions
      if let dWeight {
        g.im2col(x + first * sampleSize, batch: samples, into: columns, pool: pool)
        for group in 0..<groups {
          GEMM.sgemm(
            transposeB: true, m: groupFilters, n: depth, k: blockPositions,
            a: blockGradient + group * groupFilters * positions, lda: positions,
            b: columns + group * depth * blockPositions, ldb: blockPositions,
            beta: first == 0 && !accumulateWeight ? 0 : 1, c: dWeight + group * groupFilters * depth, ldc: depth,
            pool: pool)
        }
      }
      if let dx {
        for group in 0..<groups {
          GEMM.sgemm(
            transposeA: true, m: depth, n: blockPositions, k: groupFilters,
            a: weight + group * groupFilters * depth, lda: depth,
            b: blockGradient + group * groupFilters * positions, ldb: positions,
            c: columns + group * depth * blockPositions, ldc: blockPositions, pool: pool)
        }
        g.col2im(columns, batch: samples, into: dx + first * sampleSize, accumulate: accumulateInput, pool: pool)
      }
    }
  }

  /// `dW[f, c, kh, kw]` = the sum over samples and positions of `dZ` times the
  /// input under the tap, accumulated per tap along output rows (vectorizable)
  /// and summed at the end; `dBias[f]` = the sum of `dZ`. Split over filters;
  /// `dz` is `[batch, F, P]`. Stride-1 rows read the input contiguously.
  @inline(__always)
  public static func directParameterGradients<Shape: ConvolutionShape>(
    dWeight: UnsafeMutablePointer<Float>?, dBias: UnsafeMutablePointer<Float>?, x: UnsafePointer<Float>,
    dz: UnsafePointer<Float>, batch: Int, geometry shape: Shape, filters: Int, accumulateWeight: Bool,
    accumulateBias: Bool, pool: ComputePool
  ) {
    pool.parallelRanges(filters, grain: 1) { filterRange in
      let g = shape.geometry
      let (taps, width, plane) = (g.columnRows, g.outputWidth, g.outputPositions)
      // Not withUnsafeTemporaryAllocation: its body would be a closure of its
      // own, which is not specialized for `Shape` and so would not see a
      // literal geometry's constants.
      let sums = UnsafeMutablePointer<Float>.allocate(capacity: (taps + 1) * width)
      defer { sums.deallocate() }
      for filter in filterRange {
        sums.update(repeating: 0, count: (taps + 1) * width)
        for sample in 0..<batch {
          let input = x + sample * g.channels * g.height * g.width
          for oh in 0..<g.outputHeight {
            let dz = dz + (sample * filters + filter) * plane + oh * width
            let biasRow = sums + taps * width
            for ow in 0..<width { biasRow[ow] += dz[ow] }
            forEachTapRow(g, oh: oh) { tap, row, valid in
              let (sum, inputRow) = (sums + tap * width, input + row)
              if g.strideWidth == 1 {
                for ow in valid { sum[ow] += dz[ow] * inputRow[ow] }
              } else {
                for ow in valid { sum[ow] += dz[ow] * inputRow[ow * g.strideWidth] }
              }
            }
          }
        }
        if let dWeight {
          let dw = dWeight + filter * taps
          for tap in 0..<taps {
            var total: Float = 0
            for ow in 0..<width { total += sums[tap * width + ow] }
            if accumulateWeight { dw[tap] += total } else { dw[tap] = total }
          }
        }
        if let dBias {
          var total: Float = 0
          for ow in 0..<width { total += sums[taps * width + ow] }
          if accumulateBias { dBias[filter] += total } else { dBias[filter] = total }
        }
      }
    }
  }

  /// `dX[c, ih, iw] += W[f, c, kh, kw] * dZ[f, oh, ow]` for every tap, as row
  /// scatters; split over samples; `dz` is `[batch, F, P]`.
  @inline(__always)
  static func directInputGradient<Shape: ConvolutionShape>(
    dx: UnsafeMutablePointer<Float>, dz: UnsafePointer<Float>, weight: UnsafePointer<Float>, batch: Int,
    geometry shape: Shape, filters: Int, accumulate: Bool, pool: ComputePool
  ) {
    pool.parallelRanges(batch, grain: 1) { samples in
      let g = shape.geometry
      let (taps, width, plane) = (g.columnRows, g.outputWidth, g.outputPositions)
      let sampleSize = g.channels * g.height * g.width
      for sample in samples {
        let input = dx + sample * sampleSize
        if !accumulate { input.update(repeating: 0, count: sampleSize) }
        for filter in 0..<filters {
          let w = weight + filter * taps
          for oh in 0..<g.outputHeight {
            let dz = dz + (sample * filters + filter) * plane + oh * width
            forEachTapRow(g, oh: oh) { tap, row, valid in
              let (tapWeight, inputRow) = (w[tap], input + row)
              if g.strideWidth == 1 {
                for ow in valid { inputRow[ow] += tapWeight * dz[ow] }
              } else {
                for ow in valid { inputRow[ow * g.strideWidth] += tapWeight * dz[ow] }
              }
            }
          }
        }
      }
    }
  }

  /// Calls `body(tap, row, valid)` for every tap `(c, kh, kw)` whose input row
  /// under output row `oh` is inside the sample: `row` is the offset in the
  /// sample such that `row + ow * strideWidth` is the input under output column
  /// `ow`, for the output columns `valid` whose input column falls inside the
  /// row. With a constant geometry (``ConvolutionShape``) the ranges fold to
  /// literals; otherwise a stride of 1 needs no division.
  @inline(__always)
  static func forEachTapRow(_ g: ConvolutionGeometry, oh: Int, _ body: (Int, Int, Range<Int>) -> Void) {
    for c in 0..<g.channels {
      for kh in 0..<g.kernelHeight {
        let ih = oh * g.strideHeight + kh - g.padTop
        guard ih >= 0 && ih < g.height else { continue }
        let row = (c * g.height + ih) * g.width
        for kw in 0..<g.kernelWidth {
          let offset = kw - g.padLeft
          let valid =
            g.strideWidth == 1
            ? max(0, -offset)..<max(max(0, -offset), min(g.outputWidth, g.width - offset))
            : ConvolutionGeometry.validOutputs(
              offset: offset, stride: g.strideWidth, size: g.width, count: g.outputWidth)
          if !valid.isEmpty { body((c * g.kernelHeight + kh) * g.kernelWidth + kw, row + offset, valid) }
        }
      }
    }
  }
}
