
    
    



select label_date
from "tianchi"."main"."int_label_calendar"
where label_date is null


