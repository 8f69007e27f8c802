
    
    



select file_kind
from "tianchi"."main"."profile__files"
where file_kind is null


