{#- The held-out 12-19 answers of generated data (var answers_path: user_id<TAB>item_id, no
    header), or no rows at all when the file does not exist (real competition data has none):
    an optional input, so it is read through this macro rather than declared as a source. -#}
{% macro tianchi_answers_relation() -%}
    {%- set path = var('answers_path') -%}
    {%- set present = false -%}
    {%- if execute -%}
        {%- set present = tianchi_file_exists(path) -%}
    {%- endif -%}
    {%- if present -%}
        {{ return(adapter.dispatch('tianchi_read_answers', 'tianchi')(path)) }}
    {%- else -%}
        (select cast(null as bigint) as user_id, cast(null as bigint) as item_id where 1 = 0)
    {%- endif -%}
{%- endmacro %}

{% macro duckdb__tianchi_read_answers(path) -%}
    read_csv('{{ path }}', delim = '\t', header = false, quote = '', escape = '',
        columns = {'user_id': 'BIGINT', 'item_id': 'BIGINT'})
{%- endmacro %}

{% macro tianchi_file_exists(path) -%}
    {{ return(adapter.dispatch('tianchi_file_exists', 'tianchi')(path)) }}
{%- endmacro %}

{% macro duckdb__tianchi_file_exists(path) -%}
    {%- set result = run_query("select count(*) from glob('" ~ path ~ "')") -%}
    {{ return(result.columns[0].values()[0] > 0) }}
{%- endmacro %}

{#- Spark: the answer file as an external text table (a missing file reads as no rows). -#}
{% macro spark__tianchi_file_exists(path) -%}
    {%- set relation = tianchi_raw_source_schema() ~ '.raw_answers' -%}
    {%- do tianchi_spark_text_table(relation, path) -%}
    {{ return(tianchi_spark_has_rows(relation)) }}
{%- endmacro %}

{% macro spark__tianchi_read_answers(path) -%}
    {%- set relation = tianchi_raw_source_schema() ~ '.raw_answers' -%}
    {%- do tianchi_spark_text_table(relation, path) -%}
    (
        select
            cast(split(value, chr(9))[0] as bigint) as user_id,
            cast(split(value, chr(9))[1] as bigint) as item_id
        from {{ relation }}
    )
{%- endmacro %}
