{#- Building blocks of the two-tower retrieval's models and exports (models_sql/retrieval). -#}

{#- var retrieval_positives, checked: the behavior counts of int_user_item_daily (clicks, collects,
    carts, buys) of which one above 0 on a training label day makes a (user, P item) pair a training
    positive of the two-tower models. -#}
{% macro retrieval_positive_measures() -%}
    {%- set measures = var('retrieval_positives') -%}
    {%- set known = behavior_measures() -%}
    {%- if measures is string or measures is not iterable or measures | length == 0
        or measures | reject('in', known) | list | length > 0 -%}
        {{ exceptions.raise_compiler_error(
            "var retrieval_positives must be a non-empty list of " ~ (known | join(', '))
            ~ " (the behaviors that make a training positive), e.g. [buys] or [carts, buys]; got "
            ~ (measures | string)
        ) }}
    {%- endif -%}
    {{ return(measures) }}
{%- endmacro %}


{#- var retrieval_side_datasets, checked: the label-calendar datasets whose cutoffs get a whole user side
    (every user seen by the cutoff) and a whole item side (every P item); train too with var retrieval_out_of_fold
    (the out-of-fold exports' training cutoffs). -#}
{% macro retrieval_side_datasets() -%}
    {%- set datasets = var('retrieval_side_datasets') -%}
    {%- set known = ['train', 'eval', 'predict'] -%}
    {%- if datasets is string or datasets is not iterable or datasets | length == 0
        or datasets | reject('in', known) | list | length > 0 -%}
        {{ exceptions.raise_compiler_error(
            "var retrieval_side_datasets must be a non-empty list of " ~ (known | join(', '))
            ~ ", e.g. [eval, predict]; got " ~ (datasets | string)
        ) }}
    {%- endif -%}
    {{ return(datasets + (['train'] if var('retrieval_out_of_fold', false) and 'train' not in datasets else [])) }}
{%- endmacro %}


{#- A SQL list of strings for `in (...)`: ('eval', 'predict'). -#}
{% macro string_list(values) -%}
    {%- set quoted = [] -%}
    {%- for value in values -%}
        {%- do quoted.append(sql_string(value)) -%}
    {%- endfor -%}
    ({{ quoted | join(', ') }})
{%- endmacro %}


{#- The count columns of the user side: behavior on all items and on P items over each feature window
    and the whole history (u_<measure>_<w>d, u_<measure>_all, u_p_...). -#}
{% macro retrieval_user_count_columns() -%}
    {%- set names = [] -%}
    {%- for measures in [behavior_measures() + ['active_days'], ['p_clicks', 'p_carts', 'p_buys']] -%}
        {%- for window in var('feature_windows') -%}
            {%- for measure in measures %}{% do names.append('u_' ~ measure ~ '_' ~ window ~ 'd') %}{% endfor -%}
        {%- endfor -%}
        {%- for measure in measures %}{% do names.append('u_' ~ measure ~ '_all') %}{% endfor -%}
    {%- endfor -%}
    {{ return(names) }}
{%- endmacro %}


{#- The count columns of the item side with `prefix` i (the item's, with its audience i_users_*) or c (its
    category's). -#}
{% macro retrieval_item_count_columns(prefix) -%}
    {%- set names = [] -%}
    {%- for window in var('feature_windows') -%}
        {%- for measure in behavior_measures() %}{% do names.append(prefix ~ '_' ~ measure ~ '_' ~ window ~ 'd') %}{% endfor -%}
    {%- endfor -%}
    {%- for measure in behavior_measures() %}{% do names.append(prefix ~ '_' ~ measure ~ '_all') %}{% endfor -%}
    {%- if prefix == 'i' -%}
        {%- for window in var('feature_windows') %}{% do names.append('i_users_' ~ window ~ 'd') %}{% endfor -%}
        {%- do names.append('i_users_all') -%}
    {%- endif -%}
    {{ return(names) }}
{%- endmacro %}


{#- Every feature column of a side ('user' or 'item'), in the order of retrieval_<side>_features and the
    exports. -#}
{% macro retrieval_side_feature_names(side) -%}
    {%- if side == 'user' -%}
        {{ return(['user_code', 'hist__item_code', 'hist__category_code', 'p_hist__category_code']
                  + retrieval_user_count_columns()
                  + ['u_hours_since_last_event', 'u_buy_per_click_all', 'u_p_buy_per_click_all']) }}
    {%- elif side == 'item' -%}
        {{ return(['item_code', 'category_code'] + retrieval_item_count_columns('i')
                  + ['i_hours_since_last_event', 'i_buy_per_click_all'] + retrieval_item_count_columns('c')
                  + ['c_buy_per_click_all']) }}
    {%- endif -%}
    {{ exceptions.raise_compiler_error("retrieval_side_feature_names: side is 'user' or 'item', not " ~ side) }}
{%- endmacro %}


{#- The feature columns of one side (retrieval_side_feature_names), model-ready, each after a comma: id
    codes as BIGINT, sequences (<sequence>__<feature>) as they are, ratios (names with _per_) as doubles,
    every other number (counts, hours since) as ln(1 + x), as the ranking exports have them. -#}
{% macro retrieval_side_columns(side, alias) -%}
    {%- for name in retrieval_side_feature_names(side) %}
        {%- if '__' in name %}
    , {{ alias }}.{{ name }}
        {%- elif name.endswith('_code') %}
    , cast({{ alias }}.{{ name }} as bigint) as {{ name }}
        {%- elif '_per_' in name %}
    , cast({{ alias }}.{{ name }} as double) as {{ name }}
        {%- else %}
    , ln(1 + cast(greatest({{ alias }}.{{ name }}, 0) as double)) as {{ name }}
        {%- endif %}
    {%- endfor %}
{%- endmacro %}


{#- The query of a training export (export_retrieval_train, export_retrieval_validation,
    export_retrieval_train_fold_<k>): the positives of one int_retrieval_positives dataset ('train' or
    'validation'; with `fold`, of the users of that retrieval fold only), each with its user's side and its item's
    side as of the positive's cutoff (the day before its label day), label 1, in a seeded shuffle so that
    one user's or one day's rows do not fill a batch (the in-batch negatives are the batch's other items). -#}
{% macro retrieval_training_export(dataset, fold=none) -%}

with

positives as (

    select
        *,
        cast(cutoff_date as {{ string_type() }}) || ':' || cast(user_id as {{ string_type() }})
        || ':' || cast(item_id as {{ string_type() }})
            as sample_key

    from {{ ref('int_retrieval_positives') }}
    where
        dataset = '{{ dataset }}'
        {%- if fold is not none %}
        and {{ retrieval_fold('user_id') }} = {{ fold }}
        {%- endif %}

),

users as (

    select * from {{ ref('retrieval_user_features') }}

),

items as (

    select * from {{ ref('retrieval_item_features') }}

),

final as (

    select
        -- tzrec reads no date type, even as a pass-through column: 'YYYY-MM-DD'
        cast(positives.cutoff_date as {{ string_type() }}) as cutoff_date,
        positives.user_id,
        positives.item_id,
        cast(1 as integer) as label
        {{- retrieval_side_columns('user', 'users') }}
        {{- retrieval_side_columns('item', 'items') }}

    from positives
    inner join users
        on
            positives.cutoff_date = users.cutoff_date
            and positives.user_id = users.user_id
    inner join items
        on
            positives.cutoff_date = items.cutoff_date
            and positives.item_id = items.item_id
    -- the key breaks ties of the 32-bit hash, so every engine writes the same order
    order by {{ hash_fraction('positives.sample_key', var('sampling_seed') + 2) }}, positives.sample_key

)

select * from final

{%- endmacro %}


{#- The query of a side export: 'user' (every user seen by the cutoff; with `fold`, those of that retrieval
    fold only) or 'item' (every P item) at the cutoff(s) of one label-calendar dataset ('train', 'eval', 'predict';
    a dataset of var retrieval_side_datasets), ordered by cutoff and id. -#}
{% macro retrieval_side_export(side, dataset, fold=none) -%}
    {#- checked when the model runs: a disabled export (the out-of-fold ones by default) is still parsed -#}
    {%- if execute and dataset not in retrieval_side_datasets() -%}
        {{ exceptions.raise_compiler_error(
            "the retrieval " ~ side ~ " export of dataset '" ~ dataset ~ "' needs it in var retrieval_side_datasets ("
            ~ (var('retrieval_side_datasets') | join(', ')) ~ "): add it there"
        ) }}
    {%- endif -%}
    {%- set relation = ref('retrieval_' ~ side ~ '_features') -%}
    {%- set key = side ~ '_id' %}

with

calendar as (

    select * from {{ ref('int_label_calendar') }}
    where dataset = '{{ dataset }}'

),

sides as (

    select * from {{ relation }}

),

final as (

    select
        cast(sides.cutoff_date as {{ string_type() }}) as cutoff_date,
        sides.{{ key }}
        {{- retrieval_side_columns(side, 'sides') }}

    from sides
    inner join calendar on sides.cutoff_date = calendar.cutoff_date
    {%- if fold is not none %}
    where {{ retrieval_fold('sides.user_id') }} = {{ fold }}
    {%- endif %}
    order by {{ 'sides.cutoff_date, ' if dataset == 'train' }}sides.{{ key }}

)

select * from final

{%- endmacro %}


{#- Post-hook of every retrieval export: fails the model when the written file holds no real row (dbt-duckdb
    writes one all-null row for an empty query, dbt-duckdb #848), naming the file and the key column. -#}
{% macro assert_retrieval_export_not_empty(location, key) -%}
    {{ return(adapter.dispatch('assert_retrieval_export_not_empty', 'tianchi')(location, key)) }}
{%- endmacro %}

{% macro duckdb__assert_retrieval_export_not_empty(location, key) -%}
    select
        case
            when count({{ key }}) = 0
                then error('export {{ location }} is empty (dbt-duckdb wrote its all-null placeholder row there): '
                    || 'check the calendar vars, retrieval_side_datasets, retrieval_positives and the raw data')
        end as export_not_empty
    from read_parquet('{{ location }}')
{%- endmacro %}

{% macro spark__assert_retrieval_export_not_empty(location, key) -%}
    select assert_true(
        count({{ key }}) > 0,
        'export {{ location }} is empty: check the calendar vars, retrieval_side_datasets, retrieval_positives '
        || 'and the raw data'
    ) as export_not_empty
    from parquet.`{{ location }}`
{%- endmacro %}

{% macro default__assert_retrieval_export_not_empty(location, key) -%}
    select 1 as export_not_empty
{%- endmacro %}


{#- The retrieved pairs of var retrieval_runs (`python -m runner retrieve` writes <run>/retrieved/<split>/
    part-*.parquet), as a relation: the source `retrieval.retrieved` on DuckDB (its external_location reads
    every run's files), the runs' folders on Spark. -#}
{% macro retrieved_relation() -%}
    {{ return(adapter.dispatch('retrieved_relation', 'tianchi')()) }}
{%- endmacro %}

{% macro duckdb__retrieved_relation() -%}
    {{ source('retrieval', 'retrieved') }}
{%- endmacro %}

{% macro spark__retrieved_relation() -%}
    (
    {%- for run in var('retrieval_runs') %}
        select * from parquet.`{{ run }}/retrieved/*/*.parquet`
        {{ "union all" if not loop.last }}
    {%- endfor %}
    )
{%- endmacro %}

{% macro default__retrieved_relation() -%}
    {{ not_ported('retrieved_relation') }}
{%- endmacro %}



{#- Whether a row of int_user_item_daily (aliased) has a behavior of var retrieval_positives. -#}
{% macro retrieval_positive_condition(alias) -%}
    ({% for measure in retrieval_positive_measures() %}{{ alias }}.{{ measure }} > 0{{ " or " if not loop.last }}{% endfor %})
{%- endmacro %}


{#- ---- retrieved pairs as ranking candidates (models_sql/intermediate/int_pair_candidate_sources.sql) ---- -#}

{#- var retrieval_candidate_top_n, checked: the retrieved items per user that join the ranking's candidates; 0 when
    retrieval candidates are off (var retrieval_candidate_runs empty, or the var itself 0). -#}
{% macro retrieval_candidate_top_n() -%}
    {%- set top_n = var('retrieval_candidate_top_n') -%}
    {%- if top_n is string or top_n is not number or top_n is sameas true or top_n is sameas false
        or top_n != top_n | int or top_n < 0 -%}
        {{ exceptions.raise_compiler_error(
            "var retrieval_candidate_top_n must be a whole number >= 0 (the retrieved items per user joined to the "
            ~ "ranking's candidates; 0 leaves them out), e.g. 10; got " ~ (top_n | string)
        ) }}
    {%- endif -%}
    {{ return(top_n | int if retrieval_candidate_run() is not none else 0) }}
{%- endmacro %}


{#- var retrieval_candidate_runs, checked: the one run folder whose retrieved pairs join the ranking's candidates
    (`python -m runner retrieve --splits train eval predict` wrote it), or none when the list is empty or var
    retrieval_candidate_top_n is 0. -#}
{% macro retrieval_candidate_run() -%}
    {%- set runs = var('retrieval_candidate_runs') -%}
    {%- if runs is string or runs is not iterable or runs | length > 1 or runs | reject('string') | list | length > 0 -%}
        {{ exceptions.raise_compiler_error(
            "var retrieval_candidate_runs must be a list of at most one run folder (the retriever whose pairs join "
            ~ "the ranking's candidates), e.g. [outputs/stage1_dssm_v1], or [] (off); got " ~ (runs | string)
        ) }}
    {%- endif -%}
    {{ return(runs[0] if runs | length == 1 and var('retrieval_candidate_top_n') != 0 else none) }}
{%- endmacro %}


{#- The retrieval fold of a user (0 or 1, a seeded hash of user_id): the training cutoffs' candidates of the users
    of one fold are retrieved by the two-tower model trained on the other fold's positives only (the exports
    retrieval_train_fold_<k>, retrieval_user_train_fold_<k>; `python -m runner retrieve --splits train`). -#}
{% macro retrieval_fold(user_id) -%}
    (case when {{ hash_fraction(user_id, var('split_seed') + 1) }} < 0.5 then 0 else 1 end)
{%- endmacro %}


{#- The retrieved pairs of the run of var retrieval_candidate_runs, as a relation: 'whole_run' (retrieved/<split>/,
    its retriever trained on every training user: the eval and predict cutoffs) or 'out_of_fold'
    (folds/fold_<k>/retrieved/train/, each fold's retriever on the other fold's users: the training cutoffs). -#}
{% macro retrieval_candidate_relation(part) -%}
    {{ return(adapter.dispatch('retrieval_candidate_relation', 'tianchi')(part)) }}
{%- endmacro %}

{% macro duckdb__retrieval_candidate_relation(part) -%}
    {{ source('retrieval_candidates', part) }}
{%- endmacro %}

{% macro spark__retrieval_candidate_relation(part) -%}
    parquet.`{{ retrieval_candidate_files(part) }}`
{%- endmacro %}

{% macro default__retrieval_candidate_relation(part) -%}
    {{ not_ported('retrieval_candidate_relation') }}
{%- endmacro %}


{#- The query of one part ('whole_run' or 'out_of_fold', see retrieval_candidate_relation) of the candidate run's
    retrieved pairs, typed: retriever, cutoff_date (a date), user_id, item_id, recall_score, recall_rank and
    training_fold (null for the whole run's); with retrieval candidates off, the same columns and no row (no source
    is read). -#}
{% macro retrieval_candidate_pairs(part) -%}
    {%- if retrieval_candidate_top_n() > 0 %}
    select
        retriever,
        cast(cutoff_date as date) as cutoff_date,
        user_id,
        item_id,
        cast(recall_score as double) as recall_score,
        cast(recall_rank as integer) as recall_rank,
        {{ 'cast(training_fold as integer)' if part == 'out_of_fold' else 'cast(null as integer)' }} as training_fold
    from {{ retrieval_candidate_relation(part) }}
    {%- else %}
    select
        cast(null as {{ string_type() }}) as retriever,
        cast(null as date) as cutoff_date,
        cast(null as bigint) as user_id,
        cast(null as bigint) as item_id,
        cast(null as double) as recall_score,
        cast(null as integer) as recall_rank,
        cast(null as integer) as training_fold
    limit 0
    {%- endif %}
{%- endmacro %}


{#- The retrieved files a model reading them fingerprints (config fingerprint_files, build_state.sql): a source's
    own fingerprint covers the raw files only, and a run retrieved again keeps its files' names. -#}
{% macro retrieval_run_files(runs) -%}
    {%- set files = [] -%}
    {%- for run in runs %}{% do files.append(run ~ '/retrieved/*/*.parquet') %}{% endfor -%}
    {{ return(files) }}
{%- endmacro %}

{% macro retrieval_candidate_fingerprint_files() -%}
    {%- if retrieval_candidate_top_n() > 0 -%}
        {{ return([retrieval_candidate_files('whole_run'), retrieval_candidate_files('out_of_fold')]) }}
    {%- endif -%}
    {{ return([]) }}
{%- endmacro %}


{#- The glob of one part's retrieved files in the candidate run folder (see retrieval_candidate_relation). -#}
{% macro retrieval_candidate_files(part) -%}
    {%- set run = retrieval_candidate_run() -%}
    {{ return(run ~ ('/retrieved/*/*.parquet' if part == 'whole_run' else '/folds/*/retrieved/*/*.parquet')) }}
{%- endmacro %}


{#- on-run-start (dbt_project.yml): with retrieval candidates on, stop before any model runs when the run folder
    lacks the retrieved pairs of a split the candidates need (eval and predict from the run itself, the training
    cutoffs from both of its folds), naming the files and the command that writes them. Returns no SQL. -#}
{% macro check_retrieval_candidate_runs() %}
    {%- set runs_models = flags.WHICH in ['run', 'build', 'test', 'retry'] -%}
    {%- if execute and runs_models and retrieval_candidate_top_n() > 0 and target.type == 'duckdb' -%}
        {%- set run = retrieval_candidate_run() -%}
        {%- set missing = [] -%}
        {%- for pattern in [run ~ '/retrieved/eval/*.parquet', run ~ '/retrieved/predict/*.parquet',
                            run ~ '/folds/fold_0/retrieved/train/*.parquet',
                            run ~ '/folds/fold_1/retrieved/train/*.parquet'] -%}
            {%- if run_query('select count(*) from glob(' ~ sql_string(pattern) ~ ')').columns[0].values()[0] == 0 -%}
                {%- do missing.append('  ' ~ pattern) -%}
            {%- endif -%}
        {%- endfor -%}
        {%- if missing -%}
            {{ exceptions.raise_compiler_error(
                "var retrieval_candidate_runs names " ~ run ~ ", which lacks retrieved pairs the ranking's candidates "
                ~ "need:\n" ~ (missing | join('\n')) ~ "\nWrite them with `python -m runner retrieve --config <its "
                ~ "experiment> --splits train eval predict --top-n " ~ retrieval_candidate_top_n()
                ~ " --outputs <its parent folder>` (docs/guide/models.md#two-tower-retrieval)."
            ) }}
        {%- endif -%}
    {%- endif -%}
    {{ return('') }}
{% endmacro %}
