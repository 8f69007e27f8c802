"""The runner's default numbers, each named once (locations live in runner.paths).

The dbt project's own defaults (the validation split's seed `split_seed`, the negative sampling's
`sampling_seed`, the label days, ...) are dbt vars in dbt_project.yml, read by runner.dbt.project_vars.
"""

from __future__ import annotations

# The synthetic month: `generate`, `run` (when data/raw/ is empty), the studies' months, the benchmark's 1x scale.
DEFAULT_USERS = 20_000  # the offline "2w" edition's number of users
DEFAULT_GENERATOR_SEED = 20141219  # the same seed writes the same files

# One training's seed (Python, NumPy and torch in every tzrec process; LightGBM's seed) when none is given.
DEFAULT_TRAINING_SEED = 20141219
# The production recipe (`run`): the config trained once per model seed, their logits averaged.
DEFAULT_MODEL_SEEDS = (1, 2, 3)

# The paired user bootstrap of the study reports (runner.bootstrap).
DEFAULT_BOOTSTRAP_SEED = 20141219

# The two-tower retrieval (`python -m runner retrieve`): items retrieved per user, and the popularity correction
# BETA of score + BETA * log q(item) (runner/tzrec_shims/tzrec_runner_retrieve.py; 0 = none).
DEFAULT_RETRIEVAL_TOP_N = 200
DEFAULT_POPULARITY_CORRECTION = 0.0
# `run --retrieval`: the retrieved items per user joined to the ranking's candidates (the recall study's N).
DEFAULT_CANDIDATE_TOP_N = 10
