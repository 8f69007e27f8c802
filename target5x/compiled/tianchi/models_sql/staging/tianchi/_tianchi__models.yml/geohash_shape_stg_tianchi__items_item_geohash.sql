

select item_geohash
from "tianchi"."main"."stg_tianchi__items"
where
    item_geohash is not null
    and not regexp_full_match(item_geohash, '[0-9a-z]{7}')

