{#- Item features for each (cutoff, P item) that is a candidate: behaviour of all users on
    the item over the feature windows, audience, conversion and trend. -#}

with

candidate_items as (

    select distinct
        cutoff_date,
        item_id

    from {{ ref('int_pair_sample_keys') }}

),

pair_days as (

    select * from {{ ref('int_user_item_daily') }}

),

windowed as (

    select
        candidate_items.cutoff_date,
        candidate_items.item_id,
        {{ windowed_sums('i', behavior_measures()) }}
        {{ windowed_distinct('i', 'users', 'pair_days.user_id') }}
        count(distinct pair_days.user_id) as i_users_all

    from candidate_items
    inner join pair_days
        on
            candidate_items.item_id = pair_days.item_id
            and candidate_items.cutoff_date >= pair_days.event_date
    group by 1, 2

),

final as (

    select
        *,
        {{ smoothed_ratio('i_buys_all', 'i_clicks_all') }} as i_buy_per_click_all,
        {{ smoothed_ratio('i_buys_all', 'i_carts_all') }} as i_buy_per_cart_all,
        -- last day against the mean day of the longest window (> 1: rising)
        {{ smoothed_ratio('i_clicks_1d * ' ~ var('feature_windows') | max, 'i_clicks_' ~ (var('feature_windows') | max) ~ 'd') }}
            as i_click_trend

    from windowed

)

select * from final
