

select *
from "tianchi"."main"."profile__files"
where not coalesce(lines_read = valid_rows + rejected_rows, false)

