"""Every knob of the synthetic behaviour model, in one place.

The defaults are calibrated so that 20,000 users reproduce the real month's published statistics
(dbt_project/seeds/calibration_targets.csv; the measured table and the command that made it:
docs/guide/data.md#calibration-at-the-default-scale).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class WorldParams:
    """Catalog and population."""

    n_categories: int = 9557
    n_p_categories: int = 1054
    # Catalog size at 20,000 users; it grows with the square root of the user count.
    items_at_default_scale: int = 6_000_000
    p_share_in_p_categories: float = 0.8  # the rest of a P category's items are outside P
    p_item_located_share: float = 0.3  # P items with at least one offline location
    n_cities: int = 40
    never_buyer_share: float = 0.2
    activity_sigma: float = 0.9  # lognormal spread of user activity
    buy_propensity_sigma: float = 0.7
    p_affinity_mean: float = 0.22  # share of a user's new interests that go to P categories
    n_favourite_categories: int = 6
    n_favourite_p_categories: int = 3
    linked_category_share: float = 0.3  # non-P categories whose buyers go on to a P service


@dataclass(frozen=True)
class BehaviourParams:
    """The browse -> collect / cart -> buy funnel, one day at a time."""

    # New (user, item) interests per user per day, times the user's activity and the day's rhythm.
    new_interests_per_day: float = 5.7
    favourite_share: float = 0.65  # interests drawn from favourites rather than global popularity
    # A new interest bought the same day it starts (no earlier trace); times the user's propensity.
    direct_buy_p: float = 0.0085
    direct_buy_other: float = 0.012
    # Daily purchase hazard of a live interest: intent * decay^(age-1) * multipliers.
    intent_p: float = 0.0012
    intent_other: float = 0.0028
    intent_sigma: float = 1.6
    zeal_visibility: float = 0.35  # how strongly a keen interest shows in clicks, collects, carts
    intent_decay: float = 0.93
    touched_yesterday_boost: float = 0.5
    cart_boost_p: float = 30.0  # scaled by the hour of the last cart (late-evening carts convert more)
    cart_boost_other: float = 10.0
    collect_boost: float = 2.0
    local_boost: float = 1.5  # P services near the user's home
    # Revisits of a live interest on a later day (clicks), before it is bought or dropped.
    revisit_base: float = 0.12
    revisit_intent_gain: float = 30.0
    revisit_decay: float = 0.85
    drop_per_day: float = 0.2
    drop_per_day_carted: float = 0.12
    max_age_days: int = 21
    # What one touched (user, item) day holds.
    clicks_mean: float = 3.6
    clicks_dispersion: float = 1.2
    collect_p: float = 0.07
    cart_p_new_p: float = 0.04
    cart_p_new_other: float = 0.12
    cart_p_revisit_p: float = 0.04
    cart_p_revisit_other: float = 0.1
    extra_buy_rows_mean: float = 0.4  # two buys of one pair in a day are two orders
    direct_buy_without_clicks: float = 0.3
    # Non-P purchases in a linked category lead to a P service in the following days.
    linked_follow_p: float = 0.35
    linked_buy_p: float = 0.5
    # The 12-11 / 12-12 sale.
    sale_eve_cart_boost: float = 1.8
    sale_hazard_boost: float = 3.5
    sale_direct_boost: float = 2.0
    # New interests follow the real daily row counts raised to this power: revisits do not rise
    # with a sale, so new interests must rise more for the rows to match.
    activity_exponent: float = 1.4
    # Geohash: a user shares a location on a Beta(a, a) share of their rows.
    geo_share_beta: float = 0.5
    geo_home_share: float = 0.7
    geo_near_share: float = 0.2


@dataclass(frozen=True)
class GeneratorParams:
    world: WorldParams = WorldParams()
    behaviour: BehaviourParams = BehaviourParams()
