
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
    
    

select
    statistic as unique_field,
    count(*) as n_records

from "tianchi"."main"."calibration_targets"
where statistic is not null
group by statistic
having count(*) > 1



  
  
      
    ) dbt_internal_test