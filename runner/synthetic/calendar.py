"""The month of the competition as day indexes, with the activity rhythm of the real logs.

Day 0 is 2014-11-18, day 30 is 2014-12-18 (the last logged day) and day 31 is
2014-12-19, the day to predict: it is simulated but never written to the logs.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

FIRST_DAY = dt.date(2014, 11, 18)
N_LOG_DAYS = 31
PREDICT_DAY = N_LOG_DAYS  # 2014-12-19
N_SIMULATED_DAYS = N_LOG_DAYS + 1

# Rows per day of the real offline "2w" edition divided by the mean of its normal days
# (rows_per_day_2w.csv of the real-rows fixtures, ../shared/data/real/); index 23 is 12-11, 24 is 12-12 (Double-12).
# 12-19 is unknown: it takes the mean of the last week.
_REAL_ROWS_RATIO = [
    0.945, 0.949, 0.928, 0.876, 0.923, 0.998, 0.992, 0.966, 0.938, 0.953, 0.910,
    0.945, 1.037, 1.028, 1.041, 1.089, 1.029, 0.958, 1.012, 1.054, 1.040, 1.060,
    1.089, 1.305, 1.857, 1.073, 1.076, 1.055, 1.038, 1.014, 0.983,
]  # fmt: skip
ACTIVITY_BY_DAY = np.array(_REAL_ROWS_RATIO + [float(np.mean(_REAL_ROWS_RATIO[24:31]))])

SALE_EVE_DAY = 23  # 2014-12-11: carts pile up before the sale
SALE_DAY = 24  # 2014-12-12

# Share of a day's sessions that start at each hour (mobile Taobao: quiet at night, peak 20-22h).
HOUR_WEIGHTS = np.array(
    [3.0, 1.8, 1.0, 0.6, 0.5, 0.6, 1.0, 1.8, 2.8, 3.6, 4.0, 4.2,
     4.2, 4.2, 4.2, 4.3, 4.3, 4.2, 4.4, 5.0, 5.8, 6.4, 6.5, 5.0]
)  # fmt: skip
HOUR_PROBS = HOUR_WEIGHTS / HOUR_WEIGHTS.sum()


def day_date(day: int) -> dt.date:
    """The calendar date of a day index."""
    return FIRST_DAY + dt.timedelta(days=day)


def time_strings() -> list[str]:
    """`YYYY-MM-DD HH` for every (day, hour) of the logged month, indexed by day * 24 + hour."""
    return [f"{day_date(d).isoformat()} {h:02d}" for d in range(N_LOG_DAYS) for h in range(24)]
