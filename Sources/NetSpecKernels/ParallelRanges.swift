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

  /// Splits `0..<count` elements into at most ``threadCount`` consecutive ranges of at
  /// least ``elementGrain`` elements, cut on multiples of 64 (whole vectors, so every
  /// element takes the same vector code whatever the split), and runs `body` on every
  /// range in parallel; fewer than `2 * elementGrain` elements run inline.
  public func parallelElements(_ count: Int, _ body: (Range<Int>) -> Void) {
    let blocks = (count + 63) / 64
    let tasks = max(1, min(threadCount, count / Self.elementGrain))
    parallelFor(tasks) { task in
      body(min(count, blocks * task / tasks * 64)..<min(count, blocks * (task + 1) / tasks * 64))
    }
  }

  /// Sums `part(range)` over the consecutive ranges of `chunk` elements that make up
  /// `0..<count` (the last may be shorter), computing the parts in parallel and adding
  /// them in order: the result depends on `chunk` alone, never on the thread count.
  public func orderedSum(_ count: Int, chunk: Int, _ part: (Range<Int>) -> Double) -> Double {
    let chunks = (count + chunk - 1) / chunk
    guard chunks > 1 else { return count > 0 ? part(0..<count) : 0 }
    var parts = [Double](repeating: 0, count: chunks)
    parts.withUnsafeMutableBufferPointer { parts in
      parallelRanges(chunks, grain: 1) { range in
        for i in range { parts[i] = part((i * chunk)..<min(count, (i + 1) * chunk)) }
      }
    }
    return parts.reduce(0, +)
  }
}
