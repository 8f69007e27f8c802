
    
    



select item_category
from "tianchi"."main"."stg_tianchi__items"
where item_category is null


