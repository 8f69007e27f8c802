"""Placeholder for `pyfg`, Alibaba's closed C++ feature generator (not installable here).

tzrec imports it at module top; with `data_config { fg_mode: FG_NONE }` it is never called.
Anything that does call it fails with a PlaceholderError naming the feature. Note: the PyPI
package called `pyfg` is an unrelated FortiGate client; never install it.
"""

import sys

from _tzrec_placeholder import make_placeholder_package

make_placeholder_package(
    sys.modules[__name__],
    "pyfg is not available here: fg_mode FG_DAG/FG_NORMAL/FG_BUCKETIZE, vocab_file, tokenize "
    "features, custom (operator_lib_file) features, use_mask without fg_encoded_default_value "
    "and the dynamicemb tools need Alibaba's closed feature generator; use "
    "`data_config { fg_mode: FG_NONE }` with every feature already encoded as a column (dbt does it)",
)
