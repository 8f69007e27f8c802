
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
    
    

select
    label_date as unique_field,
    count(*) as n_records

from "tianchi"."main"."int_label_calendar"
where label_date is not null
group by label_date
having count(*) > 1



  
  
      
    ) dbt_internal_test