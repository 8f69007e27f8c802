
    
    



select source_line
from "tianchi"."main"."stg_tianchi__rejected_rows"
where source_line is null


