
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  

select *
from "tianchi"."main"."stg_tianchi__raw_files"
where not coalesce(last_source_line = line_count, false)


  
  
      
    ) dbt_internal_test