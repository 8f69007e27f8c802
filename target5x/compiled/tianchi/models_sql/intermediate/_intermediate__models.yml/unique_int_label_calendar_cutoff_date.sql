
    
    

select
    cutoff_date as unique_field,
    count(*) as n_records

from "tianchi"."main"."int_label_calendar"
where cutoff_date is not null
group by cutoff_date
having count(*) > 1


