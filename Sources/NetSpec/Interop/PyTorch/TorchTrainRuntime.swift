/// The fixed part of train.py, after the settings ``TorchTrainEmitter``
/// writes: NetSpec's data generator (for the same splits), the readers, the
/// augmentations, the schedule, the optimizer, and the DDP training loop.
enum TorchTrainRuntime {
  static let source = #"""
    HERE = pathlib.Path(__file__).resolve().parent


    # ----------------------------------------------------------------- NetSpec's generator
    # xoshiro256** seeded as NetSpecRuntime's RandomGenerator, so the validation and
    # test splits hold the same samples as under `netspec train` and `netspec eval`.

    MASK = (1 << 64) - 1


    def _mix(z):
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
        return z ^ (z >> 31)


    class NetSpecRandom:
        def __init__(self, seed, stream):
            state = (seed & MASK) ^ _mix(stream)
            self.s = []
            for _ in range(4):
                state = (state + 0x9E3779B97F4A7C15) & MASK
                self.s.append(_mix(state))

        def next(self):
            s0, s1, s2, s3 = self.s
            result = ((((s1 * 5) & MASK) << 7 | ((s1 * 5) & MASK) >> 57) & MASK) * 9 & MASK
            t = (s1 << 17) & MASK
            s2 ^= s0
            s3 ^= s1
            s1 ^= s2
            s0 ^= s3
            s2 ^= t
            s3 = ((s3 << 45) | (s3 >> 19)) & MASK
            self.s = [s0, s1, s2, s3]
            return result

        def below(self, bound):
            product = bound * self.next()
            if product & MASK < bound:
                threshold = (-bound) % bound
                while product & MASK < threshold:
                    product = bound * self.next()
            return product >> 64

        def shuffle(self, values):
            for i in range(len(values) - 1, 0, -1):
                j = self.below(i + 1)
                values[i], values[j] = values[j], values[i]


    # ----------------------------------------------------------------- data

    def read_csv(path, header):
        opener = gzip.open if str(path).endswith(".gz") else open
        with opener(path, "rt") as f:
            rows = [line.strip().split(",") for line in f if line.strip()]
        first = rows[0]
        is_header = header == "true" or (header == "auto" and not _numeric(first))
        names = [c.strip() for c in first] if is_header else None
        body = rows[1:] if is_header else rows
        return names, np.array([[float(c) for c in row] for row in body], dtype=np.float32)


    def _numeric(cells):
        try:
            [float(c) for c in cells]
            return True
        except ValueError:
            return False


