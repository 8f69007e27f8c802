"""The command line: `python -m runner <command> --help` documents each command."""

from __future__ import annotations

import argparse
import logging
import re
import sys
import textwrap
from collections.abc import Sequence
from pathlib import Path

from runner.defaults import (
    DEFAULT_CANDIDATE_TOP_N,
    DEFAULT_GENERATOR_SEED,
    DEFAULT_MODEL_SEEDS,
    DEFAULT_POPULARITY_CORRECTION,
    DEFAULT_RETRIEVAL_TOP_N,
    DEFAULT_TRAINING_SEED,
    DEFAULT_USERS,
)
from runner.paths import (
    EVAL_EXPORT,
    EXPERIMENTS_CSV,
    GBDT_RUN_NAME,
    ID_BUCKETS_EXPORT,
    OUTPUTS_DIR,
    PREDICT_EXPORT,
    PROCESSED_DIR,
    PROJECT_ROOT,
    RAW_DIR,
    VALIDATION_EXPORT,
)

log = logging.getLogger("runner")

DESCRIPTION = """\
Tianchi mobile recommendation pipeline: synthetic data, dbt on DuckDB, and TorchEasyRec.

Typical use, from the project root:
  python -m runner generate            # write a calibrated synthetic month to data/raw/
  python -m runner build               # dbt build: staging, profile and every data test
  python -m runner profile             # the data profile beside the real statistics
  python -m runner oracle              # the best F1 any model could expect on 12-19
  python -m runner run                 # the main job: data, dbt build, train, predict, score, submit

One model run, from its predictions (tzrec or any model writing the same layout):
  python -m runner score  --run outputs/production_dcn_v2_v4   # F1 scans, operating point, leaderboard, plot, log
  python -m runner submit --run outputs/production_dcn_v2_v4   # outputs/submission_dcn_v2_v4.tsv

TorchEasyRec models, one experiment at a time (each step reuses the finished steps before it):
  python -m runner train    --config stage2_dcn_v2_v11   # an experiment, configs/experiments/<name>.yml
  python -m runner evaluate --config ...   # tzrec.eval on the eval set
  python -m runner export   --config ...   # TorchScript model for predict
  python -m runner predict  --config ...   # predictions of the eval, predict and validation sets
  python -m runner configs list            # every experiment; configs render|diff|index
  python -m runner retrieve --config stage1_dssm_v1   # two-tower retrieval: each user's top-N items of P

Comparing models on several generated months (docs/guide/evaluation.md#studies):
  python -m runner study                # GBDT and tzrec configs x model seeds x generator seeds, all scored
  python -m runner report               # docs/results/<study>.md and its plot from the study's scores
"""

TZREC_STEPS = {
    "train": (
        "train a TorchEasyRec model on the exports (tzrec.train_eval)",
        "Render the config into outputs/<config stem>/pipeline.config (num_buckets: 0 filled from the "
        "bucket-size file, input paths and model_dir set), check the train and eval data against it, then "
        "train with torchrun and evaluate on the eval set. The model (checkpoints, TensorBoard events, "
        "train_eval_result_v2.txt) goes to outputs/<config stem>/model/, the full tzrec output to "
        "outputs/<config stem>/logs/train.log. A finished training on the same rendered config, data and seed "
        "is reused unless --force.",
    ),
    "evaluate": (
        "evaluate the latest checkpoint on the eval set (tzrec.eval)",
        "Train first if needed (reusing a finished training), then run tzrec.eval on --eval-data; the metrics go "
        "to outputs/<config stem>/model/eval_result.txt and the screen.",
    ),
    "export": (
        "export the trained model as TorchScript (tzrec.export, fp32 embeddings)",
        "Train first if needed (reusing a finished training), then export with QUANT_EMB=0 to "
        "outputs/<config stem>/export/ (scripted_model.pt, pipeline.config, fg.json).",
    ),
    "predict": (
        "score the eval set, the predict set and the validation users (tzrec.predict)",
        "Train and export first if needed (reusing finished steps), then predict the three sets, each a step "
        "of its own that is reused when finished (predict_eval, predict_predict, predict_validation). Each goes "
        "to outputs/<config stem>/predictions/{eval,predict,validation}/part-<rank>.parquet with the columns "
        "logits (float), probs (float, the purchase probability), user_id, item_id, and cutoff_date and "
        "label where the input has them. --force predicts again (it does not retrain: use `train --force`).",
    ),
}


