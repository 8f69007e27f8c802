{#-
    on-run-start (dbt_project.yml): stop before any model runs when a raw input is missing,
    naming every expected path, or when the files cannot be read the way staging assumes.
    Runs for the commands that read the raw files (run, build, test, retry); compile, docs
    generate, seed and the others work without them. Skipped with --vars '{check_raw_files: false}'.
    Returns no SQL.
-#}

{% macro check_raw_files() %}
    {%- set reads_raw_files = flags.WHICH in ['run', 'build', 'test', 'retry'] -%}
    {%- if execute and var('check_raw_files') and reads_raw_files -%}
        {%- do adapter.dispatch('check_raw_files', 'tianchi')() -%}
    {%- endif -%}
    {{ return('') }}
{% endmacro %}


{% macro default__check_raw_files() %}
    {{ not_ported('check_raw_files') }}
{% endmacro %}


{#- Spark (after create_raw_sources made a table per path): the same checks, except
    that a glob matching nothing fails in Spark itself (naming the glob), two globs matching the
    same file are not detected, and a missing file and an empty one are told apart by nothing. -#}
{% macro spark__check_raw_files() %}
    {%- set missing = [] -%}
    {%- for kind in ['behavior', 'item'] -%}
        {%- for pattern in raw_files(kind) -%}
            {%- if not is_glob(pattern)
                and not spark_has_rows(raw_file_table(kind, loop.index)) -%}
                {%- do missing.append('  ' ~ kind ~ ' file: ' ~ pattern ~ ' (missing or empty)') -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endfor -%}
    {%- if missing -%}
        {{ exceptions.raise_compiler_error(
            "Raw input file(s) not found (relative paths start at the folder dbt runs in, "
            ~ "the project root):\n" ~ (missing | join('\n')) ~ "\n"
            ~ "Generate the default synthetic data with `python -m runner generate` (or `make run`), "
            ~ "or point dbt at your files with --vars: edition (online|offline), raw_dir, "
            ~ "behavior_files, item_files (a path, glob or list each), e.g. "
            ~ "--vars '{edition: offline, raw_dir: /path/to/tianchi}'."
        ) }}
    {%- endif -%}

    {%- for kind in ['behavior', 'item'] -%}
        {%- set paths = raw_files(kind) -%}
        {%- set repeated = [] -%}
        {%- for path in paths if paths.count(path) > 1 and path not in repeated -%}
            {%- do repeated.append(path) -%}
        {%- endfor -%}
        {%- if repeated -%}
            {{ exceptions.raise_compiler_error(
                "These " ~ kind ~ " files would be read more than once (named twice in the vars): "
                ~ (repeated | join(', '))
            ) }}
        {%- endif -%}
    {%- endfor -%}

    {%- for kind in ['behavior', 'item'] if has_header(kind) -%}
        {%- set first_lines = run_query(
            "select filename, min_by(raw_line, source_row_id) as first_line from "
            ~ raw_source_schema() ~ "." ~ kind ~ "_lines where source_split_start = 0 group by filename"
        ) -%}
        {%- for row in first_lines.rows -%}
            {%- if row[1] is not none and modules.re.match('^[0-9]+([^0-9A-Za-z_]|$)', row[1]) -%}
                {{ exceptions.raise_compiler_error(
                    kind ~ " files are read with a header line, but line 1 of " ~ row[0]
                    ~ " looks like data: '" ~ row[1] ~ "'. Set --vars '{" ~ kind
                    ~ "_has_header: false}' (or raw_has_header) for files without a header."
                ) }}
            {%- endif -%}
        {%- endfor -%}
    {%- endfor -%}
{% endmacro %}


{% macro duckdb__check_raw_files() %}
    {#- 1. Every expected path (or glob) matches at least one file. -#}
    {%- set missing = [] -%}
    {%- set found = {'behavior': [], 'item': []} -%}
    {%- for kind in ['behavior', 'item'] -%}
        {%- for pattern in raw_files(kind) -%}
            {%- set matches = run_query(
                'select file from glob(' ~ sql_string(pattern) ~ ') order by file'
            ).columns[0].values() -%}
            {%- if matches | length == 0 -%}
                {%- do missing.append('  ' ~ kind ~ ' file: ' ~ pattern) -%}
            {%- endif -%}
            {%- for path in matches -%}
                {%- do found[kind].append(path) -%}
            {%- endfor -%}
        {%- endfor -%}
    {%- endfor -%}
    {%- if missing -%}
        {{ exceptions.raise_compiler_error(
            "Raw input file(s) not found (relative paths start at the folder dbt runs in, "
            ~ "the project root):\n" ~ (missing | join('\n')) ~ "\n"
            ~ "Generate the default synthetic data with `python -m runner generate` (or `make run`), "
            ~ "or point dbt at your files with --vars: edition (online|offline), raw_dir, "
            ~ "behavior_files, item_files (a path, glob or list each), e.g. "
            ~ "--vars '{edition: offline, raw_dir: /path/to/tianchi}'."
        ) }}
    {%- endif -%}

    {#- 2. No file is read twice (a list naming it twice, overlapping globs): its lines would be
           counted twice and numbered past its end. -#}
    {%- for kind in ['behavior', 'item'] -%}
        {%- set repeated = [] -%}
        {%- for path in found[kind] if found[kind].count(path) > 1 and path not in repeated -%}
            {%- do repeated.append(path) -%}
        {%- endfor -%}
        {%- if repeated -%}
            {{ exceptions.raise_compiler_error(
                "These " ~ kind ~ " files would be read more than once (named twice, or matched by "
                ~ "two of the paths/globs in the vars): " ~ (repeated | join(', '))
            ) }}
        {%- endif -%}
    {%- endfor -%}

    {#- 3. With a header expected, line 1 of each file must not be a data line (it would be
           dropped as the header, silently). -#}
    {%- for kind in ['behavior', 'item'] if has_header(kind) -%}
        {%- for path in found[kind] -%}
            {%- set first_line = run_query(
                "select raw_line from read_csv(" ~ sql_string(path) ~ ", "
                ~ "columns={'raw_line': 'VARCHAR'}, delim=chr(31)||chr(30)||chr(29)||chr(28), "
                ~ "quote='', escape='', header=false, auto_detect=false, parallel=false, new_line='\\r\\n', strict_mode=false, "
                ~ "encoding=" ~ sql_string(var('raw_encoding')) ~ ") limit 1"
            ).columns[0].values() -%}
            {%- if first_line | length > 0 and first_line[0] is not none
                and modules.re.match('^[0-9]+([^0-9A-Za-z_]|$)', first_line[0]) -%}
                {{ exceptions.raise_compiler_error(
                    kind ~ " files are read with a header line, but line 1 of " ~ path
                    ~ " looks like data: '" ~ first_line[0] ~ "'. Set --vars '{" ~ kind
                    ~ "_has_header: false}' (or raw_has_header) for files without a header."
                ) }}
            {%- endif -%}
        {%- endfor -%}
    {%- endfor -%}
{% endmacro %}
