
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
    
    



select item_geohash_was_malformed
from "tianchi"."main"."stg_tianchi__items"
where item_geohash_was_malformed is null



  
  
      
    ) dbt_internal_test