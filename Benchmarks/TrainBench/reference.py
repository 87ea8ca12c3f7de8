"""The numpy reference that TrainBench (main.swift beside this file) runs in a child python3.

Usage: python3 reference.py CONFIG.json

Reads the JSON configuration named by its argument (the cases, the warm-up and timed
step counts) and, per case, the initial parameters, the input batch and the labels that
TrainBench wrote as raw float32 files, so both sides start from the same weights and
train on the same batch. Builds the network from the layer list TrainBench derived from
the checked graph (dense, conv2d, avg/max pooling, flatten and activations) and prints
one line per measurement:

    kernel <OpenBLAS kernel and version>
    train <case> <seconds per step> <loss of step 1> <loss of the last warm-up step>
    infer <case> <seconds per forward pass>
    unsupported <case> <reason>

Exits with status 3 when numpy cannot be imported.
"""

import json, sys, time

try:
    import numpy as np
    from numpy.lib.stride_tricks import as_strided
except ImportError as error:
    print('missing', error)
    sys.exit(3)


def kernel_info():
    try:
        import threadpoolctl
    except ImportError:
        return 'unknown (threadpoolctl not installed), numpy ' + np.__version__
    info = [i for i in threadpoolctl.threadpool_info() if i.get('internal_api') == 'openblas']
    if not info:
        return 'no OpenBLAS found by threadpoolctl, numpy ' + np.__version__
    return '%s (OpenBLAS %s), numpy %s' % (info[0].get('architecture'), info[0].get('version'), np.__version__)


class Unsupported(Exception):
    pass


class Slab:
    """Consecutive views of one flat float32 array (parameters or their gradients)."""

    def __init__(self, flat):
        self.flat, self.offset = flat, 0

    def take(self, shape):
        count = int(np.prod(shape))
        view = self.flat[self.offset:self.offset + count].reshape(shape)
        self.offset += count
        return view


def activate(name, z):
    """Applies the activation in place."""
    if name == 'relu':
        np.maximum(z, 0, out=z)
    elif name == 'tanh':
        np.tanh(z, out=z)
    elif name == 'sigmoid':
        np.negative(z, out=z)
        np.exp(z, out=z)
        z += 1
        np.reciprocal(z, out=z)
    elif name is not None:
        raise Unsupported('activation ' + name)
    return z


def activation_gradient(name, y, dy):
    """dL/dz from dL/dy and the activation's output y."""
    if name is None:
        return dy
    if name == 'relu':
        return np.where(y > 0, dy, np.float32(0))
    if name == 'tanh':
        return dy * (1 - y * y)
    return dy * y * (1 - y)


class Dense:
    """y = act(x W^T + b), W laid out [units, features] as in NetSpec."""

    def __init__(self, spec, shape, params, grads):
        if len(shape) != 1:
            raise Unsupported('dense over a rank-%d input' % (len(shape) + 1))
        self.activation, units, features = spec.get('activation'), spec['units'], shape[0]
        self.w, self.gw = params.take((units, features)), grads.take((units, features))
        self.b = params.take((units,)) if spec['bias'] else None
        self.gb = grads.take((units,)) if spec['bias'] else None
        self.shape = (units,)

    def forward(self, x, training):
        z = x @ self.w.T
        if self.b is not None:
            z += self.b
        y = activate(self.activation, z)
        if training:
            self.x, self.y = x, y
        return y

    def backward(self, dy, need_dx):
        dz = activation_gradient(self.activation, self.y, dy)
        np.matmul(dz.T, self.x, out=self.gw)
        if self.b is not None:
            np.sum(dz, axis=0, out=self.gb)
        return dz @ self.w if need_dx else None


