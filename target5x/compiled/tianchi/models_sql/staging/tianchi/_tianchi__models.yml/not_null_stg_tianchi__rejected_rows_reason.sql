
    
    



select reason
from "tianchi"."main"."stg_tianchi__rejected_rows"
where reason is null


