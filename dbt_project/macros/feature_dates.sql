{#- Date helpers. Engine-specific SQL lives only in the dispatched implementations. -#}

{% macro date_literal(value) -%}
    cast('{{ value }}' as date)
{%- endmacro %}

{#- ISO day of week of a date: 1 = Monday .. 7 = Sunday. -#}
{% macro iso_weekday(date_expression) -%}
    {{ return(adapter.dispatch('iso_weekday', 'tianchi')(date_expression)) }}
{%- endmacro %}

{% macro default__iso_weekday(date_expression) -%}
    isodow({{ date_expression }})
{%- endmacro %}

{% macro spark__iso_weekday(date_expression) -%}
    (((dayofweek({{ date_expression }}) + 5) % 7) + 1)
{%- endmacro %}

{#- A date shifted by a number of days (a literal or a column), as a date on every engine. -#}
{% macro add_days(date_expression, days) -%}
    cast({{ dbt.dateadd('day', days, date_expression) }} as date)
{%- endmacro %}

{#- (main's helper names, for the merge) -#}
{% macro tianchi_add_days(expression, days) -%}
    cast({{ dbt.dateadd('day', days, expression) }} as date)
{%- endmacro %}