class Conv2D:
    """im2col through stride tricks, then one GEMM W[F, C*kh*kw] x columns[C*kh*kw, N*P]."""

    def __init__(self, spec, shape, params, grads):
        self.c, self.h, self.w_in = shape
        self.f, (self.kh, self.kw), (self.sh, self.sw) = spec['filters'], spec['kernel'], spec['stride']
        self.top, self.left, self.bottom, self.right = spec['padding']
        self.activation = spec.get('activation')
        self.oh = (self.h + self.top + self.bottom - self.kh) // self.sh + 1
        self.ow = (self.w_in + self.left + self.right - self.kw) // self.sw + 1
        depth = self.c * self.kh * self.kw
        self.w, self.gw = params.take((self.f, depth)), grads.take((self.f, depth))
        self.b = params.take((self.f,)) if spec['bias'] else None
        self.gb = grads.take((self.f,)) if spec['bias'] else None
        self.shape = (self.f, self.oh, self.ow)

    def forward(self, x, training):
        n = x.shape[0]
        if self.top or self.left or self.bottom or self.right:
            x = np.pad(x, ((0, 0), (0, 0), (self.top, self.bottom), (self.left, self.right)))
        sn, sc, sh, sw = x.strides
        windows = as_strided(
            x, (self.c, self.kh, self.kw, n, self.oh, self.ow), (sc, sh, sw, sn, sh * self.sh, sw * self.sw),
            writeable=False)
        columns = windows.reshape(self.c * self.kh * self.kw, n * self.oh * self.ow)
        z = self.w @ columns
        if self.b is not None:
            z += self.b[:, None]
        activate(self.activation, z)
        y = np.ascontiguousarray(z.reshape(self.f, n, self.oh, self.ow).transpose(1, 0, 2, 3))
        if training:
            self.columns, self.y, self.padded = columns, y, x.shape
        return y

    def backward(self, dy, need_dx):
        n = dy.shape[0]
        dz = activation_gradient(self.activation, self.y, dy)
        dz = dz.transpose(1, 0, 2, 3).reshape(self.f, n * self.oh * self.ow)
        if self.b is not None:
            np.sum(dz, axis=1, out=self.gb)
        np.matmul(dz, self.columns.T, out=self.gw)
        if not need_dx:
            return None
        dcolumns = (self.w.T @ dz).reshape(self.c, self.kh, self.kw, n, self.oh, self.ow)
        dx = np.zeros(self.padded, np.float32)
        rows, cols = self.sh * (self.oh - 1) + 1, self.sw * (self.ow - 1) + 1
        for i in range(self.kh):
            for j in range(self.kw):
                dx[:, :, i:i + rows:self.sh, j:j + cols:self.sw] += dcolumns[:, i, j].transpose(1, 0, 2, 3)
        return dx[:, :, self.top:self.top + self.h, self.left:self.left + self.w_in]


class Pool2D:
    """Average or max pooling with non-overlapping windows (stride = kernel, no padding)."""

    def __init__(self, spec, shape, params, grads):
        self.c, self.h, self.w = shape
        self.kind, (self.kh, self.kw) = spec['op'], spec['kernel']
        if tuple(spec['stride']) != (self.kh, self.kw) or any(spec['padding']):
            raise Unsupported('pooling with stride != kernel or padding')
        self.oh, self.ow = self.h // self.kh, self.w // self.kw
        self.shape = (self.c, self.oh, self.ow)

    def windows(self, x):
        n = x.shape[0]
        x = x[:, :, :self.oh * self.kh, :self.ow * self.kw]
        return x.reshape(n, self.c, self.oh, self.kh, self.ow, self.kw)

    def forward(self, x, training):
        windows = self.windows(x)
        y = windows.mean(axis=(3, 5)) if self.kind == 'avgpool2d' else windows.max(axis=(3, 5))
        if training and self.kind == 'maxpool2d':
            self.mask = windows == y[:, :, :, None, :, None]
        return y

    def backward(self, dy, need_dx):
        if not need_dx:
            return None
        n = dy.shape[0]
        full = (n, self.c, self.oh, self.kh, self.ow, self.kw)
        if self.kind == 'avgpool2d':
            dx = np.broadcast_to((dy * np.float32(1 / (self.kh * self.kw)))[:, :, :, None, :, None], full)
        else:
            dx = self.mask * dy[:, :, :, None, :, None]
        dx = dx.reshape(n, self.c, self.oh * self.kh, self.ow * self.kw)
        if (self.oh * self.kh, self.ow * self.kw) != (self.h, self.w):
            dx = np.pad(dx, ((0, 0), (0, 0), (0, self.h - self.oh * self.kh), (0, self.w - self.ow * self.kw)))
        return dx


class Flatten:
    def __init__(self, spec, shape, params, grads):
        self.input_shape, self.shape = tuple(shape), (int(np.prod(shape)),)

    def forward(self, x, training):
        return x.reshape(x.shape[0], -1)

    def backward(self, dy, need_dx):
        return dy.reshape((dy.shape[0],) + self.input_shape) if need_dx else None


class Activation:
    def __init__(self, spec, shape, params, grads):
        self.activation, self.shape = spec['op'], tuple(shape)

    def forward(self, x, training):
        y = activate(self.activation, x.copy())
        if training:
            self.y = y
        return y

    def backward(self, dy, need_dx):
        return activation_gradient(self.activation, self.y, dy) if need_dx else None


