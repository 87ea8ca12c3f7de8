/// The exported project's README.md and requirements.txt.
enum TorchProjectText {
  /// The versions the interop checks run (`.ci/requirements-interop.txt`).
  static let requirements = """
    # The versions `netspec export --format pytorch` was checked with.
    torch==2.15.0
    numpy==2.4.6
    safetensors==0.8.0

    """

  static func readme(spec: String, trains: Bool) -> String {
    var text = """
      # \(spec), exported from NetSpec

      Written by `netspec export --format pytorch` (see NetSpec's docs/SCALING.md).

      - `model.py`: the model as a `torch.nn.Module`. Its `state_dict` names and layouts are
        NetSpec's safetensors names, so weights move both ways:
        `model.load_state_dict(safetensors.torch.load_file("weights.safetensors"), strict=True)`.
      - `init.safetensors`: the weights training starts from: NetSpec's initialization for the
        spec's seed (what `netspec train` starts from), or the file given to `--weights`.

      """
    if trains {
      text += """
        - `train.py`: the spec's loss, optimizer, weight decay, schedule, clipping, early
          stopping, metrics, augmentation and data splits.

        ## Train

            pip install -r requirements.txt
            python train.py                                  # one process, the GPU if there is one
            torchrun --nproc_per_node=4 train.py             # 4 processes (DDP; NCCL on GPUs, Gloo on CPUs)
            torchrun --nnodes=2 --nproc_per_node=8 --rdzv-backend=c10d \\
                --rdzv-endpoint=HOST:29500 train.py          # on each of 2 machines
            python train.py --amp                            # bf16 autocast (fp16 on GPUs without bf16), CPUs too

        `batch_size` is the global batch: each of N processes takes `batch_size / N` samples per
        step. The validation and test splits are the samples `netspec train` holds out (the
        same generator and seed). Augmentations are the spec's kinds drawn by NumPy, not
        NetSpec's draws; dropout masks are PyTorch's.

        Nothing large is copied: the data files are read where the spec names them, relative
        to `DATA_DIR` in train.py (the spec's folder at export time); `--data-dir DIR` reads
        them from another folder with the same layout.

        The run writes `run/weights.safetensors` (NetSpec's names and metadata) and
        `run/metrics.jsonl` (NetSpec's metrics log format); `-o DIR` chooses the folder. Back
        in NetSpec:

            netspec eval SPEC --weights run/weights.safetensors
            netspec compile SPEC -o Generated
            netspec train SPEC --init-from run/weights.safetensors

        """
    } else {
      text += """

        The spec has no `train:` section, so there is no train.py.

        """
    }
    return text
  }
}
