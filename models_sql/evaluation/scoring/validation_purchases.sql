{#- The validation users' true pairs: every (user, P item) a validation user (the hash split of
    samples.sql: the users no model trains on) bought on a training label day, candidate or not.
    What pooled_share_scan scores those days' validation predictions against, as f1_scan scores
    the eval day against eval_purchases. -#}

with

calendar as (

    select * from {{ ref('int_label_calendar') }}
    where dataset = 'train'

),

labels as (

    select * from {{ ref('int_pair_labels') }}

),

final as (

    select
        labels.cutoff_date,
        labels.label_date,
        labels.user_id,
        labels.item_id

    from labels
    inner join calendar on labels.label_date = calendar.label_date
    -- the same split as samples.sql's dataset = 'validation'
    where {{ is_validation_user('labels.user_id') }}

)

select * from final
