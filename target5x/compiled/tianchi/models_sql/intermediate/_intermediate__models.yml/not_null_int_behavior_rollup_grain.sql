
    
    



select grain
from "tianchi"."main"."int_behavior_rollup"
where grain is null


