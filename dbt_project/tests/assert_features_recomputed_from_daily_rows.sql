{#- Leakage guard on the real build: for 300 hash-sampled samples rows, recompute a few
    features and the label from the daily (user, item, day) rows with plain date conditions,
    not through the marts' window macros, candidate joins or feature tables, and return every
    row where they disagree. (The daily rows are the staged rows counted per day:
    assert_daily_rows_are_the_valid_rows ties them to the raw files; re-reading the raw text
    here would cost a full pass over the month.) -#}

{%- set short = var('feature_windows') | min -%}
{%- set long = var('feature_windows') | max -%}

with

sampled as (

    select
        cutoff_date,
        user_id,
        item_id,
        dataset,
        label,
        ui_clicks_{{ short }}d,
        ui_clicks_all,
        u_buys_{{ long }}d,
        i_users_{{ short }}d,
        ui_hours_since_last_cart

    from {{ ref('samples') }}
    -- a fixed-size sample, the same on every run
    {%- set pair_key = "cast(user_id as " ~ string_type() ~ ") || ':' || cast(item_id as "
        ~ string_type() ~ ")" %}
    order by {{ hash_fraction(pair_key, 7) }}, cutoff_date
    limit 300

),

daily as (

    select * from {{ ref('int_user_item_daily') }}

),

pair_history as (

    select
        sampled.cutoff_date,
        sampled.user_id,
        sampled.item_id,
        sum(case
            when daily.event_date > {{ add_days('sampled.cutoff_date', -short) }} then daily.clicks else 0
        end) as ui_clicks_short,
        sum(daily.clicks) as ui_clicks_all,
        max(case
            when daily.carts > 0 then {{ hour_slot('daily.event_date', 'daily.last_cart_hour') }}
        end) as last_cart_slot
    from sampled
    inner join daily
        on
            sampled.user_id = daily.user_id
            and sampled.item_id = daily.item_id
            and sampled.cutoff_date >= daily.event_date
    group by
        sampled.cutoff_date,
        sampled.user_id,
        sampled.item_id

),

user_history as (

    select
        sampled.cutoff_date,
        sampled.user_id,
        sampled.item_id,
        sum(daily.buys) as u_buys_long
    from sampled
    inner join daily
        on
            sampled.user_id = daily.user_id
            and sampled.cutoff_date >= daily.event_date
            and {{ add_days('sampled.cutoff_date', -long) }} < daily.event_date
    group by
        sampled.cutoff_date,
        sampled.user_id,
        sampled.item_id

),

item_history as (

    select
        sampled.cutoff_date,
        sampled.user_id,
        sampled.item_id,
        count(distinct daily.user_id) as i_users_short
    from sampled
    inner join daily
        on
            sampled.item_id = daily.item_id
            and sampled.cutoff_date >= daily.event_date
            and {{ add_days('sampled.cutoff_date', -short) }} < daily.event_date
    group by
        sampled.cutoff_date,
        sampled.user_id,
        sampled.item_id

),

label_day as (

    select
        sampled.cutoff_date,
        sampled.user_id,
        sampled.item_id,
        max(case when daily.buys > 0 then 1 else 0 end) as label
    from sampled
    inner join daily
        on
            sampled.user_id = daily.user_id
            and sampled.item_id = daily.item_id
            and {{ add_days('sampled.cutoff_date', 1) }} = daily.event_date
    group by
        sampled.cutoff_date,
        sampled.user_id,
        sampled.item_id

),

recomputed as (

    select
        sampled.cutoff_date,
        sampled.user_id,
        sampled.item_id,
        coalesce(pair_history.ui_clicks_short, 0) as ui_clicks_short,
        coalesce(pair_history.ui_clicks_all, 0) as ui_clicks_all,
        coalesce(user_history.u_buys_long, 0) as u_buys_long,
        coalesce(item_history.i_users_short, 0) as i_users_short,
        -- hours from the last cart to the end of the cutoff day, through the carts' hour slots
        coalesce(
            {{ hour_slot('sampled.cutoff_date', 24) }} - pair_history.last_cart_slot, {{ never_hours() }}
        ) as ui_hours_since_last_cart,
        coalesce(label_day.label, 0) as label
    from sampled
    left join pair_history
        on
            sampled.cutoff_date = pair_history.cutoff_date
            and sampled.user_id = pair_history.user_id
            and sampled.item_id = pair_history.item_id
    left join user_history
        on
            sampled.cutoff_date = user_history.cutoff_date
            and sampled.user_id = user_history.user_id
            and sampled.item_id = user_history.item_id
    left join item_history
        on
            sampled.cutoff_date = item_history.cutoff_date
            and sampled.user_id = item_history.user_id
            and sampled.item_id = item_history.item_id
    left join label_day
        on
            sampled.cutoff_date = label_day.cutoff_date
            and sampled.user_id = label_day.user_id
            and sampled.item_id = label_day.item_id

),

compared as (

    select
        sampled.*,
        recomputed.ui_clicks_short as expected_ui_clicks_short,
        recomputed.ui_clicks_all as expected_ui_clicks_all,
        recomputed.u_buys_long as expected_u_buys_long,
        recomputed.i_users_short as expected_i_users_short,
        recomputed.ui_hours_since_last_cart as expected_ui_hours_since_last_cart,
        recomputed.label as expected_label

    from sampled
    inner join recomputed
        on
            sampled.cutoff_date = recomputed.cutoff_date
            and sampled.user_id = recomputed.user_id
            and sampled.item_id = recomputed.item_id

)

select *
from compared
where
    ui_clicks_{{ short }}d != expected_ui_clicks_short
    or ui_clicks_all != expected_ui_clicks_all
    or u_buys_{{ long }}d != expected_u_buys_long
    or i_users_{{ short }}d != expected_i_users_short
    or ui_hours_since_last_cart != expected_ui_hours_since_last_cart
    or (dataset != 'predict' and label != expected_label)
