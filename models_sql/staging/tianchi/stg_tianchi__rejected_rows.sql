{{ config(materialized=table_materialization()) }}

-- depends_on: {{ ref('stg_tianchi__raw_files') }}
{#- How many lines were rejected, per kind of file (counted by stg_tianchi__raw_files): where
    none were, DuckDB does not read the raw files again to number them. (A compile without a
    build, e.g. `dbt docs generate`, finds no such table and renders the query for none.) -#}
{%- set rejected = {'behavior': 0, 'item': 0} %}
{%- set raw_files = load_relation(ref('stg_tianchi__raw_files')) if execute else none %}
{%- if raw_files is not none %}
    {%- set counts = run_query('select file_kind, sum(rejected_lines) from ' ~ raw_files ~ ' group by file_kind') %}
    {%- for row in counts.rows %}
        {%- do rejected.update({row[0]: row[1]}) %}
    {%- endfor %}
{%- endif %}
{#- The rejected behaviour lines' texts come from the staged Parquet with var stage_behavior_lines
    (their own folder, user_bucket -1), else from the text; either way a pass over the text numbers
    them, and only when there are any. -#}
{%- set behavior_lines = ref('base_tianchi__staged_behavior_lines') if staged_behavior_lines()
    else ref('base_tianchi__behavior_lines') %}

with

rejected_behavior_lines as (

    {{ rejected_lines(behavior_lines, 'behavior', rejected['behavior']) }}

),

rejected_item_lines as (

    {{ rejected_lines(ref('base_tianchi__item_lines'), 'item', rejected['item']) }}

),

final as (

    select * from rejected_behavior_lines
    union all
    select * from rejected_item_lines

)

select * from final
