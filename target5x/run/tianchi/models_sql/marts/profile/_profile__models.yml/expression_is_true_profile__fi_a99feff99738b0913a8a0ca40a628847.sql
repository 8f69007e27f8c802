
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  

select *
from "tianchi"."main"."profile__files"
where not coalesce(lines_read = valid_rows + rejected_rows, false)


  
  
      
    ) dbt_internal_test