
    
    



select file_kind
from "tianchi"."main"."stg_tianchi__rejected_rows"
where file_kind is null


