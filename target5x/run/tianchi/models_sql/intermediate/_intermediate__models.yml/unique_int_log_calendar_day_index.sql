
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
    
    

select
    day_index as unique_field,
    count(*) as n_records

from "tianchi"."main"."int_log_calendar"
where day_index is not null
group by day_index
having count(*) > 1



  
  
      
    ) dbt_internal_test