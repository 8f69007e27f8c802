{#- Every cutoff of the calendar has candidates, and the labelled ones a positive rate inside
    sample_positive_rate_bounds once they have min_candidates_for_rate_check candidates (the
    real month: about 0.2-0.5 % of 3-day candidates are bought the next day). Returns the
    offending cutoffs. -#}

with

calendar as (

    select * from {{ ref('int_label_calendar') }}

),

per_cutoff as (

    select
        cutoff_date,
        count(*) as candidates,
        avg(cast(label as double)) as positive_rate

    from {{ ref('samples') }}
    group by 1

),

checked as (

    select
        calendar.cutoff_date,
        calendar.dataset,
        coalesce(per_cutoff.candidates, 0) as candidates,
        per_cutoff.positive_rate

    from calendar
    left join per_cutoff on calendar.cutoff_date = per_cutoff.cutoff_date

)

select *
from checked
where
    candidates = 0
    or (
        dataset != 'predict'
        and candidates >= {{ var('min_candidates_for_rate_check') }}
        and (
            positive_rate < {{ var('sample_positive_rate_bounds')[0] }}
            or positive_rate > {{ var('sample_positive_rate_bounds')[1] }}
        )
    )
