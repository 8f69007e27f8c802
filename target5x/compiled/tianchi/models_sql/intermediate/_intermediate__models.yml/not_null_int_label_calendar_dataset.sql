
    
    



select dataset
from "tianchi"."main"."int_label_calendar"
where dataset is null


