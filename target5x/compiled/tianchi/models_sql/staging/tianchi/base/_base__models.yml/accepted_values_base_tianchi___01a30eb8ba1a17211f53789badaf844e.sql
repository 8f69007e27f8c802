
    
    

with all_values as (

    select
        reject_reason as value_field,
        count(*) as n_records

    from "tianchi"."main"."base_tianchi__item_lines"
    group by reject_reason

)

select *
from all_values
where value_field not in (
    'empty_line','wrong_column_count','bad_item_id','bad_item_category'
)