LAYERS = {'dense': Dense, 'conv2d': Conv2D, 'avgpool2d': Pool2D, 'maxpool2d': Pool2D, 'flatten': Flatten,
          'relu': Activation, 'tanh': Activation, 'sigmoid': Activation}


def cross_entropy(logits, labels):
    """Mean softmax cross-entropy and its gradient with respect to the logits."""
    n = logits.shape[0]
    rows = np.arange(n)
    top = logits.max(axis=1, keepdims=True)
    e = np.exp(logits - top)
    total = e.sum(axis=1, keepdims=True)
    loss = float(np.mean(np.log(total[:, 0]) + top[:, 0] - logits[rows, labels]))
    gradient = e / total
    gradient[rows, labels] -= 1
    gradient *= np.float32(1 / n)
    return loss, gradient


class Optimizer:
    """SGD (heavy-ball or Nesterov momentum), Adam or AdamW over the flat parameter array, as NetSpec's."""

    def __init__(self, spec, count):
        self.spec, self.steps = spec, 0
        self.first = np.zeros(count, np.float32)
        self.second = np.zeros(count, np.float32) if spec['kind'] != 'sgd' else None

    def step(self, p, g):
        s = self.spec
        self.steps += 1
        lr, wd = s['lr'], s['weight_decay']
        if s['kind'] == 'sgd':
            d = g + wd * p if wd else g
            mu, v = s['momentum'], self.first
            if mu:
                if self.steps == 1:
                    v[:] = d
                else:
                    v *= mu
                    v += d
                d = d + mu * v if s['nesterov'] else v
            p -= lr * d
            return
        if s['kind'] == 'adamw':
            p -= (lr * s['decoupled_decay']) * p
        beta1, beta2 = s['beta1'], s['beta2']
        d = g + wd * p if wd else g
        m, v = self.first, self.second
        m *= beta1
        m += (1 - beta1) * d
        v *= beta2
        v += (1 - beta2) * (d * d)
        step_size = lr / (1 - beta1 ** self.steps)
        root2 = (1 - beta2 ** self.steps) ** 0.5
        p -= step_size * m / (np.sqrt(v) / np.float32(root2) + np.float32(s['epsilon']))


class Net:
    def __init__(self, case, training):
        self.parameters = np.fromfile(case['parameters'], np.float32)
        self.gradients = np.zeros_like(self.parameters)
        params, grads = Slab(self.parameters), Slab(self.gradients)
        shape, self.layers = tuple(case['input']), []
        for spec in case['layers']:
            layer = LAYERS[spec['op']](spec, shape, params, grads)
            self.layers.append(layer)
            shape = layer.shape
        if params.offset != self.parameters.size:
            raise Unsupported('%d parameters in the file, %d used' % (self.parameters.size, params.offset))
        owners = [i for i, spec in enumerate(case['layers']) if spec['op'] in ('dense', 'conv2d')]
        self.first_trainable = owners[0] if owners else len(self.layers)
        self.optimizer = Optimizer(case['optimizer'], self.parameters.size) if training else None

    def infer(self, x):
        for layer in self.layers:
            x = layer.forward(x, False)
        return x

    def train_step(self, x, labels):
        for layer in self.layers:
            x = layer.forward(x, True)
        loss, d = cross_entropy(x, labels)
        for i in reversed(range(len(self.layers))):
            if i < self.first_trainable:
                break
            d = self.layers[i].backward(d, i > self.first_trainable)
        self.optimizer.step(self.parameters, self.gradients)
        return loss


def seconds_per_call(body, warmup, steps):
    for _ in range(warmup):
        body()
    start = time.perf_counter()
    for _ in range(steps):
        body()
    return (time.perf_counter() - start) / steps


def main():
    with open(sys.argv[1]) as file:
        config = json.load(file)
    print('kernel', kernel_info(), flush=True)
    for case in config['cases']:
        name, batch = case['name'], case['batch']
        x = np.fromfile(case['inputs'], np.float32).reshape([batch] + case['input'])
        labels = np.fromfile(case['labels'], np.float32).astype(np.int64)
        try:
            net = Net(case, training=True)
            losses = []
            warmup = max(1, config['warmup'])
            for _ in range(warmup):
                losses.append(net.train_step(x, labels))
            seconds = seconds_per_call(lambda: net.train_step(x, labels), 0, config['steps'])
            print('train', name, seconds, losses[0], losses[-1], flush=True)
            net = Net(case, training=False)
            seconds = seconds_per_call(lambda: net.infer(x), config['warmup'], config['steps'])
            print('infer', name, seconds, flush=True)
        except Unsupported as error:
            print('unsupported', name, error, flush=True)


main()
