
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
    
    



select day_index
from "tianchi"."main"."int_log_calendar"
where day_index is null



  
  
      
    ) dbt_internal_test