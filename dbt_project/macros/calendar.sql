{#-
    Day arithmetic on dates, through dbt's cross-database macros, always giving dates (DuckDB's
    date + interval is a timestamp).
-#}

{% macro add_days(expression, days) -%}
    cast({{ dbt.dateadd('day', days, expression) }} as date)
{%- endmacro %}


{% macro days_between(earlier, later) -%}
    {#- Whole days from `earlier` to `later` (positive when `later` is later). -#}
    {{ dbt.datediff(earlier, later, 'day') }}
{%- endmacro %}


{% macro day_spine(start_date, end_date) -%}
    {#- One row per day from start_date to end_date, both included, as column `date_day`. -#}
    select cast(date_day as date) as date_day
    from (
        {{ dbt.date_spine('day', start_date, dbt.dateadd('day', 1, end_date)) }}
    ) as spine
{%- endmacro %}
