{#- Quantile buckets of every dense feature, learned from the training rows only (dataset
    'train': training cutoffs, validation users left out, before negative sampling), so no
    validation, eval or predict row shapes them. One row per bucket with its lower bound on the
    samples' own scale (before the exports' ln(1 + x)). A feature's bucket id in the exports is the
    number of its lower bounds at or below the value: 0 below every training value, then 1, 2, ...
    - at most dense_feature_exact_values distinct values: one bucket per value;
    - more: a value starts a new bucket when the share of training rows below it crosses the next
      multiple of 1 / dense_feature_bins, so buckets hold about equal rows and a value's rows
      never split (a feature that is 0 on 90 % of rows gets one bucket for 0). -#}

{%- set dense_columns = export_dense_columns(ref('samples')) %}

with

training_samples as (

    select * from {{ ref('samples') }}
    where dataset = 'train'

),

value_counts as (

    {{ dense_feature_value_counts('training_samples', dense_columns) }}

),

positioned as (

    select
        feature_name,
        feature_value,
        training_rows,
        row_number() over (partition by feature_name order by feature_value) - 1 as values_below,
        count(*) over (partition by feature_name) as distinct_values,
        coalesce(sum(training_rows) over (
            partition by feature_name order by feature_value
            rows between unbounded preceding and 1 preceding
        ), 0) as rows_below,
        sum(training_rows) over (partition by feature_name) as feature_rows

    from value_counts

),

keyed as (

    select
        feature_name,
        feature_value,
        training_rows,
        case
            when distinct_values <= {{ var('dense_feature_exact_values') }} then values_below
            else floor({{ var('dense_feature_bins') }} * rows_below / feature_rows)
        end as bucket_key

    from positioned

),

buckets as (

    select
        feature_name,
        bucket_key,
        min(feature_value) as lower_bound,
        sum(training_rows) as training_rows

    from keyed
    group by 1, 2

),

final as (

    select
        feature_name,
        cast(row_number() over (partition by feature_name order by lower_bound) as bigint) as bin,
        lower_bound,
        cast(training_rows as bigint) as training_rows

    from buckets

)

select * from final
