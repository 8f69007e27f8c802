{#-
    Spark: the raw text files as the sources of models_sql/staging/tianchi/_tianchi__sources.yml
    (on DuckDB the sources' external_location reads them). on-run-start (dbt_project.yml) calls
    create_raw_sources(), which on Spark (re)creates, in the sources' schema:
      - one external text table per raw path (`raw_<kind>_<n>`, location = the path): a missing
        path reads as no rows instead of failing, so the check below can name it;
      - the views `behavior_lines` and `item_lines`: every line of the kind's files with
        `filename` (the path as given in the vars; a glob's matches by their full path),
        `raw_line` (null for an empty line, as DuckDB reads it), and the line's position for
        numbered_lines: `source_split_start` (the byte offset of the split the line was
        read in) and `source_row_id` (monotonically_increasing_id() on the scan).
    Spark's text reader decodes UTF-8 (var raw_encoding is DuckDB's only) and ends a line at \n,
    \r\n or \r. Returns no SQL.
-#}

{% macro create_raw_sources() %}
    {%- set reads_raw_files = flags.WHICH in ['run', 'build', 'test', 'retry'] -%}
    {%- if execute and reads_raw_files -%}
        {%- do adapter.dispatch('create_raw_sources', 'tianchi')() -%}
    {%- endif -%}
    {{ return('') }}
{% endmacro %}

{% macro default__create_raw_sources() %}
    {#- DuckDB and others: the sources read the files themselves (external_location). -#}
{% endmacro %}

{% macro spark__create_raw_sources() %}
    {%- set schema = raw_source_schema() -%}
    {%- do run_query('create database if not exists ' ~ schema) -%}
    {%- for kind in ['behavior', 'item'] -%}
        {%- set selects = [] -%}
        {%- for pattern in raw_files(kind) -%}
            {%- if is_glob(pattern) -%}
                {#- A glob is expanded by Spark (an error naming it when nothing matches). -#}
                {%- set scanned = 'text.`' ~ pattern ~ '`' -%}
                {%- set filename = "regexp_replace(_metadata.file_path, '^file:', '')" -%}
            {%- else -%}
                {%- set scanned = raw_file_table(kind, loop.index) -%}
                {%- do spark_text_table(scanned, pattern) -%}
                {%- set filename = sql_string(pattern) -%}
            {%- endif -%}
            {%- do selects.append(
                'select ' ~ filename ~ ' as filename, '
                ~ "nullif(value, '') as raw_line, "
                ~ '_metadata.file_block_start as source_split_start, '
                ~ 'monotonically_increasing_id() as source_row_id '
                ~ 'from ' ~ scanned
            ) -%}
        {%- endfor -%}
        {%- if selects -%}
            {%- do run_query(
                'create or replace view ' ~ schema ~ '.' ~ kind ~ '_lines as\n'
                ~ (selects | join('\nunion all\n'))
            ) -%}
        {%- endif -%}
    {%- endfor -%}
{% endmacro %}


{#- The external table of the n-th (1-based) raw path of a kind. -#}
{% macro raw_file_table(kind, position) %}
    {{ return(raw_source_schema() ~ '.raw_' ~ kind ~ '_' ~ position) }}
{% endmacro %}


{#- The schema of the raw sources (the source's own schema, or its name). -#}
{% macro raw_source_schema() %}
    {%- for node in graph.sources.values()
        if node.source_name == 'tianchi' and node.name == 'behavior_lines' -%}
        {{ return(node.schema) }}
    {%- endfor -%}
    {{ return('tianchi') }}
{% endmacro %}


{% macro is_glob(path) %}
    {{ return('*' in path or '?' in path or '[' in path or '{' in path) }}
{% endmacro %}


{#- (Re)creates an external one-column text table over a file; dropping it never deletes the file. -#}
{% macro spark_text_table(relation, path) %}
    {%- do run_query('drop table if exists ' ~ relation) -%}
    {%- do run_query(
        'create table ' ~ relation ~ ' (value string) using text location '
        ~ sql_string(spark_absolute_path(path))
    ) -%}
{% endmacro %}


{#- A path as a table location: a relative path starts at the folder dbt runs in, as on DuckDB
    (Spark would resolve it against the schema's folder in the warehouse, where no raw file is);
    an absolute path or a URI (file:, hdfs://, s3a://) is kept. On a cluster give absolute paths
    the cluster sees: the folder "dbt runs in" is then the Spark server's. -#}
{% macro spark_absolute_path(path) %}
    {%- set path = path | string -%}
    {%- if path.startswith('/') or modules.re.match('^[A-Za-z][A-Za-z0-9+.-]*:', path) -%}
        {{ return(path) }}
    {%- endif -%}
    {%- set folder = run_query(
        "select reflect('java.lang.System', 'getProperty', 'user.dir')"
    ).columns[0].values()[0] -%}
    {{ return(folder ~ '/' ~ (path[2:] if path.startswith('./') else path)) }}
{% endmacro %}


{#- Whether a relation has a row (reads at most one). -#}
{% macro spark_has_rows(relation) %}
    {%- set found = run_query('select count(*) from (select 1 from ' ~ relation ~ ' limit 1) as probe') -%}
    {{ return(found.columns[0].values()[0] > 0) }}
{% endmacro %}
