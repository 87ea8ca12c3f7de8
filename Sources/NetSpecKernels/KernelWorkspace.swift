/// Scratch memory owned by one thread slot of a ``ComputePool``: the packed panels
/// of a GEMM and the spill tile for its ragged edges. Buffers grow on demand and are
/// kept for later calls, so steady-state kernels do not allocate.
final class KernelWorkspace {
  private(set) var packedA = AlignedBuffer()
  private(set) var packedB = AlignedBuffer()
  private(set) var edgeTile = AlignedBuffer()

  /// Makes sure the buffers hold at least the given number of floats.
  func reserve(packedA a: Int, packedB b: Int, edgeTile tile: Int) {
    packedA.reserve(a)
    packedB.reserve(b)
    edgeTile.reserve(tile)
  }
}

/// A growable, 64-byte aligned array of floats that is never shrunk.
struct AlignedBuffer: ~Copyable {
  private(set) var pointer = AlignedBuffer.allocate(0)
  private var capacity = 0

  mutating func reserve(_ count: Int) {
    guard count > capacity else { return }
    UnsafeMutableRawPointer(pointer).deallocate()
    pointer = AlignedBuffer.allocate(count)
    capacity = count
  }

  private static func allocate(_ count: Int) -> UnsafeMutablePointer<Float> {
    UnsafeMutableRawPointer.allocate(byteCount: count * MemoryLayout<Float>.stride, alignment: 64)
      .bindMemory(to: Float.self, capacity: count)
  }

  deinit {
    UnsafeMutableRawPointer(pointer).deallocate()
  }
}

/// Scratch memory a kernel holds for a whole call on a ``ComputePool``, for sums
/// that outlive the call's jobs (a ``KernelWorkspace`` belongs to one job: another
/// caller's job may take it between two jobs of the call, or between a job and
/// the final sums). One call holds it at a time; another waits. It grows on
/// demand and is kept, so steady-state kernels do not allocate.
final class CallScratch: @unchecked Sendable {
  private let mutex = PoolMutex()
  private var buffer = AlignedBuffer()

  /// Runs `body` with at least `count` floats that no other call touches until
  /// it returns. `body` may run jobs on the pool, but must not ask for the
  /// scratch again.
  func withFloats<Result>(_ count: Int, _ body: (UnsafeMutablePointer<Float>) -> Result) -> Result {
    mutex.lock()
    defer { mutex.unlock() }
    buffer.reserve(count)
    return body(buffer.pointer)
  }
}
