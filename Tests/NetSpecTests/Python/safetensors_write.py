"""Writes a safetensors file to the path given as its argument with numpy alone (an
independent writer for SafetensorsTests): F32, F16 and F64 tensors, keys not sorted."""

import json, struct, sys
import numpy as np
tensors = {'z': np.arange(6, dtype='<f4').reshape(2, 3) / 4, 'h': np.array([0.5, -3], dtype='<f2'),
           'd': np.array([[1e-3]], dtype='<f8')}
header, blobs, offset = {}, [], 0
for name in ['z', 'h', 'd']:
    blob = tensors[name].tobytes()
    dtype = {'float32': 'F32', 'float16': 'F16', 'float64': 'F64'}[tensors[name].dtype.name]
    header[name] = {'data_offsets': [offset, offset + len(blob)], 'shape': list(tensors[name].shape), 'dtype': dtype}
    blobs.append(blob)
    offset += len(blob)
header['__metadata__'] = {'format': 'np'}
text = json.dumps(header, indent=1).encode()
open(sys.argv[1], 'wb').write(struct.pack('<Q', len(text)) + text + b''.join(blobs))
