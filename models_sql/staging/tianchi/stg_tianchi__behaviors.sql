{#- The behaviour lines: the staged Parquet where var stage_behavior_lines is on, with the folder
    each row is in as staged_user_bucket (int_behavior_rollup keeps one bucket per partition by it, and
    so reads one folder); else the raw text (dbt_project/macros/staged_lines.sql). -#}
{%- set behavior_lines = ref('base_tianchi__staged_behavior_lines') if staged_behavior_lines()
    else ref('base_tianchi__behavior_lines') -%}

with

behavior_lines as (

    select * from {{ behavior_lines }}

),

valid_rows as (

    -- a header line (Spark reads it) never passes the checks
    select * from behavior_lines
    where reject_reason is null

),

final as (

    select
        {% if staged_behavior_lines() -%}
            user_bucket as staged_user_bucket,
        {% endif -%}
        user_id,
        item_id,
        behavior_type,
        case behavior_type
            when 1 then 'click'
            when 2 then 'collect'
            when 3 then 'cart'
            when 4 then 'buy'
        end as behavior,
        user_geohash,
        user_geohash_was_malformed,
        item_category,
        event_at,
        cast(event_at as date) as event_date,
        cast(extract(hour from event_at) as integer) as event_hour,
        source_file
    from valid_rows

)

select * from final
