{#- Leakage guard on the real build: for 300 hash-sampled samples rows, recompute a few
    features and the label straight from the staged behaviour rows (not from the daily table
    the marts use) and return every row where they disagree. -#}

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

behaviors as (

    select * from {{ ref('stg_tianchi__behaviors') }}

),

recomputed as (

    select
        sampled.cutoff_date,
        sampled.user_id,
        sampled.item_id,
        (
            select count(*) from behaviors
            where
                behaviors.user_id = sampled.user_id and behaviors.item_id = sampled.item_id
                and behaviors.behavior_type = 1
                and behaviors.event_date <= sampled.cutoff_date
                and behaviors.event_date > {{ add_days('sampled.cutoff_date', -short) }}
        ) as ui_clicks_short,
        (
            select count(*) from behaviors
            where
                behaviors.user_id = sampled.user_id and behaviors.item_id = sampled.item_id
                and behaviors.behavior_type = 1
                and behaviors.event_date <= sampled.cutoff_date
        ) as ui_clicks_all,
        (
            select count(*) from behaviors
            where
                behaviors.user_id = sampled.user_id
                and behaviors.behavior_type = 4
                and behaviors.event_date <= sampled.cutoff_date
                and behaviors.event_date > {{ add_days('sampled.cutoff_date', -long) }}
        ) as u_buys_long,
        (
            select count(distinct behaviors.user_id) from behaviors
            where
                behaviors.item_id = sampled.item_id
                and behaviors.event_date <= sampled.cutoff_date
                and behaviors.event_date > {{ add_days('sampled.cutoff_date', -short) }}
        ) as i_users_short,
        -- hours from the last cart to the end of the cutoff day, through the carts' hour slots (an
        -- aggregate of the subquery's own columns only: Spark refuses one mixing in outer columns)
        coalesce(
            {{ hour_slot('sampled.cutoff_date', 24) }}
            - (
                select max({{ hour_slot('behaviors.event_date', 'behaviors.event_hour') }})
                from behaviors
                where
                    behaviors.user_id = sampled.user_id and behaviors.item_id = sampled.item_id
                    and behaviors.behavior_type = 3
                    and behaviors.event_date <= sampled.cutoff_date
            ),
            {{ never_hours() }}
        ) as ui_hours_since_last_cart,
        (
            select case when count(*) > 0 then 1 else 0 end from behaviors
            where
                behaviors.user_id = sampled.user_id and behaviors.item_id = sampled.item_id
                and behaviors.behavior_type = 4
                and behaviors.event_date = {{ add_days('sampled.cutoff_date', 1) }}
        ) as label

    from sampled

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
