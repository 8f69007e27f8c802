
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
    
    



select dataset
from "tianchi"."main"."int_label_calendar"
where dataset is null



  
  
      
    ) dbt_internal_test