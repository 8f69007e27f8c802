{#- Building blocks of the window features. Every window is relative to a cutoff day: a
    w-day window holds the days cutoff - w + 1 .. cutoff; "all" holds every day up to the
    cutoff. Nothing after the cutoff is ever summed: rows are joined with
    event_date <= cutoff_date before these run. -#}


{% macro behavior_measures() -%}
    {{ return(['clicks', 'collects', 'carts', 'buys']) }}
{%- endmacro %}

{#- Whether a dated row falls in the w-day window ending on the cutoff day. -#}
{% macro in_window(date_column, cutoff_column, window) -%}
    {{ date_column }} > {{ add_days(cutoff_column, -window) }}
{%- endmacro %}

{#- sum(measure) over each feature window and the whole history: <prefix>_<measure>_<w>d, <prefix>_<measure>_all,
    each followed by a comma unless trailing_comma is false (the last columns of a select). -#}
{% macro windowed_sums(prefix, measures, date_column='event_date', cutoff_column='cutoff_date', windows=none, with_all=true, trailing_comma=true) -%}
    {%- set windows = var('feature_windows') if windows is none else windows -%}
    {%- set columns = [] -%}
    {%- for window in windows %}
        {%- for measure in measures %}
            {%- do columns.append('cast(sum(case when ' ~ in_window(date_column, cutoff_column, window) ~ ' then ' ~ measure
                                  ~ ' else 0 end) as bigint) as ' ~ prefix ~ '_' ~ measure ~ '_' ~ window ~ 'd') -%}
        {%- endfor %}
    {%- endfor %}
    {%- if with_all %}
        {%- for measure in measures %}
            {%- do columns.append('cast(sum(' ~ measure ~ ') as bigint) as ' ~ prefix ~ '_' ~ measure ~ '_all') -%}
        {%- endfor %}
    {%- endif %}
    {{ columns | join(',\n    ') }}{{ ',' if trailing_comma }}
{%- endmacro %}

{#- count(distinct key) over each feature window: <prefix>_<name>_<w>d. On the month's rows a
    group by the key first and windowed_key_counts after is much faster (one grouping of the keys
    in place of one per window). -#}
{% macro windowed_distinct(prefix, name, key, date_column='event_date', cutoff_column='cutoff_date', windows=none) -%}
    {%- set windows = var('feature_windows') if windows is none else windows -%}
    {%- for window in windows %}
    count(distinct case when {{ in_window(date_column, cutoff_column, window) }} then {{ key }} end)
        as {{ prefix }}_{{ name }}_{{ window }}d,
    {%- endfor %}
{%- endmacro %}

{#- The second step of a distinct count over each feature window, on rows already grouped by the
    key with the key's last day up to the cutoff in last_date_column: a key counts in a window when
    its last day falls in it (<prefix>_<name>_<w>d), and in "all" always (<prefix>_<name>_all). The
    columns are comma-separated, with no comma after the last. -#}
{% macro windowed_key_counts(prefix, name, last_date_column, cutoff_column='cutoff_date', windows=none, with_all=true) -%}
    {%- set windows = var('feature_windows') if windows is none else windows -%}
    {%- set columns = [] -%}
    {%- for window in windows %}
        {%- do columns.append('count(case when ' ~ in_window(last_date_column, cutoff_column, window) ~ ' then 1 end) as '
                              ~ prefix ~ '_' ~ name ~ '_' ~ window ~ 'd') -%}
    {%- endfor %}
    {%- if with_all %}
        {%- do columns.append('count(*) as ' ~ prefix ~ '_' ~ name ~ '_all') -%}
    {%- endif %}
    {{ columns | join(',\n    ') }}
{%- endmacro %}

{#- Hours from an event in hour `hour_column` of day `date_column` to the end of the cutoff day
    (an event at 23h on the cutoff day is 1 hour old). -#}
{% macro hours_to_cutoff_end(date_column, hour_column, cutoff_column='cutoff_date') -%}
    (24 * {{ dbt.datediff(date_column, cutoff_column, 'day') }} + 24 - {{ hour_column }})
{%- endmacro %}

{#- Fill for "hours since" when the event never happened: longer than any real gap. -#}
{% macro never_hours() -%}
    {{ return(24 * 40) }}
{%- endmacro %}

{#- A ratio smoothed so that rare entities do not get extreme values: a / (b + 1). -#}
{% macro smoothed_ratio(numerator, denominator) -%}
    cast({{ numerator }} as double) / ({{ denominator }} + 1)
{%- endmacro %}

{#- A stable pseudo-random number in [0, 1) from a value and a seed (md5: the same on every
    engine and every run), for user splits and negative sampling. -#}
{% macro hash_fraction(expression, seed) -%}
    {{ return(adapter.dispatch('hash_fraction', 'tianchi')(expression, seed)) }}
{%- endmacro %}

{% macro duckdb__hash_fraction(expression, seed) -%}
    (cast(('0x' || substr(md5(cast({{ expression }} as varchar) || ':{{ seed }}'), 1, 8)) as ubigint) / 4294967296.0)
{%- endmacro %}

{% macro spark__hash_fraction(expression, seed) -%}
    (cast(conv(substr(md5(concat(cast({{ expression }} as string), ':{{ seed }}')), 1, 8), 16, 10) as bigint) / 4294967296.0)
{%- endmacro %}

{#- Whether a user is one of the validation users (a hash of user_id: the users no model trains
    on): the one definition of the split, for samples.sql's dataset and validation_purchases. -#}
{% macro is_validation_user(user_id) -%}
    ({{ hash_fraction(user_id, var('split_seed')) }} < {{ var('validation_user_share') }})
{%- endmacro %}

{#- The hour of an event counted from the first logged hour: orders events across days. -#}
{% macro hour_slot(date_column, hour_column) -%}
    (24 * {{ dbt.datediff(date_var('log_start_date'), date_column, 'day') }} + {{ hour_column }})
{%- endmacro %}
