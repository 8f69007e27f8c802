{#-
    DuckDB's materialization of the Parquet exports tzrec reads (config location): the model's
    query is copied straight into the file (no table first, where dbt-duckdb's external
    materialization writes a table and then copies it), written to a temporary file and renamed
    into place (COPY's use_tmp_file), so a reader sees the old file or the new one, never half of
    one. Beside the file, `<location>.build.json` says whether it is complete and what it was
    built from: `{"status": "writing", ...}` while it is written, then `{"status": "complete",
    "fingerprint": ..., "rows": ..., "bytes": ...}`; the runner reads an export only when its
    marker says complete (runner/exports.py). An export whose marker is complete with the
    fingerprint computed now, and whose file has the recorded size, is reused as it is
    (build_state.sql). The relation dbt sees is a view of the file. The contract is checked on the
    query's columns before anything is written. Spark keeps the external table of
    spark_exports.sql.
-#}

{% materialization parquet_export, adapter='duckdb' %}
    {%- set location = config.require('location') -%}
    {%- set marker = location ~ '.build.json' -%}
    {%- set target_relation = this.incorporate(type='view') -%}
    {%- set existing_relation = load_cached_relation(this) -%}
    {%- set fingerprint = build_fingerprint(compiled_code) -%}

    {{ run_hooks(pre_hooks, inside_transaction=False) }}
    {{ run_hooks(pre_hooks, inside_transaction=True) }}

    {%- if not should_full_refresh() and export_is_current(location, marker, fingerprint) %}
        {{ log('reused ' ~ location ~ ': complete and built from the same inputs (fingerprint '
            ~ fingerprint[:8] ~ ')', info=true) }}
        {% call statement('main') %}
            select 1 as reused
        {% endcall %}
    {%- else %}
        {%- if config.get('contract').enforced -%}
            {{ get_assert_columns_equivalent(compiled_code) }}
        {%- endif -%}
        {%- do write_export_marker(marker, 'writing', fingerprint) -%}
        {% call statement('main') %}
            copy ({{ compiled_code }}) to {{ sql_string(location) }} (format parquet, use_tmp_file true)
        {% endcall %}
        {%- do write_export_marker(marker, 'complete', fingerprint, location) -%}
    {%- endif %}

    {% if existing_relation is not none and not existing_relation.is_view %}
        {{ drop_relation_if_exists(existing_relation) }}
    {% endif %}
    {% call statement('export_view') %}
        create or replace view {{ target_relation }} as select * from read_parquet({{ sql_string(location) }})
    {% endcall %}
    {%- do record_fingerprint(this.identifier, fingerprint) -%}

    {{ run_hooks(post_hooks, inside_transaction=True) }}
    {{ adapter.commit() }}
    {{ run_hooks(post_hooks, inside_transaction=False) }}

    {{ return({'relations': [target_relation]}) }}
{% endmaterialization %}


{#- Whether the export at `location` is complete and was built with `fingerprint`: its marker
    says so and the file has the size the marker recorded. -#}
{% macro export_is_current(location, marker, fingerprint) %}
    {%- if run_query('select count(*) from glob(' ~ sql_string(marker) ~ ')').rows[0][0] == 0 -%}
        {{ return(false) }}
    {%- endif -%}
    {%- set recorded = run_query(
        'select status, fingerprint, bytes from read_json(' ~ sql_string(marker)
        ~ ', columns = {status: \'varchar\', fingerprint: \'varchar\', bytes: \'bigint\'})'
    ).rows -%}
    {%- if recorded | length != 1 or recorded[0][0] != 'complete' or recorded[0][1] != fingerprint -%}
        {{ return(false) }}
    {%- endif -%}
    {%- set sizes = run_query('select size from read_blob(' ~ sql_string(location) ~ ')').rows
        if run_query('select count(*) from glob(' ~ sql_string(location) ~ ')').rows[0][0] > 0 else [] -%}
    {{ return(sizes | length == 1 and sizes[0][0] == recorded[0][2]) }}
{% endmacro %}


{#- Writes an export's marker: its status and fingerprint, and once complete its rows and bytes. -#}
{% macro write_export_marker(marker, status, fingerprint, location=none) %}
    {% call statement('export_marker') %}
        copy (
            select
                {{ sql_string(status) }} as status,
                {{ sql_string(fingerprint) }} as fingerprint,
                {%- if location %}
                (select count(*) from read_parquet({{ sql_string(location) }})) as rows,
                (select size from read_blob({{ sql_string(location) }})) as bytes
                {%- else %}
                cast(null as bigint) as rows,
                cast(null as bigint) as bytes
                {%- endif %}
        ) to {{ sql_string(marker) }} (format json, use_tmp_file true)
    {% endcall %}
{% endmacro %}
