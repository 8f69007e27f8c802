{#- string_agg ordered by a key, on every engine (dbt.listagg ignores order on Spark). -#}
{% macro ordered_string_agg(expression, delimiter, order_by) -%}
    {{ return(adapter.dispatch('ordered_string_agg', 'tianchi')(expression, delimiter, order_by)) }}
{%- endmacro %}

{% macro duckdb__ordered_string_agg(expression, delimiter, order_by) -%}
    string_agg(cast({{ expression }} as varchar), '{{ delimiter }}' order by {{ order_by }})
{%- endmacro %}

{% macro spark__ordered_string_agg(expression, delimiter, order_by) -%}
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
