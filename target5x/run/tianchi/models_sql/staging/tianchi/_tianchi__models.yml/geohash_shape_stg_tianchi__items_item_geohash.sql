
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  

select item_geohash
from "tianchi"."main"."stg_tianchi__items"
where
    item_geohash is not null
    and not regexp_full_match(item_geohash, '[0-9a-z]{7}')


  
  
      
    ) dbt_internal_test