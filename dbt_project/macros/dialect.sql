{#-
    Engine-specific SQL, one adapter-dispatched macro per expression, so the models stay
    engine-neutral: DuckDB versions here (duckdb__...), a Spark version goes beside each one
    (spark__...) when the project runs there. A default__ that cannot be written portably raises.
-#}

{% macro tianchi_not_ported(name) %}
    {{ exceptions.raise_compiler_error(
        name ~ " has no implementation for adapter '" ~ adapter.type() ~ "': add "
        ~ adapter.type() ~ "__" ~ name ~ " in dbt_project/macros/dialect.sql"
    ) }}
{% endmacro %}


{#- A raw text line without a trailing carriage return (CRLF files). -#}
{% macro tianchi_strip_cr(expression) %}
    {{ return(adapter.dispatch('tianchi_strip_cr')(expression)) }}
{% endmacro %}

{% macro duckdb__tianchi_strip_cr(expression) -%}
    rtrim({{ expression }}, chr(13))
{%- endmacro %}

{% macro spark__tianchi_strip_cr(expression) -%}
    trim(trailing chr(13) from {{ expression }})
{%- endmacro %}

{% macro default__tianchi_strip_cr(expression) -%}
    {{ tianchi_not_ported('tianchi_strip_cr') }}
{%- endmacro %}


{#- A line split on a delimiter (a SQL expression) into a list of strings. -#}
{% macro tianchi_split(expression, delimiter_sql) %}
    {{ return(adapter.dispatch('tianchi_split')(expression, delimiter_sql)) }}
{% endmacro %}

{% macro duckdb__tianchi_split(expression, delimiter_sql) -%}
    string_split({{ expression }}, {{ delimiter_sql }})
{%- endmacro %}

{#- Spark's split takes a regular expression: the delimiter is quoted (\Q..\E) so that it is
    matched as text; limit -1 keeps trailing empty fields, as DuckDB does. -#}
{% macro spark__tianchi_split(expression, delimiter_sql) -%}
    split({{ expression }}, concat('\\Q', {{ delimiter_sql }}, '\\E'), -1)
{%- endmacro %}

{% macro default__tianchi_split(expression, delimiter_sql) -%}
    {{ tianchi_not_ported('tianchi_split') }}
{%- endmacro %}


{#- The n-th (1-based) element of a list; null past its end. -#}
{% macro tianchi_list_element(list_expression, position) %}
    {{ return(adapter.dispatch('tianchi_list_element')(list_expression, position)) }}
{% endmacro %}

{% macro duckdb__tianchi_list_element(list_expression, position) -%}
    {{ list_expression }}[{{ position }}]
{%- endmacro %}

{% macro spark__tianchi_list_element(list_expression, position) -%}
    try_element_at({{ list_expression }}, {{ position }})
{%- endmacro %}

{% macro default__tianchi_list_element(list_expression, position) -%}
    {{ tianchi_not_ported('tianchi_list_element') }}
{%- endmacro %}


{% macro tianchi_list_length(list_expression) %}
    {{ return(adapter.dispatch('tianchi_list_length')(list_expression)) }}
{% endmacro %}

{% macro duckdb__tianchi_list_length(list_expression) -%}
    len({{ list_expression }})
{%- endmacro %}

{#- array_size is null for a null list (size() would give -1). -#}
{% macro spark__tianchi_list_length(list_expression) -%}
    array_size({{ list_expression }})
{%- endmacro %}

{% macro default__tianchi_list_length(list_expression) -%}
    {{ tianchi_not_ported('tianchi_list_length') }}
{%- endmacro %}


{#- True when the whole string matches the regular expression (null for a null string). -#}
{% macro tianchi_full_match(expression, pattern) %}
    {{ return(adapter.dispatch('tianchi_full_match')(expression, pattern)) }}
{% endmacro %}

{% macro duckdb__tianchi_full_match(expression, pattern) -%}
    regexp_full_match({{ expression }}, {{ tianchi_string_literal(pattern) }})
{%- endmacro %}

{#- rlike finds the pattern anywhere: anchor it, with \z (not $, which also matches before a
    final line terminator). Spark unescapes backslashes in string literals, so they are doubled. -#}
{% macro spark__tianchi_full_match(expression, pattern) -%}
    {%- set anchored = '^(?:' ~ pattern ~ ')' ~ '\\' ~ 'z' -%}
    ({{ expression }} rlike {{ tianchi_string_literal(anchored | replace('\\', '\\\\')) }})
{%- endmacro %}

{% macro default__tianchi_full_match(expression, pattern) -%}
    {{ tianchi_not_ported('tianchi_full_match') }}
{%- endmacro %}


{#- A `YYYY-MM-DD HH` string as a timestamp; null when it is no such time. -#}
{% macro tianchi_parse_hour(expression) %}
    {{ return(adapter.dispatch('tianchi_parse_hour')(expression)) }}
{% endmacro %}

{% macro duckdb__tianchi_parse_hour(expression) -%}
    try_strptime({{ expression }}, '%Y-%m-%d %H')
{%- endmacro %}

{#- Null on a bad time with ANSI mode off (dbt-spark forces it off); the profile sets
    spark.sql.legacy.timeParserPolicy=CORRECTED so that no day like 02-30 raises instead, and the
    session time zone to UTC so that the hour and the day never shift. -#}
{% macro spark__tianchi_parse_hour(expression) -%}
    to_timestamp({{ expression }}, 'yyyy-MM-dd HH')
{%- endmacro %}

{% macro default__tianchi_parse_hour(expression) -%}
    {{ tianchi_not_ported('tianchi_parse_hour') }}
{%- endmacro %}


{#- dbt.safe_cast is a plain cast on DuckDB (an error on bad input); make it null instead. -#}
{% macro duckdb__safe_cast(field, type) -%}
    try_cast({{ field }} as {{ type }})
{%- endmacro %}


{#- A SQL string type on every engine (Spark has no length-less varchar). -#}
{% macro tianchi_string_type() -%}
    {{ return(api.Column.translate_type('string')) }}
{%- endmacro %}
