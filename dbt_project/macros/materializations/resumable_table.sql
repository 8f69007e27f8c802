{#-
    DuckDB's table materialization for a resumable build (build_state.sql): a table whose
    recorded fingerprint matches is reused as it is; any other is written, with its fingerprint,
    in one transaction, so a build stopped midway leaves either the old table and its old
    fingerprint or the new ones, never a half. With config build_partition_by (a column, e.g.
    cutoff_date; build_partition_type gives its type, date by default) and either
    build_partitions_from (a model whose rows list the partition values in that column) or
    build_partitions (the values themselves), each partition is its own transaction with its own
    fingerprint: the model's SQL keeps one partition through partition_filter(), and a stopped
    build redoes only the partitions it had not finished.
    Spark builds the same models as plain tables (dbt_project.yml picks the materialization).
-#}

{% materialization resumable_table, adapter='duckdb' %}
    {%- set target_relation = this.incorporate(type='table') -%}
    {%- set existing_relation = load_cached_relation(this) -%}
    {%- set fingerprint = build_fingerprint(compiled_code) -%}
    {%- set partition_by = config.get('build_partition_by') if build_by_partition() else none -%}
    {%- set rebuild = should_full_refresh() or existing_relation is none or not existing_relation.is_table -%}

    {{ run_hooks(pre_hooks, inside_transaction=False) }}
    {{ run_hooks(pre_hooks, inside_transaction=True) }}

    {%- if partition_by %}
        {%- do build_partitions(target_relation, existing_relation, fingerprint, partition_by, rebuild) -%}
    {%- elif not rebuild and recorded_fingerprint(this.identifier) == fingerprint %}
        {{ log('reused ' ~ this.identifier ~ ': built from the same inputs (fingerprint ' ~ fingerprint[:8] ~ ')', info=true) }}
        {% call statement('main') %}
            select 1 as reused
        {% endcall %}
    {%- else %}
        {%- set intermediate_relation = make_intermediate_relation(target_relation) -%}
        {{ drop_relation_if_exists(load_cached_relation(intermediate_relation)) }}
        {% call statement('main') %}
            {{ create_table_as(False, intermediate_relation, compiled_code) }}
        {% endcall %}
        {{ drop_relation_if_exists(existing_relation) }}
        {{ adapter.rename_relation(intermediate_relation, target_relation) }}
        {%- do record_fingerprint(this.identifier, fingerprint) -%}
    {%- endif %}

    {{ run_hooks(post_hooks, inside_transaction=True) }}
    {{ adapter.commit() }}
    {{ run_hooks(post_hooks, inside_transaction=False) }}

    {{ return({'relations': [target_relation]}) }}
{% endmaterialization %}


{#- The partitioned build: the table's columns come from the model with no partition kept; its
    partitions are written one by one, each in a transaction with its fingerprint, skipping those
    whose fingerprint matches; partitions the query no longer lists are deleted. -#}
{% macro build_partitions(target_relation, existing_relation, fingerprint, partition_by, rebuild) %}
    {%- set placeholder = partition_placeholder() -%}
    {%- if not rebuild and recorded_fingerprint(this.identifier) == fingerprint -%}
        {%- set done = 'kept' -%}
    {%- else -%}
        {#- new SQL, inputs or columns: start from an empty table -#}
        {%- do forget_fingerprints(this.identifier) -%}
        {{ drop_relation_if_exists(existing_relation) }}
        {% call statement('create_empty') %}
            create table {{ target_relation }} as
            select * from ({{ compiled_code | replace(placeholder, 'null') }}) as model_rows
            limit 0
        {% endcall %}
        {%- do record_fingerprint(this.identifier, fingerprint) -%}
        {{ adapter.commit() }}
    {%- endif -%}

    {%- if config.get('build_partitions') is not none -%}
        {%- set values = config.get('build_partitions') | map('string') | list -%}
    {%- else -%}
        {%- set partitions = ref(config.require('build_partitions_from')) -%}
        {%- set values = run_query(
            'select distinct ' ~ partition_by ~ ' from ' ~ partitions ~ ' order by 1'
        ).columns[0].values() | map('string') | list -%}
    {%- endif -%}
    {%- set built = [] -%}
    {%- for value in values -%}
        {%- set part_fingerprint = local_md5(fingerprint ~ '|' ~ value) -%}
        {%- if recorded_fingerprint(this.identifier, value) != part_fingerprint -%}
            {% call statement('partition_' ~ loop.index) %}
                delete from {{ target_relation }} where {{ partition_by }} = {{ partition_value(sql_string(value)) }};
                insert into {{ target_relation }}
                select * from ({{ compiled_code | replace(placeholder, sql_string(value)) }}) as model_rows;
            {% endcall %}
            {%- do record_fingerprint(this.identifier, part_fingerprint, value) -%}
            {{ adapter.commit() }}
            {%- do built.append(value) -%}
            {{ log(this.identifier ~ ': partition ' ~ value ~ ' written (' ~ loop.index ~ ' of ' ~ values | length ~ ')', info=true) }}
        {%- endif -%}
    {%- endfor -%}

    {% call statement('main') %}
        delete from {{ target_relation }}
        where {{ partition_by }} not in (
            {%- for value in values %}{{ partition_value(sql_string(value)) }}{{ ', ' if not loop.last }}{% endfor -%}
            {%- if not values %}null{% endif -%}
        );
        delete from {{ build_state_relation() }}
        where model = {{ sql_string(this.identifier) }} and part != ''
            and part not in ({%- for value in values %}{{ sql_string(value) }}{{ ', ' if not loop.last }}{% endfor -%}{%- if not values %}''{% endif -%});
    {% endcall %}
    {%- if built | length < values | length -%}
        {{ log('reused ' ~ (values | length - built | length) ~ ' of ' ~ values | length ~ ' partitions of '
            ~ this.identifier ~ ': built from the same inputs', info=true) }}
    {%- endif -%}
{% endmacro %}
