
    
    



select item_geohash_was_malformed
from "tianchi"."main"."stg_tianchi__items"
where item_geohash_was_malformed is null


