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

    With config parquet_partition_by (a list of columns), location is a folder of Parquet files in
    hive partitions (`<location>/<column>=<value>/data_0.parquet`), e.g. the staged behaviour lines
    (models_sql/staging/tianchi/base/base_tianchi__staged_behavior_lines.sql), and the view reads it
    with hive_partitioning, so that a filter on a partition column reads only its folders. DuckDB
    cannot combine use_tmp_file with a partitioned COPY, and SQL cannot rename a folder: the folder
    is written in place (COPY's overwrite first deletes what a stopped write left there), and the
    marker guards it as it guards a file: `writing` until every file is written, `complete` with the
    rows and the bytes of all its files after, and a folder is reused only when its files add up
    to the recorded bytes. Config parquet_compression names the codec (DuckDB's default, snappy,
    when not set).
-#}

{% materialization parquet_export, adapter='duckdb' %}
    {%- set location = config.require('location') -%}
    {%- set marker = location ~ '.build.json' -%}
    {%- set partition_by = config.get('parquet_partition_by') or [] -%}
    {%- set partition_by = [partition_by] if partition_by is string else partition_by -%}
    {%- set files = export_files(location, partition_by) -%}
    {%- set target_relation = this.incorporate(type='view') -%}
    {%- set existing_relation = load_cached_relation(this) -%}
    {%- set fingerprint = build_fingerprint(compiled_code) -%}

    {{ run_hooks(pre_hooks, inside_transaction=False) }}
    {{ run_hooks(pre_hooks, inside_transaction=True) }}

    {%- if not should_full_refresh() and export_is_current(files, marker, fingerprint) %}
        {{ log('reused ' ~ location ~ ': complete and built from the same inputs (fingerprint '
            ~ fingerprint[:8] ~ ')', info=true) }}
        {% call statement('main') %}
            select 1 as reused
        {% endcall %}
    {%- else %}
        {%- if config.get('contract').enforced -%}
            {{ get_assert_columns_equivalent(compiled_code) }}
        {%- endif -%}
        {%- if partition_by -%}
            {%- do create_folder(location) -%}
        {%- endif -%}
        {%- do write_export_marker(marker, 'writing', fingerprint) -%}
        {%- set compression = config.get('parquet_compression') -%}
        {%- set options = ['format parquet'] + (['compression ' ~ compression] if compression else []) -%}
        {%- if partition_by -%}
            {%- do options.extend(['partition_by (' ~ partition_by | join(', ') ~ ')', 'overwrite true']) -%}
        {%- else -%}
            {%- do options.append('use_tmp_file true') -%}
        {%- endif %}
        {% call statement('main') %}
            copy ({{ compiled_code }}) to {{ sql_string(location) }} ({{ options | join(', ') }})
        {% endcall %}
        {%- do write_export_marker(marker, 'complete', fingerprint, files) -%}
    {%- endif %}

    {% if existing_relation is not none and not existing_relation.is_view %}
        {{ drop_relation_if_exists(existing_relation) }}
    {% endif %}
    {% call statement('export_view') %}
        create or replace view {{ target_relation }} as
        {% if (export_marker(marker) or {}).get('status') == 'dropped' -%}
        {{ dropped_export_guard(compiled_code, location, marker) }}
        {%- elif not partition_by -%}
        select * from read_parquet({{ sql_string(files) }})
        {%- elif file_count(files) > 0 -%}
        select * from read_parquet({{ sql_string(files) }}, hive_partitioning = true)
        {%- else -%}
        {#- a query without rows writes no file: the view is the query's empty result -#}
        select * from ({{ compiled_code }}) as model_rows limit 0
        {%- endif %}
    {% endcall %}
    {%- do record_fingerprint(this.identifier, fingerprint) -%}

    {{ run_hooks(post_hooks, inside_transaction=True) }}
    {{ adapter.commit() }}
    {{ run_hooks(post_hooks, inside_transaction=False) }}

    {{ return({'relations': [target_relation]}) }}
{% endmaterialization %}


{#- The Parquet files of an export: its file, or with partition columns the glob of its folder's
    files (one folder level per column). -#}
{% macro export_files(location, partition_by) %}
    {{ return(location ~ ('/*' * partition_by | length) ~ ('/*.parquet' if partition_by else '')) }}
{% endmacro %}


{#- How many files a path or glob matches. -#}
{% macro file_count(files) %}
    {{ return(run_query('select count(*) from glob(' ~ sql_string(files) ~ ')').rows[0][0]) }}
{% endmacro %}


{#- Whether the export whose file (or files: a glob) is `files` is complete and was built with
    `fingerprint`: its marker says so and its files add up to the bytes the marker recorded (a
    partitioned export without rows has no file and 0 bytes). An export whose files were dropped
    once every model that reads them was built (status `dropped`, drop_export_files) is current
    without them: the models built from it are reused, and reading it raises dropped_export_guard's
    error. -#}
{% macro export_is_current(files, marker, fingerprint) %}
    {%- set recorded = export_marker(marker) -%}
    {%- if recorded is none or recorded.status not in ['complete', 'dropped'] or recorded.fingerprint != fingerprint -%}
        {{ return(false) }}
    {%- elif recorded.status == 'dropped' -%}
        {{ return(true) }}
    {%- endif -%}
    {%- set found_bytes = run_query('select sum(size) from read_blob(' ~ sql_string(files) ~ ')').rows[0][0]
        if file_count(files) > 0 else 0 -%}
    {{ return(found_bytes == recorded.bytes) }}
{% endmacro %}


{#- Writes an export's marker: its status and fingerprint, and once complete (`files` given: the
    export's file, or the glob of its folder's files) its rows and bytes. -#}
{% macro write_export_marker(marker, status, fingerprint, files=none) %}
    {% call statement('export_marker') %}
        copy (
            select
                {{ sql_string(status) }} as status,
                {{ sql_string(fingerprint) }} as fingerprint,
                {%- if files is not none and file_count(files) > 0 %}
                (select count(*) from read_parquet({{ sql_string(files) }})) as rows,
                (select sum(size) from read_blob({{ sql_string(files) }})) as bytes
                {%- elif files is not none %}
                cast(0 as bigint) as rows,
                cast(0 as bigint) as bytes
                {%- else %}
                cast(null as bigint) as rows,
                cast(null as bigint) as bytes
                {%- endif %}
        ) to {{ sql_string(marker) }} (format json, use_tmp_file true)
    {% endcall %}
{% endmacro %}


{#- What an export's marker records: {status (writing, complete, dropped), fingerprint, rows, bytes}, or
    none without a marker. -#}
{% macro export_marker(marker) %}
    {%- if file_count(marker) == 0 -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set row = run_query(
        'select status, fingerprint, rows, bytes from read_json(' ~ sql_string(marker)
        ~ ', columns = {status: \'varchar\', fingerprint: \'varchar\', rows: \'bigint\', bytes: \'bigint\'})'
    ).rows[0] -%}
    {{ return({'status': row[0], 'fingerprint': row[1], 'rows': row[2], 'bytes': row[3]}) }}
{% endmacro %}


{#- The view of an export whose files were dropped: the export's columns and types, and any read
    of it (a count included: the filter cannot be folded away) stops with an error that says what
    happened and how to write the files again. -#}
{% macro dropped_export_guard(compiled_code, location, marker) %}
    {%- set message = this.identifier ~ ': its files in ' ~ location ~ ' were deleted once every model'
        ~ ' that reads them was built (var drop_staged_lines), and a model that reads them is being built'
        ~ ' again. Delete ' ~ marker ~ ' and build again: the files are written again from the raw files.' -%}
    {%- set error = 'error(' ~ sql_string(message) ~ ')' -%}
    {%- set columns = run_query('describe select * from (' ~ compiled_code ~ ') as model_rows').rows -%}
    select
    {%- for column in columns %}
        cast({{ error }} as {{ column[1] }}) as {{ adapter.quote(column[0]) }}{{ ',' if not loop.last }}
    {%- endfor %}
    from range(1)
    where {{ error }} is null
{% endmacro %}


{#- Deletes the files of the partitioned export at `location` (an empty partitioned COPY over the
    folder removes every file) and records `dropped` in its marker, with the fingerprint, rows and
    bytes it had: the export stays current for the models built from it (export_is_current). An
    export whose marker is not `complete` is left as it is. -#}
{% macro drop_export_files(location, partition_by) %}
    {%- set marker = location ~ '.build.json' -%}
    {%- set recorded = export_marker(marker) if execute else none -%}
    {%- if recorded is none or recorded.status != 'complete' -%}
        {{ return('') }}
    {%- endif -%}
    {%- set partition_by = [partition_by] if partition_by is string else partition_by -%}
    {% call statement('drop_export_files') %}
        copy (
            select {% for column in partition_by %}cast(null as integer) as {{ column }}, {% endfor %}1 as dropped
            where false
        ) to {{ sql_string(location) }} (format parquet, partition_by ({{ partition_by | join(', ') }}), overwrite true)
    {% endcall %}
    {% call statement('export_marker') %}
        copy (
            select
                'dropped' as status,
                {{ sql_string(recorded.fingerprint) }} as fingerprint,
                cast({{ recorded.rows }} as bigint) as rows,
                cast({{ recorded.bytes }} as bigint) as bytes
        ) to {{ sql_string(marker) }} (format json, use_tmp_file true)
    {% endcall %}
    {{ log('dropped the files of ' ~ location ~ ' (every model that reads them is built): ' ~ marker ~ ' says dropped', info=true) }}
    {{ return('') }}
{% endmacro %}
