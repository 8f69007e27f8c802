{%- set peak_date = date_var('sale_peak_date') %}

with

daily as (

    select * from {{ ref('profile__daily') }}

),

calendar as (

    select * from {{ ref('int_log_calendar') }}

),

overview as (

    select * from {{ ref('profile__overview') }}

),

user_item_daily as (

    select * from {{ ref('int_user_item_daily') }}

),

cart_rule as (

    select * from {{ ref('rule_cart_baseline') }}
    where dataset = 'predict'

),

targets as (

    select * from {{ ref('calibration_targets') }}

),

p_pair_days as (

    select
        event_date,
        user_id,
        item_id,
        carts,
        buys
    from user_item_daily
    where is_p_item

),

label_days as (

    select calendar_date as label_date
    from calendar
    where is_calibration_label_day

),

-- (user, P item) pairs bought on a label day: the positives of "bought on the next day"
label_buys as (

    select
        label_days.label_date,
        p_pair_days.user_id,
        p_pair_days.item_id
    from label_days
    inner join p_pair_days
        on label_days.label_date = p_pair_days.event_date
    where p_pair_days.buys > 0

),

label_buy_history as (

    select
        label_buys.label_date,
        label_buys.user_id,
        label_buys.item_id,
        {{ days_between('history.event_date', 'label_buys.label_date') }}
            as days_before,
        history.carts
    from label_buys
    left join p_pair_days as history
        on
            label_buys.user_id = history.user_id
            and label_buys.item_id = history.item_id
            and label_buys.label_date > history.event_date

),

label_buy_flags as (

    select
        label_date,
        user_id,
        item_id,
        max(case when days_before = 1 and carts > 0 then 1 else 0 end) as was_carted_day_before,
        max(case when days_before = 1 then 1 else 0 end) as was_touched_day_before,
        max(case when days_before <= 2 then 1 else 0 end) as was_touched_2_days_before,
        max(case when days_before >= 1 then 1 else 0 end) as was_touched_before
    from label_buy_history
    group by
        label_date,
        user_id,
        item_id

),

label_buy_shares as (

    select
        count(*) as label_buys,
        avg(cast(was_carted_day_before as double)) as carted_day_before_share,
        avg(cast(was_touched_day_before as double)) as touched_day_before_share,
        avg(cast(was_touched_2_days_before as double)) as touched_2_days_before_share,
        avg(cast(was_touched_before as double)) as touched_before_share
    from label_buy_flags

),

-- (user, P item) pairs carted and not bought on the day before a label day
carted_not_bought as (

    select
        label_days.label_date,
        p_pair_days.user_id,
        p_pair_days.item_id
    from p_pair_days
    inner join label_days
        on {{ add_days('p_pair_days.event_date', 1) }} = label_days.label_date
    where p_pair_days.carts > 0 and p_pair_days.buys = 0

),

cart_conversion as (

    select
        count(*) as carted_pairs,
        avg(cast(case when next_day.buys > 0 then 1 else 0 end as double)) as next_day_conversion
    from carted_not_bought
    left join p_pair_days as next_day
        on
            carted_not_bought.user_id = next_day.user_id
            and carted_not_bought.item_id = next_day.item_id
            and carted_not_bought.label_date = next_day.event_date

),

day_stats as (

    select
        sum(behavior_rows) as behavior_rows,
        sum(clicks) as clicks,
        sum(collects) as collects,
        sum(carts) as carts,
        sum(buys) as buys,
        count(case when is_normal_day then 1 end) as normal_days,
        avg(case when is_normal_day then cast(behavior_rows as double) end) as rows_per_normal_day,
        avg(case when is_normal_day then cast(p_pairs_bought as double) end)
            as p_pairs_bought_per_normal_day,
        max(case when event_date = {{ peak_date }} then behavior_rows end) as peak_day_rows,
        max(case when event_date = {{ peak_date }} then p_pairs_bought end) as peak_day_p_pairs_bought
    from daily

),

computed_statistics as (

    select
        'click_share' as statistic,
        cast(clicks as double) / nullif(behavior_rows, 0) as value,
        behavior_rows as sample_size
    from day_stats
    union all
    select
        'collect_share' as statistic,
        cast(collects as double) / nullif(behavior_rows, 0) as value,
        behavior_rows as sample_size
    from day_stats
    union all
    select
        'cart_share' as statistic,
        cast(carts as double) / nullif(behavior_rows, 0) as value,
        behavior_rows as sample_size
    from day_stats
    union all
    select
        'buy_share' as statistic,
        cast(buys as double) / nullif(behavior_rows, 0) as value,
        behavior_rows as sample_size
    from day_stats
    union all
    select
        'p_pairs_bought_per_normal_day' as statistic,
        p_pairs_bought_per_normal_day as value,
        normal_days as sample_size
    from day_stats
    union all
    select
        'p_buys_carted_day_before_share' as statistic,
        carted_day_before_share as value,
        label_buys as sample_size
    from label_buy_shares
    union all
    select
        'p_buys_touched_day_before_share' as statistic,
        touched_day_before_share as value,
        label_buys as sample_size
    from label_buy_shares
    union all
    select
        'p_buys_touched_2_days_before_share' as statistic,
        touched_2_days_before_share as value,
        label_buys as sample_size
    from label_buy_shares
    union all
    select
        'p_buys_touched_before_share' as statistic,
        touched_before_share as value,
        label_buys as sample_size
    from label_buy_shares
    union all
    select
        'sale_peak_rows_ratio' as statistic,
        peak_day_rows / nullif(rows_per_normal_day, 0) as value,
        normal_days as sample_size
    from day_stats
    union all
    select
        'sale_peak_p_pairs_bought_ratio' as statistic,
        peak_day_p_pairs_bought / nullif(p_pairs_bought_per_normal_day, 0) as value,
        normal_days as sample_size
    from day_stats
    union all
    select
        'user_geohash_empty_share' as statistic,
        user_geohash_empty_share as value,
        behavior_rows as sample_size
    from overview
    union all
    select
        'cart_not_bought_next_day_conversion' as statistic,
        next_day_conversion as value,
        carted_pairs as sample_size
    from cart_conversion
    union all
    -- only where the answer file of the predict day exists (generated data)
    select
        'cart_rule_f1_1219' as statistic,
        f1 as value,
        predicted_pairs as sample_size
    from cart_rule

),

final as (

    select
        coalesce(computed_statistics.statistic, targets.statistic) as statistic,
        computed_statistics.value,
        cast(computed_statistics.sample_size as bigint) as sample_size,
        targets.real_value,
        targets.band_low,
        targets.band_high,
        case
            when
                computed_statistics.value is not null
                and targets.band_low is not null
                and targets.band_high is not null
                then computed_statistics.value between targets.band_low and targets.band_high
        end as in_band,
        targets.note
    from computed_statistics
    full outer join targets
        on computed_statistics.statistic = targets.statistic

)

select * from final
