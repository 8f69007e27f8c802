{#-
    A model run's predictions, the input of the scoring models (models_sql/evaluation/scoring).

    var predictions_dir names a folder laid out as every run folder's predictions/ is
    (outputs/<run>/predictions/, written by `python -m runner predict` for tzrec, or by any other
    model that writes the same layout):
        eval/part-*.parquet      the eval day's candidates: logits, probs, user_id, item_id, cutoff_date, label
        predict/part-*.parquet   the predict day's candidates: the same without label
        validation/part-*.parquet  the validation users' candidates of every training label day, as
                                 eval (read only under operating_point_rule top_k_share_pooled)
    The source `predictions` (models_sql/evaluation/scoring/_scoring__sources.yml) points there;
    models read it through predictions_relation(), never source() directly.
-#}

{#- The predictions of one data set ('eval', 'predict' or 'validation') as a relation. -#}
{% macro predictions_relation(data_set) -%}
    {{ return(adapter.dispatch('predictions_relation', 'tianchi')(data_set)) }}
{%- endmacro %}

{% macro duckdb__predictions_relation(data_set) -%}
    {#- The source's external_location reads the folder's Parquet files. -#}
    {{ source('predictions', data_set) }}
{%- endmacro %}

{% macro spark__predictions_relation(data_set) -%}
    parquet.`{{ predictions_path(data_set) }}`
{%- endmacro %}

{% macro default__predictions_relation(data_set) -%}
    {{ not_ported('predictions_relation') }}
{%- endmacro %}


{#- The folder of one data set's prediction files. -#}
{% macro predictions_path(data_set) -%}
    {{ return(var('predictions_dir') ~ '/' ~ data_set) }}
{%- endmacro %}


{#- on-run-start (dbt_project.yml): when predictions_dir is set, stop before any model runs if
    either data set has no Parquet file, naming the folder and the commands that write it.
    Returns no SQL. -#}
{% macro check_predictions() %}
    {%- set runs_models = flags.WHICH in ['run', 'build', 'test', 'retry'] -%}
    {%- if execute and runs_models and var('predictions_dir') is not none -%}
        {%- do adapter.dispatch('check_predictions', 'tianchi')() -%}
    {%- endif -%}
    {{ return('') }}
{% endmacro %}

{% macro duckdb__check_predictions() %}
    {%- set missing = [] -%}
    {#- the validation users' predictions: read by top_k_share_pooled only (scored_pairs) -#}
    {%- set data_sets = ['eval', 'predict'] + (['validation'] if var('operating_point_rule') == 'top_k_share_pooled' else []) -%}
    {%- for data_set in data_sets -%}
        {%- set pattern = predictions_path(data_set) ~ '/*.parquet' -%}
        {%- set found = run_query('select count(*) from glob(' ~ sql_string(pattern) ~ ')').columns[0].values()[0] -%}
        {%- if found == 0 -%}
            {%- do missing.append('  ' ~ pattern) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if missing -%}
        {{ exceptions.raise_compiler_error(
            "No predictions to score: no Parquet file matches\n" ~ (missing | join('\n')) ~ "\n"
            ~ "(var predictions_dir = '" ~ var('predictions_dir') ~ "'; relative paths start at the project root). "
            ~ "Write them with `python -m runner predict --config <experiment>` (a tzrec run: "
            ~ "outputs/<experiment>/predictions/), or by any model writing eval/part-*.parquet and "
            ~ "predict/part-*.parquet with probs, user_id, item_id, cutoff_date (and label for eval); "
            ~ "`python -m runner score --run outputs/<run>` then scores them. Rule top_k_share_pooled also reads "
            ~ "validation/part-*.parquet (the validation users' predictions, which `runner predict` and `runner "
            ~ "baseline gbdt` write; run either again on a run from before them) or score with another rule."
        ) }}
    {%- endif -%}
{% endmacro %}

{% macro default__check_predictions() %}
    {{ not_ported('check_predictions') }}
{% endmacro %}


{#- A one-column table of the given numbers, e.g. a scan's grid: `select 0.01 as threshold union all ...`. -#}
{% macro scan_grid(values, column_name, type) -%}
    {%- for value in values | unique | sort %}
    select cast({{ value }} as {{ api.Column.translate_type(type) }}) as {{ column_name }}
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
{%- endmacro %}


{#- The smoothed top-K curve of a scan (f1_scan; pooled_share_scan): for each top_k of the relation
    `scored` (rows with a null top_k take no part), the mean F1 of the settings within a factor
    score_smoothing_ratio of it, both ways; a window of fewer than score_smoothing_min_settings
    settings (the smallest K) smooths nothing and has no value. Columns top_k, f1_smoothed. -#}
{% macro smoothed_top_k_f1(scored) -%}
    select
        {{ scored }}.top_k,
        case
            when count(*) >= {{ var('score_smoothing_min_settings') }} then avg(neighbours.f1)
        end as f1_smoothed

    from {{ scored }}
    inner join {{ scored }} as neighbours
        on
            {{ scored }}.top_k <= neighbours.top_k * {{ var('score_smoothing_ratio') }}
            and {{ scored }}.top_k * {{ var('score_smoothing_ratio') }} >= neighbours.top_k
    group by 1
{%- endmacro %}


{#- var operating_point_rule, checked. -#}
{% macro operating_point_rule() -%}
    {%- set rules = ['top_k_share', 'top_k_share_smoothed', 'threshold', 'expected_f1', 'expected_f1_platt',
                    'top_k_share_pooled'] -%}
    {%- set rule = var('operating_point_rule') -%}
    {%- if rule not in rules -%}
        {{ exceptions.raise_compiler_error(
            "var operating_point_rule must be one of " ~ (rules | join(', ')) ~ "; got '" ~ rule ~ "'"
        ) }}
    {%- endif -%}
    {{ return(rule) }}
{%- endmacro %}

{#- The logit of a probability column, clipped to [1e-9, 1 - 1e-9] so that a probability of exactly 0
    or 1 keeps a finite logit (expected_f1_calibration and expected_f1_cut calibrate scores in logit space). -#}
{% macro logit(prob) -%}
    ln(least(greatest({{ prob }}, 1e-9), 1 - 1e-9) / (1 - least(greatest({{ prob }}, 1e-9), 1 - 1e-9)))
{%- endmacro %}

{#- The logistic function, the inverse of logit. -#}
{% macro sigmoid(x) -%}
    1 / (1 + exp(-({{ x }})))
{%- endmacro %}
