
    
    



select day_index
from "tianchi"."main"."int_log_calendar"
where day_index is null


