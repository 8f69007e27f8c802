
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  

with

key_counts as (

    select
        file_kind, source_file,
        count(*) as row_count
    from "tianchi"."main"."profile__files"
    group by file_kind, source_file

),

final as (

    select * from key_counts
    where row_count > 1

)

select * from final


  
  
      
    ) dbt_internal_test