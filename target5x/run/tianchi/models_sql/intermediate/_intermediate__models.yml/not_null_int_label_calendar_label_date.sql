
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
    
    



select label_date
from "tianchi"."main"."int_label_calendar"
where label_date is null



  
  
      
    ) dbt_internal_test