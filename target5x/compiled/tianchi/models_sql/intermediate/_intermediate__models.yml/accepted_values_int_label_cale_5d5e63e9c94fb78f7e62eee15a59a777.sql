
    
    

with all_values as (

    select
        dataset as value_field,
        count(*) as n_records

    from "tianchi"."main"."int_label_calendar"
    group by dataset

)

select *
from all_values
where value_field not in (
    'train','eval','predict'
)


