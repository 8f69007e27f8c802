
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
    
    



select item_category
from "tianchi"."main"."int_p_items"
where item_category is null



  
  
      
    ) dbt_internal_test