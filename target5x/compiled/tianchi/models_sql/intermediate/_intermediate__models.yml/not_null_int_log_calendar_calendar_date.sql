
    
    



select calendar_date
from "tianchi"."main"."int_log_calendar"
where calendar_date is null


