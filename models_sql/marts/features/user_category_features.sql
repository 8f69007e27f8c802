{#- (user, category) features for each (cutoff, user, category of a candidate item):
    the user's behaviour on every item of the category, breadth and recency. -#}

with

candidate_user_categories as (

    select distinct
        cutoff_date,
        user_id,
        item_category

    from {{ ref('int_pair_sample_keys') }}

),

pair_days as (

    select * from {{ ref('int_user_item_daily') }}

),

windowed as (

    select
        candidate_user_categories.cutoff_date,
        candidate_user_categories.user_id,
        candidate_user_categories.item_category,
        {{ windowed_sums('uc', behavior_measures()) }}
        count(distinct pair_days.item_id) as uc_items_all,
        min({{ hours_to_cutoff_end('pair_days.event_date', 'pair_days.last_event_hour') }})
            as uc_hours_since_last_event

    from candidate_user_categories
    inner join pair_days
        on
            candidate_user_categories.user_id = pair_days.user_id
            and candidate_user_categories.item_category = pair_days.item_category
            and candidate_user_categories.cutoff_date >= pair_days.event_date
    group by 1, 2, 3

),

final as (

    select * from windowed

)

select * from final
