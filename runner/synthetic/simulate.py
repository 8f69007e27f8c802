"""Day-by-day simulation of one chunk of users: a browse -> collect / cart -> buy funnel.

Each (user, item) interest is a small state machine. It starts on some day (clicks, maybe a
collect or a cart, maybe a purchase the same day), then every later day it is bought with a
hazard that depends on its latent intent, its age, whether it was touched yesterday, whether
and how late it was carted, and the sale; otherwise it is revisited (clicks) or dropped.
Because tomorrow's purchase depends only on the state at the end of today, the generator can
write the exact probability of a 2014-12-19 purchase for every live pair: the oracle.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from runner.synthetic import calendar
from runner.synthetic.params import BehaviourParams
from runner.synthetic.world import Catalog, Users

CLICK, COLLECT, CART, BUY = 1, 2, 3, 4
NEVER = -1000  # a day index before any simulated day
BURN_IN_DAYS = 14  # simulated before 11-18 so the month starts with interests already alive


@dataclass
class Interests:
    """The live (user, item) interests of a chunk, as parallel arrays."""

    user: np.ndarray = field(default_factory=lambda: np.empty(0, np.int32))
    item: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))
    is_p: np.ndarray = field(default_factory=lambda: np.empty(0, bool))
    intent: np.ndarray = field(default_factory=lambda: np.empty(0, np.float64))
    zeal: np.ndarray = field(default_factory=lambda: np.empty(0, np.float32))  # N(0, 1): drives intent and clicks
    age: np.ndarray = field(default_factory=lambda: np.empty(0, np.int16))
    cart_day: np.ndarray = field(default_factory=lambda: np.empty(0, np.int16))  # NEVER: not carted
    cart_hour: np.ndarray = field(default_factory=lambda: np.empty(0, np.int8))
    collected: np.ndarray = field(default_factory=lambda: np.empty(0, bool))
    touched_day: np.ndarray = field(default_factory=lambda: np.empty(0, np.int16))

    def take(self, keep: np.ndarray) -> Interests:
        return Interests(**{name: getattr(self, name)[keep] for name in self.__dataclass_fields__})

    def extend(self, other: Interests) -> Interests:
        return Interests(
            **{
                name: np.concatenate([getattr(self, name), getattr(other, name)])
                for name in self.__dataclass_fields__
            }
        )

    @property
    def size(self) -> int:
        return int(self.user.size)


@dataclass
class DayRows:
    """The behaviour rows of one simulated day (chunk-local user index)."""

    user: np.ndarray
    item: np.ndarray
    behavior: np.ndarray
    hour: np.ndarray


@dataclass
class ChunkResult:
    rows_user: np.ndarray
    rows_item: np.ndarray
    rows_behavior: np.ndarray
    rows_time: np.ndarray  # day * 24 + hour
    rows_location: np.ndarray  # index into users.locations.ravel(), or -1 for no geohash
    answer_user: np.ndarray  # P pairs bought on the predicted day
    answer_item: np.ndarray
    oracle_user: np.ndarray  # live P pairs at the end of the last logged day
    oracle_item: np.ndarray
    oracle_prob: np.ndarray
    expected_untraced_buys: float  # P purchases of interests that start on the predicted day


def cart_hour_factor(hour: np.ndarray) -> np.ndarray:
    """Late-evening carts are bought the next day far more often than morning ones."""
    return 0.03 + 0.97 * (hour.astype(np.float64) / 23.0) ** 4


class ChunkSimulator:
    def __init__(self, rng: np.random.Generator, catalog: Catalog, users: Users, params: BehaviourParams):
        self.rng = rng
        self.catalog = catalog
        self.users = users
        self.params = params
        self.live = Interests()
        self.linked_due: dict[int, tuple[np.ndarray, np.ndarray]] = {}

    # -- the pieces of one day -------------------------------------------------------------
    def _new_interests(self, day: int) -> tuple[Interests, np.ndarray]:
        """Interests that start today and their probability of being bought today."""
        p, rng, users, catalog = self.params, self.rng, self.users, self.catalog
        day_activity = calendar.ACTIVITY_BY_DAY[day] ** p.activity_exponent if day >= 0 else 1.0
        rate = users.activity * p.new_interests_per_day * day_activity
        user = np.repeat(np.arange(users.size, dtype=np.int32), rng.poisson(rate))
        n = user.size
        wants_p = rng.random(n) < users.p_affinity[user]
        from_favourites = rng.random(n) < p.favourite_share
        k_other = users.favourite_categories.shape[1]
        k_p = users.favourite_p_categories.shape[1]
        favourite = np.where(
            wants_p,
            users.favourite_p_categories[user, rng.integers(0, k_p, n)],
            users.favourite_categories[user, rng.integers(0, k_other, n)],
        )
        category = np.where(from_favourites, favourite, self._popular_categories(wants_p))
        linked_user, linked_category = self.linked_due.pop(day, (np.empty(0, np.int32), np.empty(0, np.int64)))
        user = np.concatenate([user, linked_user])
        category = np.concatenate([category, linked_category])
        is_linked = np.r_[np.zeros(n, bool), np.ones(linked_user.size, bool)]

        item = self._items_near_home(user, category)
        is_p = catalog.item_is_p[item]
        local = catalog.item_city[item] == users.city[user]
        propensity = users.buy_propensity[user]
        sale = p.sale_direct_boost if day == calendar.SALE_DAY else 1.0
        direct = np.where(is_p, p.direct_buy_p, p.direct_buy_other) * propensity * sale
        direct = np.where(local, direct * p.local_boost, direct)
        direct = np.where(is_linked & is_p, p.linked_buy_p * np.minimum(propensity, 1.0), direct)
        zeal = rng.standard_normal(user.size).astype(np.float32)
        intent = (
            np.where(is_p, p.intent_p, p.intent_other)
            * propensity
            * np.exp(p.intent_sigma * zeal - p.intent_sigma**2 / 2)
            * np.where(local, p.local_boost, 1.0)
        )
        m = user.size
        interests = Interests(
            user=user.astype(np.int32),
            item=item,
            is_p=is_p,
            intent=intent,
            zeal=zeal,
            age=np.zeros(m, np.int16),
            cart_day=np.full(m, NEVER, np.int16),
            cart_hour=np.zeros(m, np.int8),
            collected=np.zeros(m, bool),
            touched_day=np.full(m, day, np.int16),
        )
        return interests, np.minimum(direct, 0.9)

    def _popular_categories(self, wants_p: np.ndarray) -> np.ndarray:
        catalog = self.catalog
        out = np.empty(wants_p.size, dtype=np.int64)
        for flag in (True, False):
            pool = np.flatnonzero(catalog.category_is_p == flag)
            weight = catalog.category_weight[pool]
            chosen = wants_p == flag
            out[chosen] = self.rng.choice(pool, size=int(chosen.sum()), p=weight / weight.sum())
        return out

    def _items_near_home(self, user: np.ndarray, category: np.ndarray) -> np.ndarray:
        """Popular items of the category; a P service in another city is often swapped once."""
        catalog, rng = self.catalog, self.rng
        item = catalog.sample_items(rng, category)
        far = (catalog.item_city[item] >= 0) & (catalog.item_city[item] != self.users.city[user])
        retry = far & (rng.random(item.size) < 0.6)
        item[retry] = catalog.sample_items(rng, category[retry])
        return item

    def purchase_hazard(self, live: Interests, day: int) -> np.ndarray:
        """Probability that each live interest is bought on `day`, given the state before it."""
        p = self.params
        hazard = live.intent * p.intent_decay ** np.maximum(live.age - 1, 0)
        hazard = hazard * np.where(live.touched_day == day - 1, 1.0 + p.touched_yesterday_boost, 1.0)
        carted = live.cart_day > NEVER
        days_since_cart = np.maximum(day - live.cart_day, 1)
        cart_boost = np.where(live.is_p, p.cart_boost_p, p.cart_boost_other)
        cart_effect = cart_boost * cart_hour_factor(live.cart_hour) * 0.5 ** (days_since_cart - 1)
        hazard = hazard * np.where(carted, 1.0 + cart_effect, 1.0)
        hazard = hazard * np.where(live.collected, 1.0 + p.collect_boost, 1.0)
        if day == calendar.SALE_DAY:
            hazard = hazard * p.sale_hazard_boost
        return np.minimum(hazard, 0.9)

    def _touch_rows(
        self, day: int, touched: Interests, is_new: np.ndarray, buys: np.ndarray, clicks_before_buy: np.ndarray
    ) -> DayRows:
        """Rows of the touched interests: clicks, maybe a collect and a cart, and purchases."""
        p, rng = self.params, self.rng
        n = touched.size
        session_hour = rng.choice(24, size=n, p=calendar.HOUR_PROBS)
        mean_extra = p.clicks_mean - 1.0
        r = p.clicks_dispersion
        # Keen interests show it: more clicks, collects and carts (what a model can learn from).
        keen = np.exp(touched.zeal.astype(np.float64) * p.zeal_visibility)
        mean_extra = mean_extra * keen
        clicks = 1 + rng.negative_binomial(r, r / (r + mean_extra))
        clicks[buys & ~clicks_before_buy] = 0
        collect = (rng.random(n) < p.collect_p * keen) & ~touched.collected & (clicks > 0)
        cart_p = np.where(
            is_new,
            np.where(touched.is_p, p.cart_p_new_p, p.cart_p_new_other),
            np.where(touched.is_p, p.cart_p_revisit_p, p.cart_p_revisit_other),
        )
        if day in (calendar.SALE_EVE_DAY - 1, calendar.SALE_EVE_DAY):
            cart_p = cart_p * p.sale_eve_cart_boost
        cart = (rng.random(n) < cart_p * np.sqrt(keen)) & (clicks > 0)
        cart_hour = np.minimum(session_hour + (rng.random(n) < 0.3), 23)
        buy_rows = np.where(buys, 1 + rng.poisson(p.extra_buy_rows_mean, size=n), 0)
        buy_hour = np.minimum(np.maximum(session_hour, cart_hour * cart) + rng.geometric(0.6, size=n) - 1, 23)

        click_index = np.repeat(np.arange(n), clicks)
        click_hour = np.minimum(session_hour[click_index] + (rng.random(click_index.size) < 0.2), 23)
        collect_index = np.flatnonzero(collect)
        cart_index = np.flatnonzero(cart)
        buy_index = np.repeat(np.arange(n), buy_rows)
        index = np.concatenate([click_index, collect_index, cart_index, buy_index])
        hour = np.concatenate(
            [click_hour, session_hour[collect_index], cart_hour[cart_index], buy_hour[buy_index]]
        )
        behavior = np.concatenate(
            [
                np.full(click_index.size, CLICK, np.int8),
                np.full(collect_index.size, COLLECT, np.int8),
                np.full(cart_index.size, CART, np.int8),
                np.full(buy_index.size, BUY, np.int8),
            ]
        )
        touched.collected |= collect
        touched.cart_day[cart] = day
        touched.cart_hour[cart] = cart_hour[cart]
        touched.touched_day[:] = day
        return DayRows(user=touched.user[index], item=touched.item[index], behavior=behavior, hour=hour)

    def _schedule_linked(self, day: int, bought: Interests) -> None:
        """Some non-P purchases in a linked category lead to a P service a few days later."""
        p, rng = self.params, self.rng
        linked = self.catalog.linked_p_category[self.catalog.item_category[bought.item]]
        follow = (linked >= 0) & ~bought.is_p & (rng.random(bought.size) < p.linked_follow_p)
        delay = rng.integers(1, 4, size=int(follow.sum()))
        for d in np.unique(delay):
            due = day + int(d)
            chosen = np.flatnonzero(follow)[delay == d]
            old_user, old_category = self.linked_due.get(due, (np.empty(0, np.int32), np.empty(0, np.int64)))
            self.linked_due[due] = (
                np.concatenate([old_user, bought.user[chosen]]),
                np.concatenate([old_category, linked[chosen].astype(np.int64)]),
            )

    # -- one day ------------------------------------------------------------------------------
    def step(self, day: int) -> tuple[DayRows, Interests, float]:
        """Simulate `day`; return its rows, the interests bought, and the expected untraced buys."""
        p, rng = self.params, self.rng
        live = self.live
        live.age += 1
        hazard = self.purchase_hazard(live, day)
        old_buys = rng.random(live.size) < hazard
        revisit_p = np.minimum(
            (p.revisit_base + p.revisit_intent_gain * live.intent) * p.revisit_decay ** (live.age - 1), 0.9
        )
        revisit = ~old_buys & (rng.random(live.size) < revisit_p)

        new, direct_p = self._new_interests(day)
        new_buys = rng.random(new.size) < direct_p
        expected_untraced = float(direct_p[new.is_p].sum())

        touched_old = np.flatnonzero(old_buys | revisit)
        touched = live.take(touched_old).extend(new)
        is_new = np.r_[np.zeros(touched_old.size, bool), np.ones(new.size, bool)]
        buys = np.r_[old_buys[touched_old], new_buys]
        clicks_before_buy = np.where(is_new, rng.random(touched.size) >= p.direct_buy_without_clicks,
                                     rng.random(touched.size) < 0.7)
        rows = self._touch_rows(day, touched, is_new, buys, clicks_before_buy)

        # Write the touched state back, then drop what was bought or abandoned.
        for name in Interests.__dataclass_fields__:
            getattr(live, name)[touched_old] = getattr(touched, name)[: touched_old.size]
        fresh = touched.take(np.r_[np.zeros(touched_old.size, bool), ~new_buys])
        bought = touched.take(buys)
        self._schedule_linked(day, bought)
        drop_p = np.where(live.cart_day > NEVER, p.drop_per_day_carted, p.drop_per_day)
        keep = ~old_buys & (rng.random(live.size) >= drop_p) & (live.age < p.max_age_days)
        self.live = live.take(keep).extend(fresh)
        return rows, bought, expected_untraced

    def oracle(self, day: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(user, item, probability) of a purchase on `day` for every P pair the world knows of."""
        live = self.live
        ahead = Interests(**{name: getattr(live, name).copy() for name in Interests.__dataclass_fields__})
        ahead.age += 1
        hazard = self.purchase_hazard(ahead, day)
        keep = live.is_p & (hazard > 0)  # users who never buy have no purchase to predict
        return live.user[keep], live.item[keep], hazard[keep]


