
    
    



select source_file
from "tianchi"."main"."stg_tianchi__items"
where source_file is null


