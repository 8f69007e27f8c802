{#-
    The staged behaviour lines (var stage_behavior_lines, on at the online scale; DuckDB only): every
    line of the behaviour files read, checked and typed once, and written as Parquet in folders by
    user bucket (models_sql/staging/tianchi/base/base_tianchi__staged_behavior_lines.sql). The models
    that would otherwise stream the raw text through the checks read those files instead:
    stg_tianchi__raw_files (its counts), stg_tianchi__behaviors (the valid rows, with their folder as
    staged_user_bucket, so that each partition of int_behavior_rollup reads only its bucket's folder) and
    stg_tianchi__rejected_rows (the rejected lines' texts; numbering them still reads the text, and
    only when there are any). Off, and on Spark, every model reads the raw text as it always has.
-#}

{#- Whether the behaviour lines are staged: var stage_behavior_lines on a DuckDB target. -#}
{% macro staged_behavior_lines() %}
    {{ return(target.type == 'duckdb' and var('stage_behavior_lines', false) in [true, 'true', 'True', 1, '1']) }}
{% endmacro %}


{#- The folder of a staged model's files: `<var staged_dir>/<name>`, and with staged_dir null (the
    default) `<var processed_dir>/staged/<name>`, beside the exports on the data disk. -#}
{% macro staged_location(name) %}
    {%- set folder = var('staged_dir', none) -%}
    {%- if folder is none -%}
        {%- set folder = var('processed_dir') ~ '/staged' -%}
    {%- endif -%}
    {{ return(folder ~ '/' ~ name) }}
{% endmacro %}
