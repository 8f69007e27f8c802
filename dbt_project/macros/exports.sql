{#- How the samples mart becomes the Parquet files tzrec reads (FG_NONE: no normalizer runs
    inside tzrec, so the export hands it model-ready columns):
    - keys kept raw (cutoff_date, user_id, item_id) to join predictions back; label; weight;
    - id features: integer codes in [0, num_buckets) (export_id_buckets has the sizes);
    - sequence features: ';'-joined codes in columns named <sequence>__<feature>;
    - flags and smoothed ratios as they are; the hour of the last cart and the label weekday
      also as id codes (an hour is a category, not a magnitude);
    - every other numeric feature (counts, hours since, ranks, trends, geo prefix length) as
      ln(1 + x): heavy-tailed counts would swamp a neural model's inputs. -#}

{% macro export_key_columns() -%}
    {{ return(['cutoff_date', 'user_id', 'item_id']) }}
{%- endmacro %}

{% macro export_id_columns() -%}
    {{ return(['user_code', 'item_code', 'category_code']) }}
{%- endmacro %}

{% macro export_sequence_columns() -%}
    {{ return(['hist__item_code', 'hist__category_code']) }}
{%- endmacro %}

{#- samples columns that are not model inputs (or enter in another form). -#}
{% macro export_excluded_columns() -%}
    {{ return(['label_date', 'item_category', 'dataset', 'label', 'label_touched', 'label_weekday', 'ui_last_cart_hour']) }}
{%- endmacro %}

{% macro is_plain_feature(name) -%}
    {{ return(name.startswith('is_') or name.endswith('_not_bought') or name.endswith('_unknown')
              or '_per_' in name) }}
{%- endmacro %}

{#- The select list of an export. with_label / with_weight add those columns; with_aux_label adds
    label_touched (the training cutoffs' auxiliary label; only the train and validation exports). -#}
{% macro export_select_list(samples_relation, with_label, with_weight, with_aux_label=false) -%}
    {%- set fixed = export_key_columns() + export_id_columns() + export_sequence_columns() + export_excluded_columns() -%}
    -- tzrec reads no date type, even as a pass-through column: 'YYYY-MM-DD'
    cast(cutoff_date as {{ api.Column.translate_type('string') }}) as cutoff_date,
    user_id,
    item_id,
    {%- if with_label %}
    cast(label as integer) as label,
    {%- endif %}
    {%- if with_aux_label %}
    cast(label_touched as integer) as label_touched,
    {%- endif %}
    {%- if with_weight %}
    sample_weight,
    {%- endif %}
    {%- for column in export_id_columns() %}
    cast({{ column }} as bigint) as {{ column }},
    {%- endfor %}
    cast(label_weekday as bigint) as label_weekday_code,
    cast(ui_last_cart_hour + 1 as bigint) as last_cart_hour_code,
    {%- for column in export_sequence_columns() %}
    {{ column }},
    {%- endfor %}
    {%- if execute %}
        {%- for column in adapter.get_columns_in_relation(samples_relation) if column.name not in fixed %}
            {%- if is_plain_feature(column.name) %}
    cast({{ column.name }} as double) as {{ column.name }}{{ "," if not loop.last }}
            {%- else %}
    ln(1 + cast(greatest({{ column.name }}, 0) as double)) as {{ column.name }}{{ "," if not loop.last }}
            {%- endif %}
        {%- endfor %}
    {%- else %}
    null as placeholder
    {%- endif %}
{%- endmacro %}

{#- Post-hook of every Parquet export. dbt-duckdb writes one all-null row for an external
    model whose query returns nothing (dbt-duckdb #848), and its view then shows 0 rows, so no
    data test can see that row: this reads the file itself and fails the model (and so
    `dbt build`, and the runner) when it holds no real row. -#}
{% macro tianchi_assert_export_not_empty(location) -%}
    {{ return(adapter.dispatch('tianchi_assert_export_not_empty', 'tianchi')(location)) }}
{%- endmacro %}

{% macro duckdb__tianchi_assert_export_not_empty(location) -%}
    select
        case
            when count(user_id) = 0
                then error('export {{ location }} is empty (dbt-duckdb wrote its all-null placeholder row there): '
                    || 'check the calendar vars, the candidate lookback and the raw data; nothing may train on it')
        end as export_not_empty
    from read_parquet('{{ location }}')
{%- endmacro %}

{% macro spark__tianchi_assert_export_not_empty(location) -%}
    select assert_true(
        count(user_id) > 0,
        'export {{ location }} is empty: check the calendar vars, the candidate lookback and the raw data; '
        || 'nothing may train on it'
    ) as export_not_empty
    from parquet.`{{ location }}`
{%- endmacro %}

{% macro default__tianchi_assert_export_not_empty(location) -%}
    select 1 as export_not_empty
{%- endmacro %}
