
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
    
    

select
    source_file as unique_field,
    count(*) as n_records

from "tianchi"."main"."stg_tianchi__raw_files"
where source_file is not null
group by source_file
having count(*) > 1



  
  
      
    ) dbt_internal_test