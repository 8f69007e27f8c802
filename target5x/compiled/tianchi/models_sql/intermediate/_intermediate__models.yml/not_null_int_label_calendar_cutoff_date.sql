
    
    



select cutoff_date
from "tianchi"."main"."int_label_calendar"
where cutoff_date is null


