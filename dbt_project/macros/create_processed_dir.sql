{#-
    on-run-start (dbt_project.yml): create the exports' folder, var processed_dir, with every missing
    folder above it, before any model runs. dbt-duckdb's `external` materialization writes
    <processed_dir>/<name>.parquet but does not create the folder, so a fresh clone (whose data/
    holds only its README) or a deleted data/processed/ would fail every export with
    `IO Error: Cannot open file`. Runs for the commands that build models (run, build, retry).
    Returns no SQL.
-#}

{% macro create_processed_dir() %}
    {%- if execute and flags.WHICH in ['run', 'build', 'retry'] -%}
        {%- do create_folder(var('processed_dir') | string) -%}
    {%- endif -%}
    {{ return('') }}
{% endmacro %}


{#- Creates a folder with every missing folder above it (an existing one is kept as it is); also
    used by the partitioned Parquet exports (materializations/parquet_export.sql). Returns no SQL. -#}
{% macro create_folder(path) %}
    {%- do adapter.dispatch('create_folder', 'tianchi')(path) -%}
    {{ return('') }}
{% endmacro %}


{#- DuckDB: a partitioned COPY creates its target folder (one level, an existing one is kept as it
    is); with no rows it writes no file. So each level of the path, from the top, is "copied to"
    in turn. A remote location (s3://...) has no folders to create. -#}
{% macro duckdb__create_folder(path) %}
    {%- if '://' in path -%}
        {{ return('') }}
    {%- endif -%}
    {%- set parts = path.rstrip('/').split('/') -%}
    {%- for depth in range(1, parts | length + 1) -%}
        {%- set folder = parts[:depth] | join('/') -%}
        {%- if folder not in ['', '.', '..'] and not folder.endswith('/..') -%}
            {%- do run_query(
                'copy (select 1 as level, 1 as payload where false) to ' ~ sql_string(folder)
                ~ ' (format parquet, partition_by (level), overwrite_or_ignore)'
            ) -%}
        {%- endif -%}
    {%- endfor -%}
{% endmacro %}


{#- Spark (and any other engine): its writer creates the folders of the path it writes. -#}
{% macro default__create_folder(path) %}
{% endmacro %}
