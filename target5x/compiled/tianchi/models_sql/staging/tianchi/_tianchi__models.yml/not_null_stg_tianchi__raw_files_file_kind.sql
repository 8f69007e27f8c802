
    
    



select file_kind
from "tianchi"."main"."stg_tianchi__raw_files"
where file_kind is null


