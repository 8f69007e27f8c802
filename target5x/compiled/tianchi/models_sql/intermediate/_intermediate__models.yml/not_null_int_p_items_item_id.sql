
    
    



select item_id
from "tianchi"."main"."int_p_items"
where item_id is null


