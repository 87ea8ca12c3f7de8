"""numpy's SGEMM throughput for GEMMBench (main.swift beside this file), run in a child python3.

Usage: python3 reference.py M,N,K,TA,TB ...

For each product C[M, N] = op(A) op(B) (TA, TB: 1 when A, B are stored transposed)
prints `result M N K TA TB GFLOP/s`, the best of 7 timed batches of about 50 ms; first
`kernel <OpenBLAS kernel and version>` when threadpoolctl is installed. The caller sets
OPENBLAS_NUM_THREADS.
"""

import sys
import time

import numpy as np

try:
    import threadpoolctl
    info = [i for i in threadpoolctl.threadpool_info() if i.get('internal_api') == 'openblas']
    print('kernel', (info[0].get('architecture') + ' (OpenBLAS ' + info[0].get('version') + ')') if info else 'no OpenBLAS found by threadpoolctl')
except ImportError:
    print('kernel unknown (threadpoolctl not installed)')
for m, n, k, ta, tb in (map(int, case.split(',')) for case in sys.argv[1:]):
    a = np.random.rand(k, m).astype(np.float32).T if ta else np.random.rand(m, k).astype(np.float32)
    b = np.random.rand(n, k).astype(np.float32).T if tb else np.random.rand(k, n).astype(np.float32)
    c = np.empty((m, n), np.float32)
    np.matmul(a, b, out=c)
    calls = 1
    while True:
        t = time.perf_counter()
        for _ in range(calls): np.matmul(a, b, out=c)
        elapsed = time.perf_counter() - t
        if elapsed > 0.01: break
        calls *= 4
    calls = max(1, int(calls * 0.05 / elapsed))
    best = float('inf')
    for _ in range(7):
        t = time.perf_counter()
        for _ in range(calls): np.matmul(a, b, out=c)
        best = min(best, (time.perf_counter() - t) / calls)
    print('result', m, n, k, ta, tb, 2 * m * n * k / best / 1e9)
