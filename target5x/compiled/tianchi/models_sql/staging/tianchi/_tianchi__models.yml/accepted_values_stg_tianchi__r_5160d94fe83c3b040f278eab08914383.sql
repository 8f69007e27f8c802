
    
    

with all_values as (

    select
        file_kind as value_field,
        count(*) as n_records

    from "tianchi"."main"."stg_tianchi__raw_files"
    group by file_kind

)

select *
from all_values
where value_field not in (
    'behavior','item'
)


