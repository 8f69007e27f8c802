
    
    

with all_values as (

    select
        grain as value_field,
        count(*) as n_records

    from "tianchi"."main"."int_behavior_rollup"
    group by grain

)

select *
from all_values
where value_field not in (
    'pair_day','user_location'
)


