"""Placeholder for `graphlearn` (Alibaba's GraphLearn sampler; not installable here).

tzrec imports it at module top (tzrec/__init__.py, tzrec/datasets/sampler.py) and only calls it
for samplers. Anything that calls it fails with a PlaceholderError naming the feature.
"""

import sys

from _tzrec_placeholder import make_placeholder_package

make_placeholder_package(
    sys.modules[__name__],
    "graphlearn is not available here: data_config negative_sampler / negative_sampler_v2 / "
    "hard_negative_sampler / tdm_sampler (and TDM models) need Alibaba's GraphLearn; remove the "
    "sampler and use in-batch negatives or negatives built by dbt",
)
