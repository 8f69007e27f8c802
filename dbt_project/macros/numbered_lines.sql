{#-
    Every line of a base_tianchi__*_lines table with `source_line`, its 1-based line number in its
    file (a header line counts: line 2 is the first data line of a file with a header), and
    `is_header_line`. `kind` is 'behavior' or 'item' (for its header setting).

    DuckDB: a base table is written by one `create table as select` over read_csv with
    preserve_insertion_order on (the profile sets it; tianchi_check_raw_files verifies it), so its
    row ids follow the files line by line and a line's number is its row id minus its file's first
    row id, plus one. This keeps the scan parallel; `read_csv(...) with ordinality` numbers lines
    too, but runs the whole parse on one thread (2x slower on 2 cores, far more on many).
    assert_raw_file_lines_contiguous checks that every file's numbers run 1..n without a gap.
-#}

{% macro tianchi_numbered_lines(relation, kind) %}
    {{ return(adapter.dispatch('tianchi_numbered_lines')(relation, kind)) }}
{% endmacro %}

{% macro duckdb__tianchi_numbered_lines(relation, kind) %}
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
        file_lines.rowid - file_starts.first_rowid + 1 <= {{ tianchi_header_lines(kind) }} as is_header_line
    from {{ relation }} as file_lines
    inner join file_starts
        on file_lines.source_file = file_starts.source_file
{% endmacro %}

{% macro default__tianchi_numbered_lines(relation, kind) %}
    {{ tianchi_not_ported('tianchi_numbered_lines') }}
{% endmacro %}