    def read_idx(path):
        opener = gzip.open if str(path).endswith(".gz") else open
        with opener(path, "rb") as f:
            data = f.read()
        dims = data[3]
        shape = [int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(dims)]
        kinds = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}
        values = np.frombuffer(data, dtype=kinds[data[2]], offset=4 + 4 * dims)
        return values.reshape(shape).astype(np.float32)


    def read_source(source, base):
        """(inputs [count, ...], labels [count, ...]) of one data source, as NetSpec reads it."""
        kind = source["format"]
        if kind == "csv":
            names, table = read_csv(base / source["path"], source["header"])
            label = source["label"]
            column = {"last": table.shape[1] - 1, "first": 0}.get(label, label)
            if isinstance(column, str):
                column = names.index(column)
            return np.delete(table, column, axis=1), table[:, column]
        if kind == "csv_files":
            return read_csv(base / source["inputs"], source["header"])[1], read_csv(base / source["labels"], source["header"])[1]
        if kind == "npy":
            return np.load(base / source["inputs"]).astype(np.float32), np.load(base / source["labels"]).astype(np.float32)
        return read_idx(base / source["inputs"]), read_idx(base / source["labels"])


    # Each input's per-sample shape, read from the data of a source feeding several inputs.
    SAMPLE_SHAPES = {}


    def read_inputs(source, base):
        """(inputs, labels) of a source feeding several inputs: each input's samples flattened,
        multiplied by its own scale, and side by side in INPUTS' order, as NetSpec holds them."""
        if source["format"] == "csv_columns":
            names, table = read_csv(base / source["path"], source["header"])
            def index(column):
                return names.index(column) if isinstance(column, str) else column
            label = {"last": table.shape[1] - 1, "first": 0}.get(source["label"], source["label"])
            parts = {k: table[:, [index(c) for c in v]] for k, v in source["columns"].items()}
            labels = table[:, index(label)]
        else:
            def read(path):
                if source["format"] == "npy_inputs":
                    return np.load(base / path).astype(np.float32)
                return read_csv(base / path, source["header"])[1]
            parts = {k: read(v) for k, v in source["inputs"].items()}
            labels = read(source["labels"])
        columns = []
        for name in INPUTS:
            part = parts[name]
            SAMPLE_SHAPES[name] = tuple(part.shape[1:])
            factor = np.float32(source.get("scales", {}).get(name, 1))
            columns.append(part.reshape(len(part), -1) * factor)
        return np.concatenate(columns, axis=1), labels


    def model_inputs(xb):
        """The model's inputs from a batch: the batch itself for one input, else each input's
        columns of the side-by-side samples, in its shape and dtype."""
        if not SAMPLE_SHAPES:
            return [xb]
        inputs, start = [], 0
        for name, (dtype, shape) in INPUTS.items():
            sizes = SAMPLE_SHAPES[name] if any(isinstance(d, str) for d in shape) else tuple(shape)
            stride = int(np.prod(sizes))
            inputs.append(xb[:, start:start + stride].reshape(len(xb), *sizes).to(dtype))
            start += stride
        return inputs


    def prepare(source, base):
        if source["format"] in ("npy_inputs", "csv_inputs", "csv_columns"):
            x, y = read_inputs(source, base)
            if None not in TARGET_SHAPE and y[0].size == int(np.prod(TARGET_SHAPE)):
                y = y.reshape(len(y), *TARGET_SHAPE)
            return x.astype(np.float32), y
        x, y = read_source(source, base)
        if source.get("reshape"):
            x = x.reshape(len(x), *source["reshape"])
        elif None not in INPUT_SHAPE and x[0].size == int(np.prod(INPUT_SHAPE)):
            x = x.reshape(len(x), *INPUT_SHAPE)
        if source.get("scale") is not None:
            x = x * np.float32(source["scale"])
        if None not in TARGET_SHAPE and y[0].size == int(np.prod(TARGET_SHAPE)):
            y = y.reshape(len(y), *TARGET_SHAPE)
        return x.astype(np.float32), y


    def load_data(base):
        """The train, validation and test splits as NetSpec's data pipeline makes them."""
        x, y = prepare(DATA["train"], base)
        count = len(x)

        def held(fraction):
            return max(1, int(math.floor(fraction * count + 0.5))) if fraction > 0 else 0

        validation, test = held(DATA["validation"]), held(DATA["test"])
        training = count - validation - test
        order = list(range(count))
        if DATA["shuffle"] and (validation or test):
            NetSpecRandom(SEED, 0xDA7A0001).shuffle(order)
        order = np.array(order)
        parts = {"train": order[:training], "validation": order[training:training + validation],
                 "test": order[training + validation:]}
        splits = {k: (x[v], y[v]) for k, v in parts.items() if len(v)}
        if DATA.get("test_source"):
            splits["test"] = prepare(DATA["test_source"], base)
        statistics = None
        if DATA["standardize"]:
            train = splits["train"][0].reshape(len(splits["train"][0]), -1).astype(np.float64)
            mean = train.mean(0)
            std = np.sqrt(((train - mean) ** 2).mean(0))
            std = np.where(std > 10 * np.finfo(np.float32).eps * np.maximum(1, np.abs(mean)), std, 1)
            mean, std = mean.astype(np.float32), std.astype(np.float32)
            if DATA.get("standardize_inputs") is not None:
                # Several inputs: only the listed ones; the others' features stay as they are.
                start = 0
                for name in INPUTS:
                    stride = int(np.prod(SAMPLE_SHAPES[name]))
                    if name not in DATA["standardize_inputs"]:
                        mean[start:start + stride], std[start:start + stride] = 0, 1
                    start += stride
            splits = {k: (((v[0].reshape(len(v[0]), -1) - mean) / std).reshape(v[0].shape), v[1])
                      for k, v in splits.items()}
            statistics = {"standardize.mean": ",".join(str(v) for v in mean),
                          "standardize.std": ",".join(str(v) for v in std)}
        return splits, statistics


    def tensors(split, device):
        x, y = split
        # Several inputs stay float32 side by side until model_inputs splits them.
        dtype = next(iter(INPUTS.values()))[0] if not SAMPLE_SHAPES else torch.float32
        return torch.from_numpy(np.ascontiguousarray(x)).to(device, dtype), torch.from_numpy(
            np.ascontiguousarray(y)).to(device, TARGET_DTYPE)


    # ----------------------------------------------------------------- augmentation

    def augmentation_draws(epoch, count, shape):
        """Each sample's draws for one epoch, from (seed, epoch) and indexed by sample, so
        every process count draws the same (the spec's kinds, not NetSpec's draws)."""
        if not AUGMENT:
            return []  # samples of any rank (a flat [784] image has no height and width)
        g = np.random.default_rng([SEED, epoch])
        draws = []
        if not AUGMENT:
            return draws  # samples of several inputs, side by side, have no height and width
        h, w = shape[-2], shape[-1]
        for kind, value in AUGMENT:
            if kind == "random_shift":
                draws.append(g.integers(-value, value + 1, size=(count, 2)))
            elif kind == "random_crop":
                (height, width), padding = value
                draws.append(np.stack([g.integers(0, h + 2 * padding - height + 1, size=count) - padding,
                                       g.integers(0, w + 2 * padding - width + 1, size=count) - padding], 1))
                h, w = height, width
            elif kind == "horizontal_flip":
                draws.append(g.random(count) < value)
            else:
                draws.append(g.integers(0, 2**63, size=count))
        return draws


    def augment(x, indices, draws):
        """The spec's augmentations of the batch x of samples `indices`."""
        if not AUGMENT:
            return x
        out = []
        for sample, i in zip(x, indices.tolist()):
            for (kind, value), draw in zip(AUGMENT, draws):
                h, w = sample.shape[-2], sample.shape[-1]
                if kind == "random_shift":
                    dy, dx = draw[i]
                    sample = window(sample, -dy, -dx, h, w)
                elif kind == "random_crop":
                    top, left = draw[i]
                    sample = window(sample, top, left, *value[0])
                elif kind == "horizontal_flip" and draw[i]:
                    sample = sample.flip(-1)
                elif kind == "gaussian_noise":
                    noise = np.random.default_rng(int(draw[i])).standard_normal(tuple(sample.shape))
                    sample = sample + value * torch.from_numpy(noise).to(sample)
            out.append(sample)
        return torch.stack(out)


    def window(sample, top, left, height, width):
        """The height x width window at (top, left) of each plane, zeros outside."""
        h, w = sample.shape[-2], sample.shape[-1]
        padded = F.pad(sample, (max(0, -left), max(0, left + width - w), max(0, -top), max(0, top + height - h)))
        top, left = max(0, top), max(0, left)
        return padded[..., top:top + height, left:left + width]


    def center(x):
        """Evaluation form: each random crop's centered window."""
        for kind, value in AUGMENT:
            if kind == "random_crop":
                size, _ = value
                top, left = (x.shape[-2] - size[0]) // 2, (x.shape[-1] - size[1]) // 2
                x = window(x, top, left, size[0], size[1])
        return x


    # ----------------------------------------------------------------- training

    def learning_rate(epoch, step, steps_per_epoch):
        """NetSpecRuntime's LearningRateSchedule: linear warm-up per step, then per epoch."""
        base, warmup = OPTIMIZER["lr"], SCHEDULE["warmup_epochs"]
        if warmup > 0 and epoch < warmup:
            per_epoch = max(steps_per_epoch, 1)
            done = epoch * per_epoch + min(step, per_epoch - 1) + 1
            return base * done / (warmup * per_epoch)
        t, total = epoch - warmup, max(EPOCHS - warmup, 1)
        if SCHEDULE["kind"] == "step":
            return base * SCHEDULE["gamma"] ** (t // SCHEDULE["every"])
        if SCHEDULE["kind"] == "cosine":
            low = SCHEDULE["min_lr"]
            return low + (base - low) * (1 + math.cos(math.pi * t / total)) / 2
        return base


    def make_optimizer(model):
        """The spec's optimizer on the trainable parameters: weight_decay is L2 (added to the
        gradient) as in NetSpec, except AdamW's own decoupled decay."""
        parameters = [p for p in model.parameters() if p.requires_grad]
        o = OPTIMIZER
        if o["name"] == "sgd":
            return torch.optim.SGD(parameters, lr=o["lr"], momentum=o["momentum"], nesterov=o["nesterov"],
                                   weight_decay=WEIGHT_DECAY)
        if o["name"] == "adam":
            return torch.optim.Adam(parameters, lr=o["lr"], betas=(o["beta1"], o["beta2"]), eps=o["eps"],
                                    weight_decay=WEIGHT_DECAY)
        return torch.optim.AdamW(parameters, lr=o["lr"], betas=(o["beta1"], o["beta2"]), eps=o["eps"],
                                 weight_decay=o["decoupled_weight_decay"])


    class Precision:
        """What --amp changes. With it the model's forward pass runs under autocast, in bfloat16
        on a CPU (PyTorch's CPU autocast) and on GPUs that support bf16, else in float16 with a
        gradient scaler. Parameters, gradients, optimizer state and the loss stay float32.
        Without --amp everything is float32."""

        def __init__(self, device, amp):
            self.device_type = device.type
            self.enabled = amp
            cuda = device.type == "cuda"
            self.dtype = torch.float16 if cuda and not torch.cuda.is_bf16_supported() else torch.bfloat16
            self.scaler = torch.amp.GradScaler(device.type, enabled=amp and self.dtype == torch.float16)

        def describe(self):
            scaled = " with a gradient scaler" if self.scaler.is_enabled() else ""
            return f"mixed precision: {str(self.dtype).removeprefix('torch.')} autocast on {self.device_type}{scaled}"

        def forward(self, network, inputs):
            """The network's outputs on `inputs`: under autocast, as float32 for the loss."""
            if not self.enabled:
                return network(*inputs)
            with torch.autocast(self.device_type, dtype=self.dtype):
                outputs = network(*inputs)
            return tuple(o.float() for o in outputs) if isinstance(outputs, tuple) else outputs.float()


    FLOAT32 = Precision(torch.device("cpu"), amp=False)


    def training_step(network, optimizer, inputs, target, lr, precision=FLOAT32):
        """One update: forward, the spec's loss, backward, clipping, the optimizer. Returns the
        loss, the prediction and the loss terms by name (none for a loss of one term)."""
        for group in optimizer.param_groups:
            group["lr"] = lr
        outputs = precision.forward(network, inputs)
        prediction = outputs[PREDICTION] if isinstance(outputs, tuple) else outputs
        value, terms = objective(outputs, inputs, target)
        optimizer.zero_grad(set_to_none=False)
        scaler = precision.scaler
        scaler.scale(value).backward()
        # The true gradients, before clipping and weight decay see them (a no-op unscaled).
        scaler.unscale_(optimizer)
        trainable = [p for p in network.parameters() if p.requires_grad]
        if CLIP_GRAD_NORM is not None:
            torch.nn.utils.clip_grad_norm_(trainable, CLIP_GRAD_NORM)
        if OPTIMIZER["name"] == "adamw" and WEIGHT_DECAY:
            for p in trainable:
                p.grad.add_(p.detach(), alpha=WEIGHT_DECAY)
        scaler.step(optimizer)
        scaler.update()
        return value.detach(), prediction.detach().float(), {k: v.detach() for k, v in terms.items()}


    def metric_sums(prediction, target):
        """Sums over the batch of each metric, and the count they average over."""
        sums = {}
        if "accuracy" in METRICS:
            if LOSS == "cross_entropy":
                sums["accuracy"] = (prediction.argmax(-1) == target).float().sum()
            else:
                sums["accuracy"] = ((prediction > 0).float() == target).float().sum()
        if "mse" in METRICS:
            sums["mse"] = ((prediction - target) ** 2).sum()
        if "mae" in METRICS:
            sums["mae"] = (prediction - target).abs().sum()
        return sums, target.numel()


    def evaluate(model, split, precision=FLOAT32):
        """Mean loss and metrics (with `loss_<term>` for each loss term) of `model` on a whole
        split (every process computes the same)."""
        x, y = split
        model.eval()
        total, count, sums, elements, terms = 0.0, 0, {}, 0, {}
        with torch.no_grad():
            for start in range(0, len(x), 256):
                xb, yb = center(x[start:start + 256]), y[start:start + 256]
                inputs = model_inputs(xb)
                outputs = precision.forward(model, inputs)
                prediction = outputs[PREDICTION] if isinstance(outputs, tuple) else outputs
                value, batch_terms = objective(outputs, inputs, yb)
                total += value.item() * len(xb)
                for k, v in batch_terms.items():
                    terms[k] = terms.get(k, 0.0) + v.item() * len(xb)
                count += len(xb)
                batch, n = metric_sums(prediction, yb)
                elements += n
                for k, v in batch.items():
                    sums[k] = sums.get(k, 0.0) + v.item()
        model.train()
        metrics = {k: v / max(elements, 1) for k, v in sums.items()}
        metrics.update({f"loss_{k}": v / max(count, 1) for k, v in terms.items()})
        return total / max(count, 1), metrics


    # The metrics-log key of each early-stopping monitor.
    MONITORED = {"val_loss": "val_loss", "val_accuracy": "val_accuracy", "val_mse": "val_mse", "val_mae": "val_mae",
                 "loss": "train_loss", "accuracy": "train_accuracy"}


    def improves(value, best):
        if not math.isfinite(value):
            return False
        if best is None:
            return True
        higher = EARLY_STOPPING["monitor"] in ("val_accuracy", "accuracy")
        delta = EARLY_STOPPING["min_delta"]
        return value > best + delta if higher else value < best - delta


    def main(argv=None):
        parser = argparse.ArgumentParser(description=f"Train {SPEC} (exported from NetSpec) with PyTorch.")
        parser.add_argument("--epochs", type=int, default=EPOCHS)
        parser.add_argument("--data-dir", default=str(DATA_DIR), help="folder the spec's data paths are relative to")
        parser.add_argument("--init", default=str(HERE / "init.safetensors"), help="initial weights (safetensors)")
        parser.add_argument("-o", "--output", default=str(HERE / "run"), help="folder for weights and metrics")
        parser.add_argument("--amp", action="store_true",
                            help="mixed precision: bf16 autocast (fp16 on GPUs without bf16), on CPUs too")
        args = parser.parse_args(argv)

        world = int(os.environ.get("WORLD_SIZE", "1"))
        rank = int(os.environ.get("RANK", "0"))
        cuda = torch.cuda.is_available()
        device = torch.device(f"cuda:{int(os.environ.get('LOCAL_RANK', '0'))}" if cuda else "cpu")
        if world > 1:
            dist.init_process_group("nccl" if cuda else "gloo")
        torch.manual_seed(SEED + rank)
        precision = Precision(device, args.amp)
        if args.amp and rank == 0:
            print(precision.describe(), flush=True)
        if DATA is None:
            raise SystemExit(f"{SPEC} has no data section: add one to the spec and export again")
        splits, statistics = load_data(pathlib.Path(args.data_dir))
        data = {k: tensors(v, device) for k, v in splits.items()}
        model = Model()
        model.load_state_dict(load_file(args.init), strict=True)
        model.to(device)
        network = DistributedDataParallel(model) if world > 1 else model
        optimizer = make_optimizer(model)

        x, y = data["train"]
        batch = len(x) if BATCH_SIZE is None else BATCH_SIZE
        if batch % world:
            raise SystemExit(f"the batch size {batch} is not divisible by the {world} processes")
        sampler = DistributedSampler(range(len(x)), num_replicas=world, rank=rank, shuffle=DATA["shuffle"],
                                     seed=SEED)
        loader = torch.utils.data.DataLoader(range(len(x)), batch_size=batch // world, sampler=sampler)
        output = pathlib.Path(args.output)
        if rank == 0:
            output.mkdir(parents=True, exist_ok=True)
            (output / "metrics.jsonl").write_text("")
        step, best, best_state, waited, lr = 0, None, None, 0, OPTIMIZER["lr"]
        metadata = {"netspec": "1", "spec": SPEC, "seed": str(SEED), **(statistics or {})}
        for epoch in range(args.epochs):
            sampler.set_epoch(epoch)
            draws = augmentation_draws(epoch, len(x), tuple(x.shape[1:]))
            started, total, count, sums, elements, terms = time.time(), 0.0, 0, {}, 0, {}
            for index, indices in enumerate(loader):
                lr = learning_rate(epoch, index, len(loader))
                xb, yb = augment(x[indices], indices, draws), y[indices]
                value, prediction, batch_terms = training_step(network, optimizer, model_inputs(xb), yb, lr, precision)
                step += 1
                total += value.item() * len(indices)
                for k, v in batch_terms.items():
                    terms[k] = terms.get(k, 0.0) + v.item() * len(indices)
                count += len(indices)
                batch_sums, n = metric_sums(prediction, yb)
                elements += n
                for k, v in batch_sums.items():
                    sums[k] = sums.get(k, 0.0) + v.item()
            if world > 1:
                reduced = torch.tensor([total, count, elements] + [sums[k] for k in sorted(sums)]
                                       + [terms[k] for k in sorted(terms)], dtype=torch.float64)
                dist.all_reduce(reduced)
                total, count, elements = reduced[0].item(), reduced[1].item(), reduced[2].item()
                sums = {k: reduced[3 + i].item() for i, k in enumerate(sorted(sums))}
                terms = {k: reduced[3 + len(sums) + i].item() for i, k in enumerate(sorted(terms))}
            record = {"epoch": epoch + 1, "step": step, "train_loss": total / max(count, 1)}
            record.update({f"train_loss_{k}": v / max(count, 1) for k, v in terms.items()})
            record.update({f"train_{k}": v / max(elements, 1) for k, v in sums.items()})
            if "validation" in data:
                val_loss, val_metrics = evaluate(model, data["validation"], precision)
                record["val_loss"] = val_loss
                record.update({f"val_{k}": v for k, v in val_metrics.items()})
            seconds = time.time() - started
            record.update(learning_rate=lr, seconds=seconds, samples_per_second=count / max(seconds, 1e-9))
            if rank == 0:
                with open(output / "metrics.jsonl", "a") as f:
                    f.write(json.dumps(record, separators=(",", ":")) + "\n")
                print(" ".join(f"{k} {v:.4g}" if isinstance(v, float) else f"{k} {v}" for k, v in record.items()),
                      flush=True)
            if EARLY_STOPPING:
                value = record.get(MONITORED[EARLY_STOPPING["monitor"]])
                if value is not None and improves(value, best):
                    best, waited = value, 0
                    best_state = {k: v.detach().clone() for k, v in model.state_dict().items()}
                    metadata["epoch"] = str(epoch + 1)
                else:
                    waited += 1
                    if waited >= max(EARLY_STOPPING["patience"], 1):
                        break
            if best_state is None or not EARLY_STOPPING or not EARLY_STOPPING["restore_best"]:
                metadata["epoch"] = str(epoch + 1)
        if EARLY_STOPPING and EARLY_STOPPING["restore_best"] and best_state is not None:
            model.load_state_dict(best_state)
        if "test" in data:
            test_loss, test_metrics = evaluate(model, data["test"], precision)
            if rank == 0:
                shown = " ".join(f"{k} {v:.6f}" for k, v in test_metrics.items())
                print(f"test: loss {test_loss:.6f} {shown}".rstrip(), flush=True)
        if rank == 0:
            weights = {k: v.detach().float().cpu().contiguous() for k, v in model.state_dict().items()}
            save_file(weights, str(output / "weights.safetensors"), metadata=metadata)
            print(f"wrote {output / 'weights.safetensors'}", flush=True)
        if world > 1:
            dist.destroy_process_group()


    if __name__ == "__main__":
        main()
    """#
}
