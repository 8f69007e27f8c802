
    
    



select source_file
from "tianchi"."main"."profile__files"
where source_file is null


