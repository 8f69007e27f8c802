
    
    



select source_file
from "tianchi"."main"."stg_tianchi__rejected_rows"
where source_file is null


