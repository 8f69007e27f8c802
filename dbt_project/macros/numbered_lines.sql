{#-
    Every line of a base_tianchi__*_lines table with `source_line`, its 1-based line number in its
    file (a header line counts: line 2 is the first data line of a file with a header), and
    `is_header_line`. `kind` is 'behavior' or 'item' (for its header setting).

    DuckDB: a base table is written by one `create table as select` over read_csv with
    preserve_insertion_order on (the profile sets it; check_raw_files verifies it), so its
    row ids follow the files line by line and a line's number is its row id minus its file's first
    row id, plus one. This keeps the scan parallel; `read_csv(...) with ordinality` numbers lines
    too, but runs the whole parse on one thread (2x slower on 2 cores, far more on many).
    assert_raw_file_lines_contiguous checks that every file's numbers run 1..n without a gap.

    Spark: a text file is read in splits (byte ranges of at most spark.sql.files.maxPartitionBytes;
    a split starting mid-line skips that line, its predecessor reads it), each split whole by one
    task, in file order. The raw source views (spark_sources.sql) give every line its split's start
    offset (`_metadata.file_block_start`) and monotonically_increasing_id() evaluated right on the
    scan, which is consecutive within a split. A line's number is the lines of the file's earlier
    splits, plus its id minus its split's first id, plus one: exact, and the scan stays parallel
    (only the small per-split table is windowed).
-#}

{% macro numbered_lines(relation, kind) %}
    {{ return(adapter.dispatch('numbered_lines', 'tianchi')(relation, kind)) }}
{% endmacro %}

{% macro duckdb__numbered_lines(relation, kind) %}
    with file_starts as (
        select
            source_file,
            min(rowid) as first_rowid
        from {{ relation }}
        group by source_file
    )

    select
        file_lines.*,
        file_lines.rowid - file_starts.first_rowid + 1 as source_line,
        file_lines.rowid - file_starts.first_rowid + 1 <= {{ header_lines(kind) }} as is_header_line
    from {{ relation }} as file_lines
    inner join file_starts
        on file_lines.source_file = file_starts.source_file
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
