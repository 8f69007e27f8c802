
    
    



select item_id
from "tianchi"."main"."stg_tianchi__items"
where item_id is null


