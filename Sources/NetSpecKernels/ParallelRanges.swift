extension ComputePool {
  /// Splits `0..<count` into at most ``threadCount`` consecutive ranges of at least
  /// `grain` items each and runs `body` on every range, in parallel; with little
  /// work (fewer than `2 * grain` items) it runs `body(0..<count)` inline.
  ///
  /// For element-wise and reduction kernels whose items are independent (planes,
  /// channels, rows). Like ``parallelFor(_:_:)``, not reentrant: `body` must not
  /// use this pool.
  public func parallelRanges(_ count: Int, grain: Int, _ body: (Range<Int>) -> Void) {
    let tasks = max(1, min(threadCount, count / max(1, grain)))
    parallelFor(tasks) { task in
      body((count * task / tasks)..<(count * (task + 1) / tasks))
    }
  }

  /// Elements per task of the element-wise passes (activations, arithmetic, optimizer
  /// updates): 64 KiB of each operand, which takes a core several microseconds to
  /// stream, against the pool's ~1 µs dispatch.
  public static let elementGrain = 16_384

  /// Splits `0..<count` into at most ``threadCount`` consecutive ranges of at least
  /// `grain` items, cut on multiples of `granule`, and runs `body` on every range: on
  /// the pool, or all on the calling thread when the pool has not been faster for
  /// this call site (`line`) and count (``choosingThreads(_:_:)``: on a loaded
  /// machine a worker that waits for a time slice makes a job slower than the
  /// caller alone). Fewer than `2 * grain` items run inline.
  ///
  /// For passes whose items are independent, so the split does not change results.
  /// Not reentrant: `body` must not use this pool.
  public func calibratedRanges(
    _ count: Int, grain: Int, granule: Int = 1, line: UInt = #line, _ body: (Range<Int>) -> Void
  ) {
    let blocks = (count + granule - 1) / granule
    let tasks = max(1, min(threadCount, count / max(1, grain)))
    func run(_ tasks: Int) {
      parallelFor(tasks) { task in
        body(min(count, blocks * task / tasks * granule)..<min(count, blocks * (task + 1) / tasks * granule))
      }
    }
    guard tasks > 1 else { return run(1) }
    choosingThreads(KernelShape(kernel: KernelShape.calibratedRanges, count, grain, Int(line))) { parallel in
      run(parallel ? tasks : 1)
    }
  }

  /// ``calibratedRanges(_:grain:granule:line:_:)`` over `count` elements in parts of
  /// at least ``elementGrain``, cut on multiples of 64 (whole vectors, so every
  /// element takes the same vector code whatever the split).
  public func parallelElements(_ count: Int, line: UInt = #line, _ body: (Range<Int>) -> Void) {
    calibratedRanges(count, grain: Self.elementGrain, granule: 64, line: line, body)
  }

  /// Sums `part(range)` over the consecutive ranges of `chunk` elements that make up
  /// `0..<count` (the last may be shorter), computing the parts in parallel
  /// (``calibratedRanges(_:grain:granule:line:_:)``) and adding them in order: the
  /// result depends on `chunk` alone, never on the thread count.
  public func orderedSum(_ count: Int, chunk: Int, line: UInt = #line, _ part: (Range<Int>) -> Double) -> Double {
    let chunks = (count + chunk - 1) / chunk
    guard chunks > 1 else { return count > 0 ? part(0..<count) : 0 }
    var parts = [Double](repeating: 0, count: chunks)
    parts.withUnsafeMutableBufferPointer { parts in
      calibratedRanges(chunks, grain: 1, line: line) { range in
        for i in range { parts[i] = part((i * chunk)..<min(count, (i + 1) * chunk)) }
      }
    }
    return parts.reduce(0, +)
  }
}
