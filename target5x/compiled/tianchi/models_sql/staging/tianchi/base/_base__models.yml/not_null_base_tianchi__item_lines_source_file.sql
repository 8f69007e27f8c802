
    
    



select source_file
from "tianchi"."main"."base_tianchi__item_lines"
where source_file is null


