
    
    

with child as (
    select item_id as from_field
    from "tianchi"."main"."int_p_items"
    where item_id is not null
),

parent as (
    select item_id as to_field
    from "tianchi"."main"."stg_tianchi__items"
)

select
    from_field

from child
left join parent
    on child.from_field = parent.to_field

where parent.to_field is null


