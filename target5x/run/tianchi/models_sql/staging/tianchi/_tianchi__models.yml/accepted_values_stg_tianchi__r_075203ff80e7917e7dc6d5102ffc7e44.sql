
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
    
    

with all_values as (

    select
        reason as value_field,
        count(*) as n_records

    from "tianchi"."main"."stg_tianchi__rejected_rows"
    group by reason

)

select *
from all_values
where value_field not in (
    'empty_line','wrong_column_count','bad_user_id','bad_item_id','bad_behavior_type','bad_item_category','bad_time','date_outside_log_window'
)



  
  
      
    ) dbt_internal_test