
    
    



select source_file
from "tianchi"."main"."stg_tianchi__raw_files"
where source_file is null


