
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  -- Warns (severity warn, see _tests.yml) with the number of raw lines that were rejected;
-- assert_rejected_share_within_limit fails the build when there are too many.

select
    file_kind,
    source_file,
    source_line,
    reason,
    raw_line
from "tianchi"."main"."stg_tianchi__rejected_rows"
  
  
      
    ) dbt_internal_test