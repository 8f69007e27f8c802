
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
    
    



select source_line
from "tianchi"."main"."stg_tianchi__rejected_rows"
where source_line is null



  
  
      
    ) dbt_internal_test