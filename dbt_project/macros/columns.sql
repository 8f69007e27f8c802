{#- The columns of a relation except some, each qualified by an alias and followed by a comma:
    for wide joins without repeating the key columns (what dbt_utils.star does; no packages can
    be installed here). -#}
{% macro columns_except(relation, except, alias) -%}
    {%- if not execute -%}
        {{ return('') }}
    {%- endif -%}
    {%- set skip = except | map('lower') | list -%}
    {%- for column in adapter.get_columns_in_relation(relation) if column.name | lower not in skip %}
    {{ alias }}.{{ adapter.quote(column.name) if column.name != column.name | lower else column.name }},
    {%- endfor %}
{%- endmacro %}
