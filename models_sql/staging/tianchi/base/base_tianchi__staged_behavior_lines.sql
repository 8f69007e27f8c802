{{ config(
    materialized='parquet_export',
    enabled=staged_behavior_lines(),
    location=staged_location('behavior_lines'),
    parquet_partition_by=['user_bucket'],
    parquet_compression='zstd',
) }}

{#- The one pass over the behaviour text when var stage_behavior_lines is on (the online scale):
    base_tianchi__behavior_lines' rows, checked and typed, written as Parquet in one folder per
    user bucket, so that the file counts and every partition of int_behavior_rollup read these
    files instead of the text (dbt_project/macros/staged_lines.sql). -#}

with

behavior_lines as (

    select * from {{ ref('base_tianchi__behavior_lines') }}

),

final as (

    select
        source_file,
        user_id,
        item_id,
        behavior_type,
        user_geohash,
        user_geohash_was_malformed,
        item_category,
        event_at,
        reject_reason,
        raw_line,
        -- int_behavior_rollup's partitions (its bucket_rows); a rejected line is in none of them
        case when reject_reason is null then user_id % {{ var('rollup_user_buckets') }} else -1 end as user_bucket
    from behavior_lines

)

select * from final
