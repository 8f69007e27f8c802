{#- The held-out 12-19 answers of generated data (var answers_path: user_id<TAB>item_id, no
    header), or no rows at all when the file does not exist (real competition data has none):
    an optional input, so it is read through this macro rather than declared as a source. -#}
{% macro answers_relation() -%}
    {%- set path = answers_path() -%}
    {%- set present = false -%}
    {%- if execute -%}
        {%- set present = file_exists(path) and answers_belong_to_raw_files(path) -%}
    {%- endif -%}
    {%- if present -%}
        {{ return(read_answers(path)) }}
    {%- else -%}
        (select cast(null as bigint) as user_id, cast(null as bigint) as item_id where 1 = 0)
    {%- endif -%}
{%- endmacro %}

{#- The answers file: var answers_path, by default the generator's place for it beside the raw files. -#}
{% macro answers_path() -%}
    {%- set path = var('answers_path', none) -%}
    {{ return(path if path is not none else (var('raw_dir') | string).rstrip('/') ~ '/answers/answers_20141219.txt') }}
{%- endmacro %}

{#- The answers file as a relation of (user_id, item_id). -#}
{% macro read_answers(path) -%}
    {{ return(adapter.dispatch('read_answers', 'tianchi')(path)) }}
{%- endmacro %}

{% macro duckdb__read_answers(path) -%}
    read_csv('{{ path }}', delim = '\t', header = false, quote = '', escape = '',
        columns = {'user_id': 'BIGINT', 'item_id': 'BIGINT'})
{%- endmacro %}

{% macro file_exists(path) -%}
    {{ return(adapter.dispatch('file_exists', 'tianchi')(path)) }}
{%- endmacro %}

{% macro duckdb__file_exists(path) -%}
    {%- set result = run_query("select count(*) from glob('" ~ path ~ "')") -%}
    {{ return(result.columns[0].values()[0] > 0) }}
{%- endmacro %}

{#- Spark: the answer file as an external text table (a missing file reads as no rows). -#}
{% macro spark__file_exists(path) -%}
    {%- set relation = raw_source_schema() ~ '.raw_answers' -%}
    {%- do spark_text_table(relation, path) -%}
    {{ return(spark_has_rows(relation)) }}
{%- endmacro %}

{% macro spark__read_answers(path) -%}
    {%- set relation = raw_source_schema() ~ '.raw_answers' -%}
    {%- do spark_text_table(relation, path) -%}
    (
        select
            cast(split(value, chr(9))[0] as bigint) as user_id,
            cast(split(value, chr(9))[1] as bigint) as item_id
        from {{ relation }}
    )
{%- endmacro %}

{% macro default__read_answers(path) -%}
    {{ not_ported('read_answers') }}
{%- endmacro %}
