"""The latent world: categories, items (with the subset P and its locations) and users.

Everything here is hidden state that the logs only reveal through behaviour.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from runner.synthetic.params import WorldParams

# The real (encrypted) geohashes use lower-case letters and digits; 32 symbols, 7 characters.
GEOHASH_ALPHABET = np.frombuffer(b"012345679abcdefghijklmnopqrstuvw", dtype=np.uint8)
GEOHASH_LENGTH = 7
_BITS = 5  # one base-32 symbol


def geohash_bytes(codes: np.ndarray) -> np.ndarray:
    """7-symbol geohash strings (numpy 'S7') from integer codes (35 bits, first symbol highest)."""
    codes = np.asarray(codes, dtype=np.int64)
    digits = np.empty((codes.size, GEOHASH_LENGTH), dtype=np.uint8)
    for position in range(GEOHASH_LENGTH):
        shift = _BITS * (GEOHASH_LENGTH - 1 - position)
        digits[:, position] = GEOHASH_ALPHABET[(codes >> shift) & 31]
    return digits.view(f"S{GEOHASH_LENGTH}").ravel()


def _scrambled_ids(index: np.ndarray, multiplier: int, offset: int, modulus_bits: int) -> np.ndarray:
    """Distinct id-like integers from dense indexes: an odd multiplier is a bijection modulo 2^k."""
    modulus = 1 << modulus_bits
    return (index.astype(np.int64) * multiplier + offset) % modulus + 1


@dataclass
class Catalog:
    """Categories and items; items are stored sorted by category."""

    category_ids: np.ndarray  # (n_categories,) raw category id
    category_is_p: np.ndarray  # (n_categories,) bool: a P (service-like) category
    category_weight: np.ndarray  # (n_categories,) popularity
    linked_p_category: np.ndarray  # (n_categories,) P category a non-P buy leads to, or -1
    item_ids: np.ndarray  # (n_items,) raw item id
    item_category: np.ndarray  # (n_items,) category index
    item_is_p: np.ndarray  # (n_items,) bool
    item_city: np.ndarray  # (n_items,) city of the first location of a located P item, or -1
    item_cumweight: np.ndarray  # (n_items,) cumulative popularity, for sampling inside a category
    category_start: np.ndarray  # (n_categories,) first item index
    category_stop: np.ndarray  # (n_categories,) one past the last item index
    city_prefix: np.ndarray  # (n_cities,) geohash code of the city's first 3 symbols (high bits)
    city_weight: np.ndarray  # (n_cities,)

    @property
    def n_items(self) -> int:
        return int(self.item_ids.size)

    def sample_items(self, rng: np.random.Generator, categories: np.ndarray) -> np.ndarray:
        """One item per requested category, by popularity inside the category."""
        start = self.category_start[categories]
        stop = self.category_stop[categories]
        low = np.where(start > 0, self.item_cumweight[np.maximum(start - 1, 0)], 0.0)
        high = self.item_cumweight[stop - 1]
        target = low + rng.random(categories.size) * (high - low)
        picked = np.searchsorted(self.item_cumweight, target, side="right")
        return np.clip(picked, start, stop - 1)


def catalog_size(n_users: int, params: WorldParams) -> int:
    """Items grow with the square root of the users: more users find more of the long tail."""
    return max(50_000, int(params.items_at_default_scale * (n_users / 20_000) ** 0.5))


def build_catalog(rng: np.random.Generator, n_users: int, params: WorldParams) -> Catalog:
    n_cat = params.n_categories
    category_ids = rng.permutation(np.arange(1, 14_081))[:n_cat].astype(np.int64)
    category_is_p = np.zeros(n_cat, dtype=bool)
    category_is_p[rng.choice(n_cat, size=params.n_p_categories, replace=False)] = True
    category_weight = rng.lognormal(0.0, 1.5, size=n_cat)

    n_items = catalog_size(n_users, params)
    size_weight = category_weight**0.7 * rng.lognormal(0.0, 0.5, size=n_cat)
    sizes = 1 + rng.multinomial(n_items - n_cat, size_weight / size_weight.sum())
    category_stop = np.cumsum(sizes)
    category_start = category_stop - sizes
    item_category = np.repeat(np.arange(n_cat, dtype=np.int32), sizes)
    item_weight = rng.lognormal(0.0, 1.4, size=n_items)
    item_is_p = category_is_p[item_category] & (rng.random(n_items) < params.p_share_in_p_categories)

    n_cities = params.n_cities
    city_weight = rng.lognormal(0.0, 1.0, size=n_cities)
    city_weight /= city_weight.sum()
    # Real geohashes mostly start with '9'; cities differ in the next two symbols.
    nine = int(np.flatnonzero(ord("9") == GEOHASH_ALPHABET)[0])
    second_third = rng.choice(32 * 32, size=n_cities, replace=False)
    city_prefix = (nine << 10 | second_third).astype(np.int64) << (_BITS * 4)
    item_city = np.full(n_items, -1, dtype=np.int16)
    located = item_is_p & (rng.random(n_items) < params.p_item_located_share)
    item_city[located] = rng.choice(n_cities, size=int(located.sum()), p=city_weight)

    linked = np.full(n_cat, -1, dtype=np.int32)
    p_categories = np.flatnonzero(category_is_p)
    p_cat_weight = category_weight[p_categories] / category_weight[p_categories].sum()
    linking = ~category_is_p & (rng.random(n_cat) < params.linked_category_share)
    linked[linking] = rng.choice(p_categories, size=int(linking.sum()), p=p_cat_weight)

    return Catalog(
        category_ids=category_ids,
        category_is_p=category_is_p,
        category_weight=category_weight,
        linked_p_category=linked,
        item_ids=_scrambled_ids(np.arange(n_items), 2_654_435_761, 12_345_677, 29),
        item_category=item_category,
        item_is_p=item_is_p,
        item_city=item_city,
        item_cumweight=np.cumsum(item_weight),
        category_start=category_start,
        category_stop=category_stop,
        city_prefix=city_prefix,
        city_weight=city_weight,
    )


@dataclass
class Users:
    """One chunk of users."""

    ids: np.ndarray
    activity: np.ndarray  # mean 1
    buy_propensity: np.ndarray  # 0 for users who never buy
    p_affinity: np.ndarray  # share of new interests in P categories
    favourite_categories: np.ndarray  # (n, k) non-P category indexes
    favourite_p_categories: np.ndarray  # (n, k) P category indexes
    city: np.ndarray
    geo_share: np.ndarray  # share of the user's rows that carry a geohash
    locations: np.ndarray  # (n, 3) geohash codes: home, near home, elsewhere

    @property
    def size(self) -> int:
        return int(self.ids.size)


def build_users(
    rng: np.random.Generator, first_index: int, n: int, catalog: Catalog, params: WorldParams,
    geo_share_beta: float,
) -> Users:
    sigma = params.activity_sigma
    activity = rng.lognormal(-(sigma**2) / 2, sigma, size=n)
    sigma_b = params.buy_propensity_sigma
    buy_propensity = rng.lognormal(-(sigma_b**2) / 2, sigma_b, size=n)
    buy_propensity[rng.random(n) < params.never_buyer_share] = 0.0
    buy_propensity /= 1.0 - params.never_buyer_share  # keep the population mean at 1
    p_affinity = np.clip(params.p_affinity_mean * rng.lognormal(-0.18, 0.6, size=n), 0.0, 0.8)

    weight = catalog.category_weight
    other = np.flatnonzero(~catalog.category_is_p)
    p_cats = np.flatnonzero(catalog.category_is_p)
    favourite_categories = rng.choice(
        other, size=(n, params.n_favourite_categories), p=weight[other] / weight[other].sum()
    )
    favourite_p_categories = rng.choice(
        p_cats, size=(n, params.n_favourite_p_categories), p=weight[p_cats] / weight[p_cats].sum()
    )

    city = rng.choice(catalog.city_prefix.size, size=n, p=catalog.city_weight)
    home = catalog.city_prefix[city] | rng.integers(0, 1 << 20, size=n)
    near = (home >> 10 << 10) | rng.integers(0, 1 << 10, size=n)
    elsewhere_city = rng.choice(catalog.city_prefix.size, size=n, p=catalog.city_weight)
    elsewhere = catalog.city_prefix[elsewhere_city] | rng.integers(0, 1 << 20, size=n)
    index = np.arange(first_index, first_index + n)
    return Users(
        ids=_scrambled_ids(index, 40_503, 9_876_543, 27) + 10_000_000,
        activity=activity,
        buy_propensity=buy_propensity,
        p_affinity=p_affinity,
        favourite_categories=favourite_categories,
        favourite_p_categories=favourite_p_categories,
        city=city,
        geo_share=rng.beta(geo_share_beta, geo_share_beta, size=n),
        locations=np.stack([home, near, elsewhere], axis=1),
    )


def p_item_locations(rng: np.random.Generator, catalog: Catalog) -> tuple[np.ndarray, np.ndarray]:
    """Rows of the P file: (item index, geohash code or -1), one row per offline location.

    Most P items have no known location (one row, empty geohash); located ones have one or a
    few stores in their city, and a rare chain has hundreds, spread over several cities.
    """
    p_items = np.flatnonzero(catalog.item_is_p)
    city = catalog.item_city[p_items].astype(np.int64)
    located = city >= 0
    n_locations = np.where(located, rng.geometric(0.55, size=p_items.size), 1)
    chain = located & (rng.random(p_items.size) < 0.002)
    n_locations[chain] = rng.integers(20, 1_600, size=int(chain.sum()))
    rows_item = np.repeat(p_items, n_locations)
    rows_city = np.repeat(city, n_locations)
    rows_chain = np.repeat(chain, n_locations)
    first_row = np.r_[True, rows_item[1:] != rows_item[:-1]]
    moved = rows_chain & ~first_row
    rows_city[moved] = rng.choice(catalog.city_prefix.size, size=int(moved.sum()), p=catalog.city_weight)
    codes = np.where(
        rows_city >= 0,
        catalog.city_prefix[np.maximum(rows_city, 0)] | rng.integers(0, 1 << 20, size=rows_item.size),
        -1,
    )
    return rows_item, codes
