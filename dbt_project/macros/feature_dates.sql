{#- Date helpers of the feature models (day arithmetic: tianchi_add_days in calendar.sql; date
    vars: tianchi_date_var in raw_settings.sql). -#}

{#- ISO day of week of a date: 1 = Monday .. 7 = Sunday. -#}
{% macro tianchi_iso_weekday(date_expression) -%}
    {{ return(adapter.dispatch('tianchi_iso_weekday', 'tianchi')(date_expression)) }}
{%- endmacro %}

{% macro duckdb__tianchi_iso_weekday(date_expression) -%}
    isodow({{ date_expression }})
{%- endmacro %}

{% macro spark__tianchi_iso_weekday(date_expression) -%}
    (((dayofweek({{ date_expression }}) + 5) % 7) + 1)
{%- endmacro %}

{% macro default__tianchi_iso_weekday(date_expression) -%}
    {{ tianchi_not_ported('tianchi_iso_weekday') }}
{%- endmacro %}
