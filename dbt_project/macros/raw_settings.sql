{#-
    Raw-file settings, resolved from the vars in dbt_project.yml:
    a kind-specific var (behavior_delimiter) wins over the shared one (raw_delimiter), which wins
    over the edition's default (tianchi_editions). `kind` is 'behavior' or 'item'.

    models_sql/staging/tianchi/_tianchi__sources.yml resolves the file lists the same way inline,
    because yaml cannot call macros: change both together.
-#}

{% macro edition_defaults() %}
    {%- set editions = var('tianchi_editions') -%}
    {%- if var('edition') not in editions -%}
        {{ exceptions.raise_compiler_error(
            "var 'edition' must be one of " ~ (editions.keys() | list | join(', '))
            ~ "; got '" ~ var('edition') ~ "'"
        ) }}
    {%- endif -%}
    {{ return(editions[var('edition')]) }}
{% endmacro %}


{% macro raw_files(kind) %}
    {#- The paths or globs to read for `kind`, as a list. -#}
    {%- set files = var(kind ~ '_files') -%}
    {%- if files is none -%}
        {%- set files = [] -%}
        {%- for name in edition_defaults()[kind ~ '_files'] -%}
            {%- do files.append(var('raw_dir') ~ '/' ~ name) -%}
        {%- endfor -%}
    {%- elif files is string -%}
        {%- set files = [files] -%}
    {%- endif -%}
    {{ return(files | list) }}
{% endmacro %}


{% macro raw_setting(kind, setting) %}
    {#- `setting` is 'delimiter' or 'has_header'. -#}
    {%- set value = var(kind ~ '_' ~ setting) -%}
    {%- if value is none -%}
        {%- set value = var('raw_' ~ setting) -%}
    {%- endif -%}
    {%- if value is none -%}
        {%- set value = edition_defaults()[setting] -%}
    {%- endif -%}
    {{ return(value) }}
{% endmacro %}


{% macro has_header(kind) %}
    {%- set value = raw_setting(kind, 'has_header') -%}
    {{ return(value in [true, 1, 'true', 'True', 'yes', '1']) }}
{% endmacro %}


{% macro header_lines(kind) %}
    {#- Lines before the first data line of each file: 1 with a header, else 0. -#}
    {{ return(1 if has_header(kind) else 0) }}
{% endmacro %}


{% macro delimiter_sql(kind) %}
    {#- The field delimiter as a SQL expression (a tab, from yaml "\t" or a CLI '\t', is chr(9)). -#}
    {%- set delimiter = raw_setting(kind, 'delimiter') | string -%}
    {%- if delimiter in ['\t', '\\t', 'tab', 'TAB'] -%}
        {{ return('chr(9)') }}
    {%- endif -%}
    {%- if delimiter | length == 0 -%}
        {{ exceptions.raise_compiler_error('the ' ~ kind ~ ' file delimiter is empty') }}
    {%- endif -%}
    {{ return(sql_string(delimiter)) }}
{% endmacro %}


{% macro sql_string(text) %}
    {{ return("'" ~ (text | string | replace("'", "''")) ~ "'") }}
{% endmacro %}


{% macro date_var(name) %}
    {#- A date var (YYYY-MM-DD) as a SQL date: `cast('2014-11-18' as date)`. -#}
    {{ return("cast('" ~ var(name) ~ "' as date)") }}
{% endmacro %}


{% macro date_list_var(name) %}
    {#- A list-of-dates var as a SQL list for `in (...)`. -#}
    {%- set dates = var(name) -%}
    {%- if dates is string -%}
        {%- set dates = [dates] -%}
    {%- endif -%}
    {%- set items = [] -%}
    {%- for day in dates -%}
        {%- do items.append("cast('" ~ day ~ "' as date)") -%}
    {%- endfor -%}
    {%- if not items -%}
        {%- do items.append('cast(null as date)') -%}
    {%- endif -%}
    {{ return('(' ~ (items | join(', ')) ~ ')') }}
{% endmacro %}
