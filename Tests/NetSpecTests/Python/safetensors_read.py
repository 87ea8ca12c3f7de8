"""Reads the safetensors file named by its argument with numpy alone (an independent reader
for SafetensorsTests) and prints its metadata and tensors as sorted JSON."""

import json, struct, sys
import numpy as np
raw = open(sys.argv[1], 'rb').read()
(n,) = struct.unpack('<Q', raw[:8])
assert n % 8 == 0
header = json.loads(raw[8:8 + n])
data = raw[8 + n:]
out = {'metadata': header.pop('__metadata__'), 'tensors': {}}
end = 0
for name, info in sorted(header.items(), key=lambda kv: kv[1]['data_offsets']):
    begin, stop = info['data_offsets']
    assert begin == end and info['dtype'] == 'F32'
    array = np.frombuffer(data[begin:stop], dtype='<f4').reshape(info['shape'])
    out['tensors'][name] = {'shape': list(array.shape), 'values': array.ravel().tolist()}
    end = stop
assert end == len(data)
print(json.dumps(out, sort_keys=True))