def _add_generate(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "generate",
        help="write a synthetic month of logs in the real file formats",
        description=(
            "Simulate users, items and a browse -> collect/cart -> buy funnel from 2014-11-18 00h to "
            "2014-12-18 23h and write the raw files of the chosen edition. 2014-12-19 is simulated "
            "too, but only its answers (the pairs bought) and the generator's own purchase "
            "probabilities are written, to <out>/answers/, which no training step reads."
        ),
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("--users", type=int, default=DEFAULT_USERS,
                        help="number of users (the offline edition has 20,000)")
    parser.add_argument("--seed", type=int, default=DEFAULT_GENERATOR_SEED,
                        help="random seed; the same seed writes the same files")
    parser.add_argument("--edition", choices=["online", "offline"], default="online",
                        help="online: tab-separated, no header, partA/partB; offline: CSV with header, CRLF")
    parser.add_argument("--out", type=Path, default=RAW_DIR, help="folder for the raw files")
    parser.add_argument("--no-progress", action="store_true", help="hide the progress bar")


def _add_scale(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--scale", default="auto", metavar="NAME",
                        help="settings for the data's size, configs/scales/<NAME>.yml: default (about 20,000 users) "
                        "or online (about 1 million); auto picks online from 10 GB of behaviour files "
                        "(docs/guide/scaling.md)")


def _add_build(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "build",
        help="dbt build: staging, intermediate, profile models and all data tests",
        description="Run `dbt build` on the raw files (vars edition and raw_dir select them).",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("--edition", choices=["online", "offline"], default="online", help="raw file edition")
    parser.add_argument("--raw-dir", type=Path, default=RAW_DIR, help="folder holding the raw files")
    parser.add_argument("--select", default=None, help="dbt node selection (default: everything)")
    _add_scale(parser)


def _add_profile(commands: argparse._SubParsersAction) -> None:
    commands.add_parser(
        "profile",
        help="print the data profile and calibration statistics beside the real values",
        description="Reads the profile models of the last `build` from the DuckDB file and prints them.",
    )


def _add_oracle(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "oracle",
        help="best expected F1 on 12-19 from the generator's latent probabilities",
        description=(
            "Ranks the generator's (user, P item) purchase probabilities for 12-19, picks the number of "
            "pairs that maximises the expected F1, and prints it beside the observed F1 of that same "
            "submission. An upper bound: it knows latent intent that no log shows. With --submission, also "
            "where a submission's ranking parts from the oracle's: its pairs against the oracle's top pairs of the "
            "same number, as the pairs both chose, the submission's alone and the oracle's alone, each with its "
            "12-19 hits, hit rate and the hit rate the generator's probabilities expected."
        ),
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("--raw-dir", type=Path, default=RAW_DIR, help="folder holding answers/")
    parser.add_argument("--submission", type=Path, action="append", default=[], metavar="TSV",
                        help="a submission (user_id<TAB>item_id, no header), e.g. a run's submission.tsv or "
                             "outputs/submission_<model>.tsv, to set beside the oracle's list; repeat for several")


def _add_run(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "run",
        help="the main job: data -> dbt build -> train -> export -> predict -> score -> submit",
        description=(
            "Everything from the raw files to a checked submission, each stage reusing what is already done:\n"
            "  1. data      the raw files in --raw-dir, of the edition found there (--edition chooses); the default "
            "synthetic month is generated only into a folder with no raw file\n"
            "     with --retrieval: the retrieval exports, then the two-tower experiment's top N items per user at "
            "every cutoff (`retrieve`, in outputs/<name>/), which the build joins to the candidates\n"
            "  2. build     `dbt build`: staging, features, exports, data and unit tests (reused while the raw files, "
            "the dbt project and the exports are as the last build left them)\n"
            "  3. profile   the data profile beside the real statistics\n"
            "  4. train     the production tzrec config (--config), evaluated on the validation users "
            "(data/processed/validation.parquet), never on the eval day\n"
            "  5. export    the TorchScript model\n"
            "  6. predict   the eval day (data/processed/eval.parquet), the predict day and the validation users\n"
            "     (4-6 once per --model-seeds seed, in outputs/model_seeds/m<S>/<stem>/; then the mean of their "
            "logits becomes the run outputs/<stem>/ that is scored and submitted)\n"
            "     with --blend-gbdt: the GBDT reference once per seed too (outputs/model_seeds/m<S>/gbdt_v1/, "
            "averaged into outputs/gbdt_v1/),\n"
            "     and the mean logit of the GBDT and the tzrec run, outputs/<stem>_gbdt_blend/, is what is scored "
            "and submitted\n"
            "  7. score     F1 scans on the eval day, the operating point, the 12-19 leaderboard where answers "
            "exist; the plot and a docs/experiments.csv row (see `score --help`)\n"
            "  8. submit    outputs/submission_<model>_<version>.tsv, format-checked\n"
            "A summary ends the run: the eval-day F1 and operating point, the leaderboard F1 beside the cart rule "
            "and the oracle bound (on generated data, also how many submitted pairs the oracle's list of the same "
            "length shares), the files written and the time of each stage. A finished training, export or "
            "prediction on the same inputs is reused (`python -m runner train --config ... --force` retrains)."
        ),
        formatter_class=_RawStepHelpFormatter,
    )
    parser.add_argument("--users", type=int, default=DEFAULT_USERS, help="users to generate when data is missing")
    parser.add_argument("--seed", type=int, default=DEFAULT_GENERATOR_SEED, help="generator seed when data is missing")
    parser.add_argument("--raw-dir", type=Path, default=RAW_DIR, help="folder holding the raw files")
    parser.add_argument("--edition", choices=["online", "offline"], default=None,
                        help="raw file edition (default: the one whose files --raw-dir holds; online when a month "
                        "is generated)")
    parser.add_argument("--config", type=Path, default=None,
                        help="experiment (name or file) or tzrec config to train (default: the production "
                        "experiment, the one production_* experiment not retired)")
    parser.add_argument("--nproc", type=int, default=1, help="torchrun processes (--nproc-per-node)")
    parser.add_argument("--model-seeds", type=int, nargs="+", default=None,
                        help="train the config once per seed and submit the mean of their logits (one seed: a "
                             f"single run in outputs/<stem>/); default: the scale's, else {list(DEFAULT_MODEL_SEEDS)}")
    parser.add_argument("--tzrec-python", default=None,
                        help="Python interpreter with tzrec installed (default: $TZREC_PYTHON, else "
                        ".venv-tzrec/bin/python)")
    parser.add_argument("--experiments", type=Path, default=EXPERIMENTS_CSV,
                        help="experiments log the score appends to")
    parser.add_argument("--blend-gbdt", action="store_true",
                        help="submit the mean logit of the tzrec run and the GBDT reference (trained once per "
                        "model seed): above both on the months that decided it, +0.002 F1 over the GBDT "
                        "(docs/decisions.md#blend-the-gbdt-with-the-tzrec-model)")
    parser.add_argument("--retrieval", type=Path, default=None, metavar="EXPERIMENT",
                        help="a two-tower experiment (e.g. stage1_dssm_v1) retrieves every user's top items first, "
                        "joined to the touched pairs as candidates (off by default; "
                        "docs/guide/models.md#retrieved-pairs-as-ranking-candidates)")
    parser.add_argument("--retrieval-top-n", type=int, default=DEFAULT_CANDIDATE_TOP_N, metavar="N",
                        help="with --retrieval: retrieved items per user joined to the candidates")
    _add_scale(parser)


def _add_run_selection(parser: argparse.ArgumentParser) -> None:
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--run", type=Path, help="the run folder, e.g. outputs/production_dcn_v2_v4 or outputs/gbdt_v1")
    which.add_argument("--config", type=Path, help="an experiment or tzrec config: its run folder is "
                       "outputs/<name>/")
    parser.add_argument("--outputs", type=Path, default=OUTPUTS_DIR,
                        help="folder holding the run folders (with --config)")


def _add_score(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "score",
        help="score a run's predictions: F1 scans, operating point, leaderboard, plot, experiments row",
        description=(
            "Score one model run from its predictions, <run>/predictions/eval/*.parquet and "
            "<run>/predictions/predict/*.parquet (columns probs, user_id, item_id, cutoff_date, and label for "
            "eval: what `predict` writes, and what any other model must write).\n\n"
            "Runs the dbt scoring models (models_sql/evaluation/scoring, `dbt build --select tag:scoring` with "
            "var predictions_dir) into the project's DuckDB file, after the main `build`:\n"
            "  - on the eval day, precision, recall, F1 and pairs for a grid of probability thresholds and of "
            "top-K sizes, after a per-user cap, against every purchase of the day (a purchase outside the "
            "candidates is a miss: the competition's F1);\n"
            "  - the operating point, the best F1 of the eval day, carried to the predict day by var "
            "operating_point_rule (default top_k_share_smoothed; every rule: "
            "docs/guide/evaluation.md#the-operating-point); the predict day's labels are never read;\n"
            "  - the submission at that point, and the leaderboard: that submission against the 12-19 answers "
            "where they exist (generated data).\n"
            "Grids, cap and rule are dbt vars (dbt_project.yml: score_*, operating_point_rule); --var overrides "
            "them for one scoring.\n\n"
            "Prints the F1 table (best threshold, best top-K, the seed plan's settings, the chosen point, the cart "
            "rule; on 12-19 the submission, the cart rule and the oracle bound where answers exist), writes "
            "<run>/f1_scan.png and appends a row to the experiments log. A run outside tzrec may describe itself "
            "there with <run>/run_info.json (keys stage, model, features, params, notes, auc, train_seconds)."
        ),
        formatter_class=_RawStepHelpFormatter,
    )
    _add_run_selection(parser)
    parser.add_argument("--raw-dir", type=Path, default=RAW_DIR,
                        help="folder of the raw files; its answers/ gives the oracle bound")
    parser.add_argument("--experiments", type=Path, default=EXPERIMENTS_CSV, help="experiments log to append to")
    parser.add_argument("--notes", default=None, help="free text for the notes column of the experiments log")
    _add_scale(parser)
    parser.add_argument("--var", action="append", default=[], metavar="NAME=VALUE",
                        help="override one scoring var of dbt_project.yml for this scoring, VALUE read as YAML "
                        "(repeatable), e.g. --var score_max_pairs_per_user=3 or --var operating_point_rule=threshold; "
                        "the experiments row's notes name the overrides, and a later `submit` writes what this "
                        "scoring chose")


def _add_submit(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "submit",
        help="write a scored run's submission TSV (outputs/submission_<model>_<version>.tsv)",
        description=(
            "Write the dbt `submission` model of a run as the competition's file: user_id<TAB>item_id, no header, "
            "no duplicate pair, every item in P. The file is read back and checked; a breach stops with the lines at "
            "fault. The run is scored first (as `score` does, without the table, plot or log) unless the database "
            "already holds its scoring, newer than its prediction files. The name comes from the run name "
            "<stage>_<model>_<version>: outputs/production_dcn_v2_v4 gives submission_dcn_v2_v4.tsv beside the run "
            "folder."
        ),
        formatter_class=_StepHelpFormatter,
    )
    _add_run_selection(parser)
    parser.add_argument("--out", type=Path, default=None,
                        help="the file to write (default: <run folder's parent>/submission_<model>_<version>.tsv)")
    parser.add_argument("--rescore", action="store_true", help="score the run again even if the database holds it")


class _StepHelpFormatter(argparse.ArgumentDefaultsHelpFormatter):
    """Shows defaults, but not empty ones, and paths relative to the project root."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        if action.default in (None, False) or action.required:
            return action.help
        if isinstance(action.default, Path):
            try:
                return f"{action.help} (default: {action.default.relative_to(PROJECT_ROOT)})"
            except ValueError:
                pass
        return super()._get_help_string(action)


class _RawStepHelpFormatter(_StepHelpFormatter):
    """_StepHelpFormatter that keeps the description's lines and indents, wrapping a long line under itself
    (a list item "  - text" or "  1. name  text" wraps under its text)."""

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        lines = []
        for line in text.splitlines():
            if not line.strip():
                lines.append("")
                continue
            lead = re.match(r"^(\s*\d+\.\s+\S+\s+|\s*- |\s*)", line)[0]
            lines.append(textwrap.fill(line[len(lead):], width, initial_indent=indent + lead,
                                       subsequent_indent=indent + " " * len(lead)))
        return "\n".join(lines)


def _add_tzrec_step(commands: argparse._SubParsersAction, name: str) -> None:
    help_text, description = TZREC_STEPS[name]
    parser = commands.add_parser(
        name, help=help_text, formatter_class=_StepHelpFormatter,
        description=description + (
            " Before anything is launched, every feature of the config is checked against the Parquet columns "
            "(names, types, ids inside their buckets, labels and reserved columns). Seeds are fixed (--seed): two "
            "runs on the same inputs give the same metrics."
        ),
    )
    parser.add_argument("--config", type=Path, required=True,
                        help="an experiment, by name (stage2_dcn_v2_v11) or file (configs/experiments/<name>.yml), "
                        "or a whole tzrec pipeline config; its name (the file's stem) names the run folder")
    parser.add_argument("--nproc", type=int, default=1, help="torchrun processes (--nproc-per-node)")
    parser.add_argument("--tzrec-python", default=None,
                        help="Python interpreter with tzrec installed (default: $TZREC_PYTHON, else "
                        ".venv-tzrec/bin/python)")
    parser.add_argument("--force", action="store_true",
                        help=f"run the {name} step again even when a finished one matches")
    parser.add_argument("--train-data", type=Path, default=None,
                        help="training Parquet (a file, a folder of *.parquet or a glob); default: the training "
                        "export the config's train_input_path names, data/processed/train.parquet (negatives "
                        "sampled) or data/processed/train_all_negatives.parquet")
    parser.add_argument("--eval-data", type=Path, default=EVAL_EXPORT,
                        help="evaluation Parquet (labelled)")
    if name == "predict":
        parser.add_argument("--predict-data", type=Path, default=PREDICT_EXPORT,
                            help="Parquet to score (no label needed)")
        parser.add_argument("--validation-data", type=Path, default=VALIDATION_EXPORT,
                            help="labelled Parquet of the held-out users of the training label days, scored into "
                            "predictions/validation/ (what operating_point_rule top_k_share_pooled pools with the "
                            "eval day)")
    parser.add_argument("--buckets", type=Path, default=ID_BUCKETS_EXPORT,
                        help="bucket-size file (feature_name, num_buckets) that fills `num_buckets: 0`")
    parser.add_argument("--outputs", type=Path, default=OUTPUTS_DIR,
                        help="folder holding the run folders (<outputs>/<config stem>/)")
    parser.add_argument("--seed", type=int, default=DEFAULT_TRAINING_SEED,
                        help="seed of Python, NumPy and torch in every process")


def _add_retrieve(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "retrieve",
        help="two-tower retrieval (DSSM, MIND): train, export both towers, embed, each user's top-N items",
        description=(
            "For a two-tower experiment (configs/experiments/stage1_*.yml): train it on the retrieval exports "
            "(data/processed/retrieval_train.parquet, evaluated on retrieval_validation.parquet), export the user "
            "and the item tower, embed every user and every P item of each split's cutoff "
            "(retrieval_{user,item}_<split>.parquet) and retrieve each user's top-N items by similarity, exactly. "
            "Writes outputs/<name>/retrieved/<split>/part-0.parquet (user_id, item_id, cutoff_date, recall_score, "
            "recall_rank, retriever, training_fold); dbt reads it back with --vars "
            "'{retrieval_runs: [outputs/<name>]}' (the recall tables) or, with --splits train eval predict, as "
            "ranking candidates with --vars '{retrieval_candidate_runs: [outputs/<name>], "
            "retrieval_candidate_top_n: N}'. Finished steps are reused. Guide: "
            "docs/guide/models.md#two-tower-retrieval."
        ),
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("--config", type=Path, required=True,
                        help="a two-tower experiment, by name (stage1_dssm_v1) or file")
    parser.add_argument("--top-n", type=int, default=DEFAULT_RETRIEVAL_TOP_N, help="items retrieved per user")
    parser.add_argument("--splits", nargs="+", default=["eval", "predict"], choices=["train", "eval", "predict"],
                        help="the cutoffs to retrieve for: the eval day's and the predict day's (by the run's "
                        "retriever, trained on every training user), and train: every training cutoff, out of fold "
                        "(two more retrievers in <outputs>/<name>/folds/fold_<k>/, each trained on one half of the "
                        "training users and retrieving for the other half), for retrieval candidates "
                        "(dbt vars retrieval_candidate_runs, retrieval_candidate_top_n)")
    parser.add_argument("--popularity-correction", type=float, default=DEFAULT_POPULARITY_CORRECTION,
                        metavar="BETA", help="add BETA * log q(item) to every score, q the item's share of the "
                        "training rows (1: the logQ correction of in-batch negatives; 0: none)")
    parser.add_argument("--benchmark", action="store_true",
                        help="retrieve again and print each retrieval's time and peak memory")
    parser.add_argument("--force", action="store_true", help="retrieve again (earlier finished steps are reused)")
    parser.add_argument("--retrain", action="store_true", help="train again, and so every later step")
    parser.add_argument("--processed-dir", type=Path, default=PROCESSED_DIR, help="folder of the retrieval exports")
    parser.add_argument("--buckets", type=Path, default=None,
                        help="bucket-size file that fills `num_buckets: 0` (default: "
                        "<processed-dir>/id_buckets.parquet)")
    parser.add_argument("--outputs", type=Path, default=OUTPUTS_DIR, help="folder holding the run folders")
    parser.add_argument("--nproc", type=int, default=1, help="torchrun processes for training and embedding")
    parser.add_argument("--seed", type=int, default=DEFAULT_TRAINING_SEED,
                        help="seed of Python, NumPy and torch in every process")
    parser.add_argument("--tzrec-python", default=None,
                        help="Python interpreter with tzrec installed (default: $TZREC_PYTHON, else "
                        ".venv-tzrec/bin/python)")


def _add_baseline(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "baseline",
        help="train a reference model on the same exports (gbdt: LightGBM)",
        description=(
            "gbdt: LightGBM on every dense column of data/processed/train.parquet (the id codes and sequences "
            "are left out: trees memorise ids), early-stopped on validation.parquet (held-out users of the "
            "training days, never the eval day). It writes outputs/<name>/predictions/{eval,predict,validation}/ "
            "in the "
            "layout of a tzrec run, plus model.txt, feature_importance.csv and run.json; then "
            "`python -m runner score --run outputs/<name>` and `submit` treat it like any tzrec run."
        ),
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("model", choices=["gbdt"], help="the reference model")
    parser.add_argument("--name", default=GBDT_RUN_NAME, help="run folder name under outputs/")
    parser.add_argument("--processed-dir", type=Path, default=PROCESSED_DIR, help="folder of the exports")
    parser.add_argument("--outputs", type=Path, default=OUTPUTS_DIR, help="folder holding the run folders")
    parser.add_argument("--learning-rate", type=float, default=0.05, help="LightGBM learning_rate")
    parser.add_argument("--num-leaves", type=int, default=31, help="LightGBM num_leaves")
    parser.add_argument("--seed", type=int, default=DEFAULT_TRAINING_SEED, help="LightGBM seed (deterministic mode)")
    parser.add_argument("--score", action="store_true", help="score the run right after training")


def _add_benchmark(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "benchmark",
        help="`dbt build` at several data scales, each against DuckDB's floor on the same files",
        description=(
            "For each scale (a multiple of the default 20,000 users) generate data once under data/bench/<scale>x/ "
            "(kept for the next benchmark), measure DuckDB's floor on it (one scan and one `group by user, item, "
            "day` written to Parquet), then run `dbt build` (every model and test) from scratch into a DuckDB "
            "file of its own with the --scale settings (deleted once measured; the data is kept), and print wall "
            "time, the build as a multiple of the floor, "
            "raw rows per second, peak resident memory, peak disk and the slowest models, then the ratio of seconds "
            "per raw row between the largest and the smallest scale (near 1: the cost grows like the data). "
            "docs/guide/scaling.md has the measured curve."
        ),
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("--scales", type=float, nargs="+", default=[1.0, 5.0], help="multiples of 20,000 users")
    parser.add_argument("--scale", default="online", metavar="NAME",
                        help="the build settings of every scale, configs/scales/<NAME>.yml (the same for all, so "
                        "the curve compares like with like)")
    parser.add_argument("--raw-dir", type=Path, default=None,
                        help="measure the month already in this folder (one --scales value, its size in default "
                        "months), e.g. the online files, instead of generating one")
    parser.add_argument("--floor-only", action="store_true", help="measure DuckDB's floor alone")


def _add_ensemble(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "ensemble",
        help="average the predictions of several runs into a new run",
        description=(
            "Writes outputs/<name>/predictions/{eval,predict}/ (and validation/ when every member has it) with "
            "the member runs' combined score per "
            "(cutoff, user, item): by default the mean logit, turned back into a probability (members of "
            "different model families are calibrated differently; the mean logit ranked better on every "
            "ensemble of the study's eval days), or the mean probability. The members must have predicted "
            "the same exports. Score it like any run."
        ),
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("--runs", type=Path, nargs="+", required=True, help="member run folders (outputs/<run>)")
    parser.add_argument("--name", required=True, help="the ensemble's run folder name, e.g. stage2_ensemble_v1")
    parser.add_argument("--combine", choices=("logit", "probability"), default="logit",  # ensemble.COMBINE_RULES
                        help="how the members' scores are averaged: mean logit or mean probability")
    parser.add_argument("--outputs", type=Path, default=OUTPUTS_DIR, help="folder holding the run folders")


def _add_contracts(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "contracts",
        help="regenerate models_sql/exports/_exports__models.yml (and _exports__docs.md) from the built exports",
        description=(
            "After changing a feature: `dbt build --select +exports --vars '{enforce_export_contracts: false}'`, "
            "then this command, then review the diff. It writes every export column with its type and its tests "
            "to _exports__models.yml, and its description, from the naming convention, once per column as a dbt "
            "doc block to _exports__docs.md."
        ),
    )
    parser.add_argument("--processed-dir", type=Path, default=PROCESSED_DIR,
                        help="folder of the built exports to read (a scratch build's processed_dir var)")


def _add_configs(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "configs",
        help="list, render and compare the tzrec experiments (configs/experiments/)",
        description=(
            "An experiment (configs/experiments/<name>.yml) is a family base (configs/base/<family>.config), a "
            "feature selection over the export contract and a few changes in tzrec's --edit_config_json syntax. "
            "These commands show what it renders to. Guide: docs/guide/models.md."
        ),
        formatter_class=_StepHelpFormatter,
    )
    actions = parser.add_subparsers(dest="configs_command", required=True, metavar="ACTION")
    actions.add_parser("list", help="every experiment: name, base chain, description, studies that ran it")
    render = actions.add_parser("render", help="print (or write) an experiment's whole pipeline config",
                                formatter_class=_StepHelpFormatter)
    render.add_argument("name", help="the experiment, e.g. stage2_dcn_v2_v11 (or its file)")
    render.add_argument("--out", type=Path, default=None, help="write it to this file instead of printing it")
    diff = actions.add_parser("diff", help="unified diff of two experiments' rendered configs",
                              formatter_class=_StepHelpFormatter)
    diff.add_argument("a", help="the experiment to compare from, e.g. stage2_dcn_v2_v11")
    diff.add_argument("b", help="the experiment to compare to, e.g. stage2_dcn_v2_v12")
    index = actions.add_parser("index", help="write configs/INDEX.md (changes, studies, results, decisions)",
                               formatter_class=_StepHelpFormatter)
    index.add_argument("--out", type=Path, default=PROJECT_ROOT / "configs" / "INDEX.md", help="the page to write")
    for action in (render, diff):
        action.add_argument("--tzrec-python", default=None,
                            help="Python interpreter with tzrec installed (default: $TZREC_PYTHON, else "
                            ".venv-tzrec/bin/python)")


STUDY_FILE = PROJECT_ROOT / "configs" / "studies" / "three_seeds.yml"


def _add_study(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "study",
        help="every model of a study file on several generated months (the runs behind docs/results/<study>.md)",
        description=(
            "For each generator seed of the study file: generate the month (data/ for the default seed, "
            "data/seed_<G>/ otherwise) and dbt build it if its exports are missing or stale; train the GBDT "
            "reference (once per LightGBM seed when the file gives `gbdt: {name: ..., seeds: [...]}`, the "
            "reference being their average) and every tzrec config once per model seed; average (mean logit) "
            "each config's model seeds and the study's ensembles; score every run under every operating-point "
            "rule (top_k_share_smoothed, top_k_share, expected_f1, expected_f1_platt, top_k_share_pooled: "
            "docs/guide/evaluation.md#the-operating-point) and write "
            "<run>/study_score.json under outputs/study/seed_<G>/. The log gives each newly scored run's eval-day "
            "F1 and AUC only: the 12-19 F1 waits in the score file for the report, so that a screen is decided "
            "on the eval day without a glance at 12-19. Finished steps are reused, so an interrupted "
            "study resumes, and a score file that lacks a rule added since gains it on the next run. Then "
            "`python -m runner report --study <file>` writes docs/results/<study>.md. A variant study file "
            "(`variant: <name>` and `dbt_vars: {...}`, e.g. configs/studies/negative_keep_1.yml) builds the same "
            "months with those dbt vars (`dbt_vars: {}`: the project's own, for exports the base study's "
            "predate, e.g. configs/studies/multi_task.yml) under data/variants/<name>/ and writes its runs under "
            "outputs/study_variants/<name>/, apart from the base study. Guide: docs/guide/evaluation.md#studies."
        ),
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("--study", type=Path, default=STUDY_FILE, help="the study file")
    parser.add_argument("--only-seed", type=int, nargs="+", default=None,
                        help="run only these generator seeds of the study")


def _add_report(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "report",
        help="write docs/results/<study>.md and its plot from the study's scores",
        description=(
            "Reads every study_score.json of the study (outputs/study/**, or outputs/study_variants/<name>/** for a "
            "variant study; python -m runner study) and writes the results page docs/results/<study file name>.md "
            "and its plot <page name>_f1.png beside it: "
            "per generator seed and model, eval-day and 12-19 F1, precision, recall, pairs, exact eval-day AUC, "
            "training time and peak memory; mean and spread across seeds; the candidate-recall ceiling; the "
            "target check with a paired user bootstrap of the judged tzrec model's 12-19 F1 minus the "
            "GBDT's, then the same for every other seed average, ensemble and blend; one plot of the judged tzrec "
            "model, the GBDT, the blend, the cart rule and the oracle bound per month. The base study's "
            "page then judges the same target over every study on its months "
            "(the base study and each variant study file beside --study): the tzrec model and the GBDT reference "
            "with the best mean eval-day F1 of any study. The page is generated whole; it links docs/decisions.md "
            "for what was decided from it."
        ),
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("--study", type=Path, default=STUDY_FILE, help="the study file the scores came from")
    parser.add_argument("--out", type=Path, default=None,
                        help="the page to write (when not given: docs/results/<study file name>.md)")
    parser.add_argument("--replot", type=Path, default=None, metavar="PAGE",
                        help="redraws a page's plot from the figures on the page, for pages whose study outputs are "
                             "gone (writes <page name>_f1.png beside it; reads no scores, ignores --study and --out)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m runner", description=DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for add in (_add_generate, _add_build, _add_profile, _add_oracle, _add_run):
        add(commands)
    for name in TZREC_STEPS:
        _add_tzrec_step(commands, name)
    for add in (_add_retrieve, _add_score, _add_submit, _add_baseline, _add_ensemble, _add_study, _add_report,
                _add_benchmark, _add_contracts, _add_configs):
        add(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        datefmt="%H:%M:%S",
    )
    from runner import commands, processes  # imported late so that --help stays instant

    processes.install_stop_handlers()
    try:
        code = commands.dispatch(args)
        processes.raise_if_stopped()  # a stop that came at the very end
        return code
    except (FileNotFoundError, ValueError, RuntimeError) as error:
        log.error("%s", error)
        return 1
    except (processes.Stopped, KeyboardInterrupt) as stop:
        name = stop.signal_name if isinstance(stop, processes.Stopped) else "SIGINT (Ctrl-C)"
        stopped = "; ".join(processes.STOPPED) or "no child process was running"
        log.error("python -m runner %s stopped by %s. Stopped: %s. Finished steps are kept: run the same "
                  "command again to go on from them (docs/guide/troubleshooting.md#stopped-runs).",
                  args.command, name, stopped)
        signum = stop.signum if isinstance(stop, processes.Stopped) else 2
        return 128 + signum


if __name__ == "__main__":
    sys.exit(main())
