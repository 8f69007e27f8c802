{#-
    Spark: the `parquet_export` materialization of the exports (DuckDB's: parquet_export.sql). The model's
    query is written with Parquet to `location` (config), the same path the DuckDB build writes;
    on Spark it is a folder holding one part file (`<location>/part-00000-*.parquet`, rows in the
    query's order) that pyarrow, pandas and the runner (tzrec inputs: runner/tzrec/preflight.py)
    read as the same data set. Column names, order and Parquet types are the query's (bigint
    INT64, int INT32, double DOUBLE, string UTF8), as DuckDB writes them. The model's relation is a
    view over the written files, so data tests read what tzrec reads. An enforced contract is
    checked (names and types) before anything is written.
-#}

{% materialization parquet_export, adapter='spark' %}
    {%- set location = config.require('location') -%}
    {%- set target_relation = this.incorporate(type='view') -%}
    {%- set existing_relation = load_cached_relation(this) -%}
    {%- set contract_config = config.get('contract') -%}

    {{ run_hooks(pre_hooks) }}

    {%- if contract_config.enforced -%}
        {{ get_assert_columns_equivalent(sql) }}
    {%- endif -%}

    {#- One task writes the file: COALESCE(1) keeps a sorted query's order (no new shuffle). -#}
    {% call statement('main') -%}
        insert overwrite directory {{ sql_string(location) }}
        using parquet
        select /*+ COALESCE(1) */ * from (
            {{ sql }}
        ) as export_rows
    {%- endcall %}

    {%- if existing_relation is not none and existing_relation.type != 'view' -%}
        {{ adapter.drop_relation(existing_relation) }}
    {%- endif -%}
    {% call statement('export_view') -%}
        create or replace view {{ target_relation }} as
        select * from parquet.`{{ location }}`
    {%- endcall %}

    {{ run_hooks(post_hooks) }}

    {{ return({'relations': [target_relation]}) }}
{% endmaterialization %}
