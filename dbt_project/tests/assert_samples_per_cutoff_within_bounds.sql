{#- Every cutoff of the calendar has candidates, and the labelled ones a positive rate inside
    sample_positive_rate_bounds once they have min_candidates_for_rate_check candidates (the
    real month: about 0.2-0.5 % of 3-day candidates are bought the next day). The rate is the
    candidates' own: samples keeps a share (exported_negative_rate) of the training rows'
    negatives, so each kept one counts for 1 / that share (at the online scale's 0.1 the sale
    day's sampled rate is near 7 %, its candidates' 0.7 %). The rate is that of the touched pairs:
    retrieved pairs joined as candidates (var retrieval_candidate_top_n) are a population of their own, a
    few hundred thousand a cutoff with almost no purchase, that would dilute it below any bound.
    The bounds are sized for the touches of the last 3 days; a longer candidate_lookback_days adds
    older touches, bought far more rarely (the whole history's rate is about a sixth of 3 days'),
    so the lower bound shrinks by 3 / the lookback. Returns the offending cutoffs. -#}
{%- set lookback = var('candidate_lookback_days') %}
{#- a lookback that is not a positive number stops the build in check_calendar_vars, before any test -#}
{%- set shrink = [1.0, 3.0 / lookback] | min if lookback is number and lookback > 0 else 1.0 %}
{%- set lower_bound = var('sample_positive_rate_bounds')[0] * shrink %}

with

calendar as (

    select * from {{ ref('int_label_calendar') }}

),

samples as (

    select * from {{ ref('samples') }}

),

per_cutoff as (

    select
        samples.cutoff_date,
        count(*) as candidates,
        sum(case when samples.candidate_source != 'retrieved' then samples.label end) / sum(
            case
                when samples.candidate_source = 'retrieved' then 0.0
                when samples.label = 0 and calendar.dataset = 'train' and not {{ is_validation_user('samples.user_id') }}
                    then 1.0 / {{ exported_negative_rate() }}
                else 1.0
            end
        ) as positive_rate

    from samples
    inner join calendar on samples.cutoff_date = calendar.cutoff_date
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
            positive_rate < {{ lower_bound }}
            or positive_rate > {{ var('sample_positive_rate_bounds')[1] }}
        )
    )
