{#-
    Line numbers of the raw files. A line number is an editor's: 1-based, a header line counts
    (line 2 is the first data line of a file with a header), an empty line counts.

    DuckDB reads the raw files as a stream (base_tianchi__*_lines are views over read_csv, the
    header line skipped by the reader): nothing numbers the valid rows, which are only ever
    aggregated. Only a rejected line needs its number, and only when there is one: then
    rejected_lines reads the kind's files once more, numbered in file order by
    `read_csv(...) with ordinality`, and gives each line whose text is a rejected line's its
    number (the same text always gets the same verdict, so matching by text is exact).

    Spark: a text file is read in splits (byte ranges of at most spark.sql.files.maxPartitionBytes;
    a split starting mid-line skips that line, its predecessor reads it), each split whole by one
    task, in file order. The raw source views (spark_sources.sql) give every line its split's start
    offset (`_metadata.file_block_start`) and monotonically_increasing_id() evaluated right on the
    scan, which is consecutive within a split. A line's number is the lines of the file's earlier
    splits, plus its id minus its split's first id, plus one: exact, and the scan stays parallel
    (only the small per-split table is windowed). The base tables hold every line, the header
    line included (is_header_line).
-#}

{#- Every line of a base_tianchi__*_lines relation with `is_header_line`, and on Spark
    `source_line`, its line number. `kind` is 'behavior' or 'item' (for its header setting). -#}
{% macro numbered_lines(relation, kind) %}
    {{ return(adapter.dispatch('numbered_lines', 'tianchi')(relation, kind)) }}
{% endmacro %}

{#- DuckDB: the stream has no header line and no line numbers (see above). -#}
{% macro duckdb__numbered_lines(relation, kind) %}
    select
        file_lines.*,
        false as is_header_line
    from {{ relation }} as file_lines
{% endmacro %}

{% macro spark__numbered_lines(relation, kind) %}
    with split_counts as (
        select
            source_file,
            source_split_start,
            min(source_row_id) as first_row_id,
            count(*) as split_line_count
        from {{ relation }}
        group by source_file, source_split_start
    ),

    split_starts as (
        select
            source_file,
            source_split_start,
            first_row_id,
            coalesce(sum(split_line_count) over (
                partition by source_file order by source_split_start
                rows between unbounded preceding and 1 preceding
            ), 0) as lines_before
        from split_counts
    )

    select
        file_lines.*,
        split_starts.lines_before + file_lines.source_row_id - split_starts.first_row_id + 1 as source_line,
        split_starts.lines_before + file_lines.source_row_id - split_starts.first_row_id + 1
        <= {{ header_lines(kind) }} as is_header_line
    from {{ relation }} as file_lines
    inner join split_starts
        on
            file_lines.source_file = split_starts.source_file
            and file_lines.source_split_start = split_starts.source_split_start
{% endmacro %}

{#- The columns that locate a raw line in its file, beside source_file, carried by the base
    tables for numbered_lines: none on DuckDB (its row ids), the split start and the
    scan's row id on Spark. Each is followed by a comma. -#}
{% macro line_position_columns(alias=none) %}
    {{ return(adapter.dispatch('line_position_columns', 'tianchi')(alias)) }}
{% endmacro %}

{% macro duckdb__line_position_columns(alias) %}
{% endmacro %}

{% macro spark__line_position_columns(alias) -%}
    {%- set prefix = alias ~ '.' if alias else '' -%}
    {{ prefix }}source_split_start,
    {{ prefix }}source_row_id,
{%- endmacro %}

{% macro default__line_position_columns(alias) %}
    {{ not_ported('line_position_columns') }}
{% endmacro %}

{% macro default__numbered_lines(relation, kind) %}
    {{ not_ported('numbered_lines') }}
{% endmacro %}


{#- The per-file line counts of stg_tianchi__raw_files, as select-list items (each followed by a
    comma) over numbered_lines grouped by source_file: line_count (the header line
    included), header_line_count, last_source_line (the largest line number given: line_count
    when numbering has no gap; DuckDB streams the lines and numbers none, so it counts them). -#}
{% macro line_count_columns(kind) %}
    {{ return(adapter.dispatch('line_count_columns', 'tianchi')(kind)) }}
{% endmacro %}

{% macro duckdb__line_count_columns(kind) -%}
    count(*) + {{ header_lines(kind) }} as line_count,
    {{ header_lines(kind) }} as header_line_count,
    count(*) + {{ header_lines(kind) }} as last_source_line,
{%- endmacro %}

{% macro spark__line_count_columns(kind) -%}
    count(*) as line_count,
    count(case when is_header_line then 1 end) as header_line_count,
    max(source_line) as last_source_line,
{%- endmacro %}

{% macro default__line_count_columns(kind) %}
    {{ not_ported('line_count_columns') }}
{% endmacro %}


{#- The rejected lines of one kind of raw file as (file_kind, source_file, source_line, reason,
    raw_line): the rows of `relation` (a base_tianchi__*_lines model) with a reject_reason,
    numbered. `rejected_count` is how many there are (stg_tianchi__raw_files counted them): at 0
    DuckDB reads nothing more. -#}
{% macro rejected_lines(relation, kind, rejected_count) %}
    {{ return(adapter.dispatch('rejected_lines', 'tianchi')(relation, kind, rejected_count)) }}
{% endmacro %}

{% macro duckdb__rejected_lines(relation, kind, rejected_count) %}
    {%- if rejected_count | int == 0 %}
    select
        '{{ kind }}' as file_kind,
        source_file,
        cast(null as bigint) as source_line,
        reject_reason as reason,
        raw_line
    from {{ relation }}
    where false
    {%- else %}
    with rejected_texts as (
        select distinct
            source_file,
            reject_reason,
            raw_line
        from {{ relation }}
        where reject_reason is not null
    ),

    file_lines as (
        select
            filename as source_file,
            ordinality as line_position,
            {{ strip_cr('raw_line') }} as raw_line
        from {{ raw_lines_scan(kind) }} with ordinality
    ),

    file_starts as (
        select
            source_file,
            min(line_position) as first_position
        from file_lines
        group by source_file
    ),

    numbered as (
        select
            file_lines.source_file,
            file_lines.line_position - file_starts.first_position + 1 as source_line,
            file_lines.raw_line
        from file_lines
        inner join file_starts
            on file_lines.source_file = file_starts.source_file
    )

    select
        '{{ kind }}' as file_kind,
        numbered.source_file,
        numbered.source_line,
        rejected_texts.reject_reason as reason,
        numbered.raw_line
    from numbered
    inner join rejected_texts
        on
            numbered.source_file = rejected_texts.source_file
            and numbered.raw_line is not distinct from rejected_texts.raw_line
    where numbered.source_line > {{ header_lines(kind) }}
    {%- endif %}
{% endmacro %}

{% macro spark__rejected_lines(relation, kind, rejected_count) %}
    with numbered as (
        {{ numbered_lines(relation, kind) }}
    )

    select
        '{{ kind }}' as file_kind,
        source_file,
        source_line,
        reject_reason as reason,
        raw_line
    from numbered
    where reject_reason is not null and not is_header_line
{% endmacro %}

{% macro default__rejected_lines(relation, kind, rejected_count) %}
    {{ not_ported('rejected_lines') }}
{% endmacro %}


{#- DuckDB: every line of a kind's raw files, the header line included, for the numbering
    scan: one thread (numbering is sequential anyway), a line ending at \n or \r\n exactly as an
    editor counts it, also in a file that mixes them (the parallel reader of the sources cannot
    read \r\n lines in a \n file without a spurious blank line after each). -#}
{% macro raw_lines_scan(kind) -%}
    read_csv([
    {%- for path in raw_files(kind) -%}
        {{ sql_string(path) }}{{ ', ' if not loop.last }}
    {%- endfor -%}
    ], columns = {'raw_line': 'VARCHAR'}, delim = chr(31) || chr(30) || chr(29) || chr(28),
    quote = '', escape = '', header = false, auto_detect = false, filename = true,
    parallel = false, new_line = '\r\n', strict_mode = false, encoding = {{ sql_string(var('raw_encoding')) }})
{%- endmacro %}
