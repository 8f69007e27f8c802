{{ config(
    materialized=view_materialization(),
    enabled=staged_behavior_lines() and var('drop_staged_lines', false) in [true, 'true', 'True', 1, '1'],
    post_hook="{{ drop_export_files(staged_location('behavior_lines'), 'user_bucket') }}",
) }}

{#- With vars stage_behavior_lines and drop_staged_lines (the online scale): once every model that
    reads the staged behaviour lines is built (the file counts, the rejected lines and the
    rollup), their files are deleted (the post-hook, drop_export_files) and their marker says
    `dropped`, which frees their disk for the rest of the build. A build run again reuses those
    models; one that must build them again stops with an error that says how to stage the lines
    again. This view shows the marker. -#}

-- depends_on: {{ ref('stg_tianchi__raw_files') }}
-- depends_on: {{ ref('stg_tianchi__rejected_rows') }}
-- depends_on: {{ ref('int_behavior_rollup') }}

with

marker as (

    select *
    from read_json(
        {{ sql_string(staged_location('behavior_lines') ~ '.build.json') }},
        columns = {status: 'varchar', fingerprint: 'varchar', rows: 'bigint', bytes: 'bigint'}
    )

),

final as (

    select
        {{ sql_string(staged_location('behavior_lines')) }} as staged_location,
        status,
        rows as staged_rows,
        bytes as staged_bytes
    from marker

)

select * from final
