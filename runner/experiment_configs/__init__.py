"""Experiment configs: a family base, a feature selection over the export contract, and a few changes.

    configs/base/<family>.config         a whole tzrec pipeline config per model family, without features
    configs/experiments/<name>.yml       one experiment: description, base (a family or another
                                         experiment), features, changes, decision
    models_sql/exports/_exports__models.yml   the export contract: which columns exist

Rendering an experiment walks its base chain to the family base, generates feature_configs and the
feature groups' members from the contract's columns and the merged feature selection, then applies
every `changes:` entry with tzrec's own `edit_config` (the `--edit_config_json` syntax) inside the
tzrec interpreter. The runner renders the result into outputs/<name>/pipeline.config as it renders a
whole config (num_buckets, input paths, model_dir).

Modules (imports go down this list only):
    contract     the export contract's columns, each with its kind (id, dense, bin, ...) and side
    features     a feature selection -> feature_configs and feature-group members
    experiment   experiment files: reading, base chains, names, the production experiment, render specs
    render       one tzrec-interpreter call that renders many experiments; unified diffs
    index        what `configs list` prints and configs/INDEX.md (studies, results, decisions)
    command      the `python -m runner configs` subcommand

The guide: docs/guide/models.md.
"""
