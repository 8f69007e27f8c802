{#-
    Engine-specific SQL, one adapter-dispatched macro per expression, so the models stay
    engine-neutral: DuckDB versions here (duckdb__...), a Spark version goes beside each one
    (spark__...) when the project runs there. A default__ that cannot be written portably raises.
-#}

{% macro not_ported(name) %}
    {{ exceptions.raise_compiler_error(
        name ~ " has no implementation for adapter '" ~ adapter.type() ~ "': add "
        ~ adapter.type() ~ "__" ~ name ~ " in dbt_project/macros/dialect.sql"
    ) }}
{% endmacro %}


{#- A raw text line without a trailing carriage return (CRLF files). -#}
{% macro strip_cr(expression) %}
    {{ return(adapter.dispatch('strip_cr', 'tianchi')(expression)) }}
{% endmacro %}

{#- DuckDB's reader already ends a line at \r\n (the raw sources' new_line); this is a guard, and
    suffix() + left() cost nothing where rtrim(x, chr(13)) doubled the time of a raw scan. -#}
{% macro duckdb__strip_cr(expression) -%}
    case when suffix({{ expression }}, chr(13)) then left({{ expression }}, length({{ expression }}) - 1) else {{ expression }} end
{%- endmacro %}

{% macro spark__strip_cr(expression) -%}
    trim(trailing chr(13) from {{ expression }})
{%- endmacro %}

{% macro default__strip_cr(expression) -%}
    {{ not_ported('strip_cr') }}
{%- endmacro %}


{#- Whether a raw line is empty: null, or nothing but spaces. -#}
{% macro is_blank_line(line) %}
    {{ return(adapter.dispatch('is_blank_line', 'tianchi')(line)) }}
{% endmacro %}

{#- The same lines: trim() copies every line, where prefix() looks at its first character and only
    a line that starts with a space is trimmed (measured: 9 % of the staging's time). -#}
{% macro duckdb__is_blank_line(line) -%}
    {{ line }} is null or {{ line }} = '' or (prefix({{ line }}, ' ') and trim({{ line }}) = '')
{%- endmacro %}

{% macro default__is_blank_line(line) -%}
    {{ line }} is null or trim({{ line }}) = ''
{%- endmacro %}


{#- A line split on a delimiter (a SQL expression) into a list of strings. -#}
{% macro split_string(expression, delimiter) %}
    {{ return(adapter.dispatch('split_string', 'tianchi')(expression, delimiter)) }}
{% endmacro %}

{% macro duckdb__split_string(expression, delimiter) -%}
    string_split({{ expression }}, {{ delimiter }})
{%- endmacro %}

{#- Spark's split takes a regular expression: the delimiter is quoted (\Q..\E) so that it is
    matched as text; limit -1 keeps trailing empty fields, as DuckDB does. -#}
{% macro spark__split_string(expression, delimiter) -%}
    split({{ expression }}, concat('\\Q', {{ delimiter }}, '\\E'), -1)
{%- endmacro %}

{% macro default__split_string(expression, delimiter) -%}
    {{ not_ported('split_string') }}
{%- endmacro %}


{#- The n-th (1-based) element of a list; null past its end. -#}
{% macro list_element(list_expression, position) %}
    {{ return(adapter.dispatch('list_element', 'tianchi')(list_expression, position)) }}
{% endmacro %}

{% macro duckdb__list_element(list_expression, position) -%}
    {{ list_expression }}[{{ position }}]
{%- endmacro %}

{% macro spark__list_element(list_expression, position) -%}
    try_element_at({{ list_expression }}, {{ position }})
{%- endmacro %}

{% macro default__list_element(list_expression, position) -%}
    {{ not_ported('list_element') }}
{%- endmacro %}


{% macro list_length(list_expression) %}
    {{ return(adapter.dispatch('list_length', 'tianchi')(list_expression)) }}
{% endmacro %}

{% macro duckdb__list_length(list_expression) -%}
    len({{ list_expression }})
{%- endmacro %}

{#- array_size is null for a null list (size() would give -1). -#}
{% macro spark__list_length(list_expression) -%}
    array_size({{ list_expression }})
{%- endmacro %}

{% macro default__list_length(list_expression) -%}
    {{ not_ported('list_length') }}
{%- endmacro %}


{#- True when the whole string matches the regular expression (null for a null string). -#}
{% macro full_match(expression, pattern) %}
    {{ return(adapter.dispatch('full_match', 'tianchi')(expression, pattern)) }}
{% endmacro %}

{% macro duckdb__full_match(expression, pattern) -%}
    regexp_full_match({{ expression }}, {{ sql_string(pattern) }})
{%- endmacro %}

{#- rlike finds the pattern anywhere: anchor it, with \z (not $, which also matches before a
    final line terminator). Spark unescapes backslashes in string literals, so they are doubled. -#}
{% macro spark__full_match(expression, pattern) -%}
    {%- set anchored = '^(?:' ~ pattern ~ ')' ~ '\\' ~ 'z' -%}
    ({{ expression }} rlike {{ sql_string(anchored | replace('\\', '\\\\')) }})
{%- endmacro %}

{% macro default__full_match(expression, pattern) -%}
    {{ not_ported('full_match') }}
{%- endmacro %}


{#- A `YYYY-MM-DD HH` string as a timestamp; null when it is no such time. -#}
{% macro parse_hour(expression) %}
    {{ return(adapter.dispatch('parse_hour', 'tianchi')(expression)) }}
{% endmacro %}

{% macro duckdb__parse_hour(expression) -%}
    try_strptime({{ expression }}, '%Y-%m-%d %H')
{%- endmacro %}

{#- Null on a bad time with ANSI mode off (dbt-spark forces it off); the profile sets
    spark.sql.legacy.timeParserPolicy=CORRECTED so that no day like 02-30 raises instead, and the
    session time zone to UTC so that the hour and the day never shift. -#}
{% macro spark__parse_hour(expression) -%}
    to_timestamp({{ expression }}, 'yyyy-MM-dd HH')
{%- endmacro %}

{% macro default__parse_hour(expression) -%}
    {{ not_ported('parse_hour') }}
{%- endmacro %}


{#- dbt.safe_cast is a plain cast on DuckDB (an error on bad input); make it null instead. -#}
{% macro duckdb__safe_cast(field, type) -%}
    try_cast({{ field }} as {{ type }})
{%- endmacro %}


{#- A SQL string type on every engine (Spark has no length-less varchar). -#}
{% macro string_type() -%}
    {{ return(api.Column.translate_type('string')) }}
{%- endmacro %}
