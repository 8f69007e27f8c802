
    
    



select statistic
from "tianchi"."main"."calibration_targets"
where statistic is null


