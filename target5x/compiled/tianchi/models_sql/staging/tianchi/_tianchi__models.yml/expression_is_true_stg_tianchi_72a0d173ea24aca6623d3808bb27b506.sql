

select *
from "tianchi"."main"."stg_tianchi__raw_files"
where not coalesce(last_source_line = line_count, false)

