
    
    

with all_values as (

    select
        category_count as value_field,
        count(*) as n_records

    from "tianchi"."main"."int_p_items"
    group by category_count

)

select *
from all_values
where value_field not in (
    1
)


