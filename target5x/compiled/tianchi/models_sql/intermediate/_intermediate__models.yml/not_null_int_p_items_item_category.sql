
    
    



select item_category
from "tianchi"."main"."int_p_items"
where item_category is null


