{#- Date helpers of the feature models (day arithmetic: add_days in calendar.sql; date
    vars: date_var in raw_settings.sql). -#}

{#- ISO day of week of a date: 1 = Monday .. 7 = Sunday. -#}
{% macro iso_weekday(date_expression) -%}
    {{ return(adapter.dispatch('iso_weekday', 'tianchi')(date_expression)) }}
{%- endmacro %}

{% macro duckdb__iso_weekday(date_expression) -%}
    isodow({{ date_expression }})
{%- endmacro %}

{% macro spark__iso_weekday(date_expression) -%}
    (((dayofweek({{ date_expression }}) + 5) % 7) + 1)
{%- endmacro %}

{% macro default__iso_weekday(date_expression) -%}
    {{ not_ported('iso_weekday') }}
{%- endmacro %}
