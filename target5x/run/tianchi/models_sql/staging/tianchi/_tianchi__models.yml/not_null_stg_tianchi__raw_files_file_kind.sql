
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
    
    



select file_kind
from "tianchi"."main"."stg_tianchi__raw_files"
where file_kind is null



  
  
      
    ) dbt_internal_test