def simulate_chunk(rng: np.random.Generator, catalog: Catalog, users: Users, params: BehaviourParams) -> ChunkResult:
    sim = ChunkSimulator(rng, catalog, users, params)
    for day in range(-BURN_IN_DAYS, 0):
        sim.step(day)
    parts: list[tuple[DayRows, int]] = []
    for day in range(calendar.N_LOG_DAYS):
        rows, _, _ = sim.step(day)
        parts.append((rows, day))
    oracle_user, oracle_item, oracle_prob = sim.oracle(calendar.PREDICT_DAY)
    _, bought, expected_untraced = sim.step(calendar.PREDICT_DAY)
    bought_p = bought.take(bought.is_p)

    rows_user = np.concatenate([r.user for r, _ in parts])
    rows_time = np.concatenate([day * 24 + r.hour.astype(np.int32) for r, day in parts])
    n = rows_user.size
    has_geo = rng.random(n) < users.geo_share[rows_user]
    kind = np.searchsorted(
        np.cumsum([params.geo_home_share, params.geo_near_share]), rng.random(n), side="right"
    )
    location = np.where(has_geo, rows_user.astype(np.int64) * 3 + kind, -1)
    return ChunkResult(
        rows_user=rows_user,
        rows_item=np.concatenate([r.item for r, _ in parts]),
        rows_behavior=np.concatenate([r.behavior for r, _ in parts]),
        rows_time=rows_time,
        rows_location=location,
        answer_user=bought_p.user,
        answer_item=bought_p.item,
        oracle_user=oracle_user,
        oracle_item=oracle_item,
        oracle_prob=oracle_prob,
        expected_untraced_buys=expected_untraced,
    )
