"""Placeholder for `common_io` (Alibaba's MaxCompute table reader; not installable here).

tzrec imports it in tzrec/datasets/odps_dataset_v1.py. Anything that calls it fails with a
PlaceholderError naming the feature.
"""

import sys

from _tzrec_placeholder import make_placeholder_package

make_placeholder_package(
    sys.modules[__name__],
    "common_io is not available here: dataset_type OdpsDatasetV1 reads MaxCompute tables through "
    "Alibaba's common_io; use `dataset_type: ParquetDataset` over the dbt exports",
)
