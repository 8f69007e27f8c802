{#- The values of a group joined in the order of order_by, on every engine (dbt.listagg ignores
    order on Spark): order_by is a rank, a distinct integer per row of the group, and the group has
    at most max_count rows (the caller keeps ranks up to max_count). On DuckDB a top-max_count by
    rank (max_by) is several times faster than string_agg's ordered aggregate. -#}
{% macro ordered_string_agg(expression, delimiter, order_by, max_count) -%}
    {{ return(adapter.dispatch('ordered_string_agg', 'tianchi')(expression, delimiter, order_by, max_count)) }}
{%- endmacro %}

{% macro duckdb__ordered_string_agg(expression, delimiter, order_by, max_count) -%}
    array_to_string(max_by({{ expression }}, -({{ order_by }}), {{ max_count }}), '{{ delimiter }}')
{%- endmacro %}

{% macro spark__ordered_string_agg(expression, delimiter, order_by, max_count) -%}
    concat_ws('{{ delimiter }}', transform(
        array_sort(collect_list(struct({{ order_by }} as sort_key, cast({{ expression }} as string) as value))),
        entry -> entry.value
    ))
{%- endmacro %}

{#- Smallest / largest integer of a delimited list of integer codes. -#}
{% macro list_max_code(expression, delimiter) -%}
    {{ return(adapter.dispatch('list_max_code', 'tianchi')(expression, delimiter)) }}
{%- endmacro %}

{% macro duckdb__list_max_code(expression, delimiter) -%}
    list_max(list_transform(string_split({{ expression }}, '{{ delimiter }}'), lambda code: cast(code as bigint)))
{%- endmacro %}

{% macro spark__list_max_code(expression, delimiter) -%}
    array_max(transform(split({{ expression }}, '{{ delimiter }}'), code -> cast(code as bigint)))
{%- endmacro %}

{% macro list_min_code(expression, delimiter) -%}
    {{ return(adapter.dispatch('list_min_code', 'tianchi')(expression, delimiter)) }}
{%- endmacro %}

{% macro duckdb__list_min_code(expression, delimiter) -%}
    list_min(list_transform(string_split({{ expression }}, '{{ delimiter }}'), lambda code: cast(code as bigint)))
{%- endmacro %}

{% macro spark__list_min_code(expression, delimiter) -%}
    array_min(transform(split({{ expression }}, '{{ delimiter }}'), code -> cast(code as bigint)))
{%- endmacro %}
