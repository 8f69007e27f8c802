"""Launching TorchEasyRec (tzrec) from the runner: train, evaluate, export and predict.

tzrec lives in its own environment (.venv-tzrec: torch, protobuf < 5) and runs as a subprocess:

    <tzrec python> -m torch.distributed.run --standalone --nnodes=1 --nproc-per-node=N \
        -m tzrec_runner_entry tzrec.<module> ARGS

with `runner/tzrec_shims/` as its only PYTHONPATH entry (placeholders for Alibaba's closed `pyfg`,
`graphlearn`, `common_io`, the seeding entry point and the config helper).

Modules:
    interpreter  where the tzrec Python is, and the environment a tzrec process gets
    config       rendering an experiment or a whole config into a run folder (num_buckets, input paths,
                 model_dir)
    preflight    checking the Parquet exports against a config before anything is launched
    launch       one torchrun step: log file, live summary, clear failure
    runfolder    the layout of outputs/<config stem>/ and the "finished step" records
    steps        train / evaluate / export / predict, reusing finished steps
"""
