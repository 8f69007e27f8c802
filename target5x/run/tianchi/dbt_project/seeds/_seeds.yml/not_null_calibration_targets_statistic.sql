
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
    
    



select statistic
from "tianchi"."main"."calibration_targets"
where statistic is null



  
  
      
    ) dbt_internal_test