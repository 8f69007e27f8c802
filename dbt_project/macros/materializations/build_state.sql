{#-
    What makes a DuckDB build resumable: every model records, when it is built, a fingerprint
    of what it was built from, in the table `_build_state` of the build's database, in the same
    transaction that writes the model. A model is:

        md5(its compiled SQL, every parent's fingerprint)

    where a parent model's fingerprint is the one it recorded (this run or an earlier one), a
    raw-file source's is the path, size and modification time of each of its files, a seed's
    is its file's checksum, and a model may add files it reads itself (config
    fingerprint_files, e.g. the 12-19 answers). The compiled SQL holds every var the model
    uses, so a change of vars, SQL, input files or any ancestor changes the fingerprint.

    A table or export whose recorded fingerprint equals the one computed now is not built
    again (resumable_table, parquet_export); a model split into partitions (cutoff days)
    records one fingerprint per partition, so a stopped build redoes only the partitions it
    had not finished. `dbt build --full-refresh` builds everything again.
-#}

{% macro build_state_relation() %}
    {{ return(api.Relation.create(database=target.database, schema=target.schema, identifier='_build_state')) }}
{% endmacro %}


{% macro ensure_build_state() %}
    {% call statement('ensure_build_state') %}
        create table if not exists {{ build_state_relation() }} (
            model varchar,
            part varchar,
            fingerprint varchar,
            finished_at timestamp
        )
    {% endcall %}
{% endmacro %}


{#- The fingerprint a model (by name) recorded for a part ('' for the whole model); none when it
    has none. -#}
{% macro recorded_fingerprint(model_name, part='') %}
    {%- do ensure_build_state() -%}
    {%- set rows = run_query(
        'select fingerprint from ' ~ build_state_relation()
        ~ ' where model = ' ~ sql_string(model_name) ~ ' and part = ' ~ sql_string(part)
    ).rows -%}
    {{ return(rows[0][0] if rows | length > 0 else none) }}
{% endmacro %}


{#- Records (replaces) a model's fingerprint for a part: call it inside the transaction that
    writes the model, so both land together or neither does. -#}
{% macro record_fingerprint(model_name, fingerprint, part='') %}
    {%- do ensure_build_state() -%}
    {% call statement('record_fingerprint') %}
        delete from {{ build_state_relation() }}
        where model = {{ sql_string(model_name) }} and part = {{ sql_string(part) }};
        insert into {{ build_state_relation() }}
        values ({{ sql_string(model_name) }}, {{ sql_string(part) }}, {{ sql_string(fingerprint) }}, now());
    {% endcall %}
{% endmacro %}


{#- Forgets every fingerprint of a model (before it is built again from scratch). -#}
{% macro forget_fingerprints(model_name) %}
    {%- do ensure_build_state() -%}
    {% call statement('forget_fingerprints') %}
        delete from {{ build_state_relation() }} where model = {{ sql_string(model_name) }}
    {% endcall %}
{% endmacro %}


{#- Path, size and modification time of every file a list of paths or globs matches
    ('absent' for one that matches nothing), as one string. -#}
{% macro files_fingerprint(paths) %}
    {%- set parts = [] -%}
    {%- for path in paths -%}
        {%- set found = run_query(
            'select string_agg(filename || \':\' || size || \':\' || epoch_ms(last_modified), \';\' order by filename)'
            ~ ' from read_blob(' ~ sql_string(path) ~ ')'
        ) if run_query('select count(*) from glob(' ~ sql_string(path) ~ ')').rows[0][0] > 0 else none -%}
        {%- do parts.append(path ~ '=' ~ (found.rows[0][0] if found is not none else 'absent')) -%}
    {%- endfor -%}
    {{ return(parts | join('|')) }}
{% endmacro %}


{#- The fingerprint of the model being built, from its compiled SQL (see above). -#}
{% macro build_fingerprint(compiled_sql) %}
    {%- set parts = [compiled_sql] -%}
    {%- for parent in model.depends_on.nodes | sort -%}
        {%- if parent.startswith('source.') -%}
            {%- set kind = 'behavior' if parent.endswith('.behavior_lines') else 'item' -%}
            {%- do parts.append(parent ~ '=' ~ files_fingerprint(raw_files(kind))) -%}
        {%- elif parent.startswith('seed.') -%}
            {%- do parts.append(parent ~ '=' ~ graph.nodes[parent].checksum.checksum) -%}
        {%- else -%}
            {%- do parts.append(parent ~ '=' ~ recorded_fingerprint(parent.split('.')[-1])) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- do parts.append('files=' ~ files_fingerprint(config.get('fingerprint_files', []))) -%}
    {{ return(local_md5(parts | join('\n'))) }}
{% endmacro %}


{#- In a model split into partitions (config build_partition_by, materialized resumable_table): the
    condition that keeps one partition, e.g. `where {{ partition_filter('calendar.cutoff_date') }}`.
    The materialization puts each partition's value in place of the placeholder; anywhere else
    (another engine, a compile, a unit test) every partition is kept. -#}
{% macro partition_filter(column) %}
    {%- if build_by_partition() -%}
        {{ column }} = {{ partition_value(partition_placeholder()) }}
    {%- else -%}
        true
    {%- endif -%}
{% endmacro %}


{#- A partition's value (a quoted string) as the partition column's type: config
    build_partition_type, date unless the model says otherwise. -#}
{% macro partition_value(quoted) %}
    {{- return('cast(' ~ quoted ~ ' as ' ~ config.get('build_partition_type', 'date') ~ ')') -}}
{% endmacro %}


{#- Whether the model being built is built one partition at a time: it names a build_partition_by
    (not dbt-spark's partition_by, a table layout), the engine is DuckDB and var build_by_partition
    is on (at the default scale a whole-table query is faster; at the online scale each partition
    is a transaction a stopped build keeps, and a query small enough for memory). A unit test of such
    a model reads its given rows whole. -#}
{% macro build_by_partition() %}
    {{ return(config.get('build_partition_by') is not none and target.type == 'duckdb' and var('build_by_partition', false)
              and model.resource_type != 'unit_test') }}
{% endmacro %}


{% macro partition_placeholder() %}
    {{ return("'__partition_value__'") }}
{% endmacro %}


{#- The materializations of a model, by engine: resumable on DuckDB, dbt's own elsewhere. -#}
{% macro table_materialization() %}
    {{ return('resumable_table' if target.type == 'duckdb' else 'table') }}
{% endmacro %}

{% macro view_materialization() %}
    {{ return('recorded_view' if target.type == 'duckdb' else 'view') }}
{% endmacro %}
