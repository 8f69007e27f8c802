
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
    
    



select reason
from "tianchi"."main"."stg_tianchi__rejected_rows"
where reason is null



  
  
      
    ) dbt_internal_test