{#-
    Whether the held-out answers belong to the raw files this build reads. The generator writes,
    beside its answers, raw_files.tsv: the name and size in bytes of every raw file it wrote
    (runner/synthetic/writer.py). The answers are used only when the raw files read now are
    exactly those, name for name and byte for byte in size; otherwise (another month, real files,
    a file edited since, no manifest) the build logs "answers ignored: ..." with the reason and the
    leaderboard stays empty, instead of scoring a submission against another month's purchases.
    answers_relation() (answers.sql) asks it. Returns true or false.
-#}

{% macro answers_belong_to_raw_files(answers_path) %}
    {%- set folder = (answers_path | string).split('/')[:-1] | join('/') -%}
    {%- set manifest_path = (folder ~ '/' if folder else '') ~ 'raw_files.tsv' -%}
    {%- set listed = answers_manifest_sizes(manifest_path) -%}
    {%- set reason = none -%}
    {%- if listed is none -%}
        {%- set reason = 'there is no ' ~ manifest_path ~ ' (the generator writes one beside its answers)' -%}
    {%- else -%}
        {%- set read_now = raw_file_sizes() -%}
        {%- set differences = [] -%}
        {%- for name, size in read_now.items() -%}
            {%- if name not in listed -%}
                {%- do differences.append(name ~ ' is not one of its files') -%}
            {%- elif listed[name] != size -%}
                {%- do differences.append(name ~ ' has ' ~ size ~ ' bytes, its file had ' ~ listed[name]) -%}
            {%- endif -%}
        {%- endfor -%}
        {%- for name in listed if name not in read_now -%}
            {%- do differences.append('its file ' ~ name ~ ' is not read') -%}
        {%- endfor -%}
        {%- if differences -%}
            {%- set reason = 'the raw files read are not those of ' ~ manifest_path ~ ': '
                ~ (differences | join('; ')) -%}
        {%- endif -%}
    {%- endif -%}
    {%- if reason is not none -%}
        {{ log(
            "answers ignored: " ~ answers_path ~ " belongs to a generated month, not these raw files ("
            ~ reason ~ "). The leaderboard stays empty. For the generated month's own leaderboard, "
            ~ "generate it again (python -m runner generate); with real files, remove that answers folder.",
            info=True
        ) }}
        {{ return(false) }}
    {%- endif -%}
    {{ return(true) }}
{% endmacro %}


{#- The manifest as {file name: size}, or none when there is no manifest. -#}
{% macro answers_manifest_sizes(path) %}
    {%- if not file_exists(path) -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set sizes = {} -%}
    {%- for line in text_lines(path) -%}
        {%- set fields = (line | string).strip().split('\t') -%}
        {%- if fields | length == 2 and modules.re.match('^[0-9]+$', fields[1] | trim) -%}
            {%- do sizes.update({fields[0]: fields[1] | trim | int}) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(sizes) }}
{% endmacro %}


{#- Every line of a small text file, as a list of strings. -#}
{% macro text_lines(path) %}
    {{- return(adapter.dispatch('text_lines', 'tianchi')(path)) -}}
{% endmacro %}


{% macro duckdb__text_lines(path) %}
    {%- set rows = run_query(
        "select line from read_csv(" ~ sql_string(path) ~ ", columns={'line': 'VARCHAR'}, "
        ~ "delim=chr(31), quote='', escape='', header=false, auto_detect=false)"
    ) -%}
    {{ return(rows.columns[0].values() | list) }}
{% endmacro %}

{% macro spark__text_lines(path) %}
    {%- set relation = raw_source_schema() ~ '.raw_answers_manifest' -%}
    {%- do spark_text_table(relation, path) -%}
    {{ return(run_query('select value from ' ~ relation).columns[0].values() | list) }}
{% endmacro %}

{% macro default__text_lines(path) %}
    {{ not_ported('text_lines') }}
{% endmacro %}


{#- {file name: size in bytes} of every raw file this build reads (both kinds). -#}
{% macro raw_file_sizes() %}
    {{- return(adapter.dispatch('raw_file_sizes', 'tianchi')()) -}}
{% endmacro %}


{% macro duckdb__raw_file_sizes() %}
    {%- set patterns = raw_files('behavior') + raw_files('item') -%}
    {%- set quoted = [] -%}
    {%- for pattern in patterns -%}
        {%- do quoted.append(sql_string(pattern)) -%}
    {%- endfor -%}
    {%- set rows = run_query(
        "select regexp_extract(filename, '[^/]+$') as file, size from read_blob([" ~ (quoted | join(', ')) ~ "])"
    ) -%}
    {%- set sizes = {} -%}
    {%- for row in rows.rows -%}
        {%- do sizes.update({row[0]: row[1] | int}) -%}
    {%- endfor -%}
    {{ return(sizes) }}
{% endmacro %}

{#- Spark: from the raw sources' tables (create_raw_sources); a glob's files are listed by a scan. -#}
{% macro spark__raw_file_sizes() %}
    {%- set sizes = {} -%}
    {%- for kind in ['behavior', 'item'] -%}
        {%- for pattern in raw_files(kind) -%}
            {%- if is_glob(pattern) -%}
                {%- set sql = 'select distinct _metadata.file_name, _metadata.file_size from text.`'
                    ~ pattern ~ '`' -%}
            {%- else -%}
                {%- set sql = 'select _metadata.file_name, _metadata.file_size from '
                    ~ raw_file_table(kind, loop.index) ~ ' limit 1' -%}
            {%- endif -%}
            {%- for row in run_query(sql).rows -%}
                {%- do sizes.update({row[0]: row[1] | int}) -%}
            {%- endfor -%}
        {%- endfor -%}
    {%- endfor -%}
    {{ return(sizes) }}
{% endmacro %}

{% macro default__raw_file_sizes() %}
    {{ not_ported('raw_file_sizes') }}
{% endmacro %}
