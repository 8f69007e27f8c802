
    
    

select
    calendar_date as unique_field,
    count(*) as n_records

from "tianchi"."main"."int_log_calendar"
where calendar_date is not null
group by calendar_date
having count(*) > 1


