
    
    

select
    statistic as unique_field,
    count(*) as n_records

from "tianchi"."main"."calibration_targets"
where statistic is not null
group by statistic
having count(*) > 1


