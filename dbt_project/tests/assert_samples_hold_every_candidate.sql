{#- Every candidate of int_pair_sample_keys has its samples row: samples joins each feature mart with an
    inner join, so a mart without a row for a candidate (an untouched, retrieved one) would drop it
    silently. Returns the cutoffs whose counts differ. -#}

with

keys_per_cutoff as (

    select
        cutoff_date,
        count(*) as candidates

    from {{ ref('int_pair_sample_keys') }}
    group by 1

),

samples_per_cutoff as (

    select
        cutoff_date,
        count(*) as samples

    from {{ ref('samples') }}
    group by 1

),

final as (

    select
        keys_per_cutoff.cutoff_date,
        keys_per_cutoff.candidates,
        coalesce(samples_per_cutoff.samples, 0) as samples

    from keys_per_cutoff
    left join samples_per_cutoff on keys_per_cutoff.cutoff_date = samples_per_cutoff.cutoff_date
    where keys_per_cutoff.candidates <> coalesce(samples_per_cutoff.samples, 0)

)

select * from final
