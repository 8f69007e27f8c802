{#- (user, category) features for each (cutoff, user, category of a candidate item):
    the user's behaviour on every item of the category, breadth and recency. A category the user
    never touched by the cutoff (a retrieved candidate's) has counts 0 and hours since never_hours(). -#}

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

    select
        candidate_user_categories.cutoff_date,
        candidate_user_categories.user_id,
        candidate_user_categories.item_category,
        {%- for window in var('feature_windows') %}
            {%- for measure in behavior_measures() %}
                coalesce(windowed.uc_{{ measure }}_{{ window }}d, 0) as uc_{{ measure }}_{{ window }}d,
            {%- endfor %}
        {%- endfor %}
        {%- for measure in behavior_measures() %}
            coalesce(windowed.uc_{{ measure }}_all, 0) as uc_{{ measure }}_all,
        {%- endfor %}
        coalesce(windowed.uc_items_all, 0) as uc_items_all,
        coalesce(windowed.uc_hours_since_last_event, {{ never_hours() }}) as uc_hours_since_last_event

    -- every candidate's (user, category) gets a row, an untouched one its "never" values
    from candidate_user_categories
    left join windowed
        on
            candidate_user_categories.cutoff_date = windowed.cutoff_date
            and candidate_user_categories.user_id = windowed.user_id
            and candidate_user_categories.item_category = windowed.item_category

)

select * from final
