{#- (user, item) features for each candidate: behaviour on the pair over the feature windows,
    open carts and collects, recency of each behaviour and the hour of the last cart, and the
    interest's age: days since its first event, the share of those days it was touched and its
    clicks per touched day (a keen interest comes back often and clicks more, and an old one
    fades). The history starts on the first logged day, so the age is censored there. A candidate the
    user never touched by the cutoff (a retrieved one) has counts 0, every hours-since never_hours(),
    the days since its first event never_hours() / 24, the shares 0 and the last cart hour -1.
    Built one cutoff at a time on DuckDB with var build_by_partition (the online scale), as samples. -#}

{{ config(build_partition_by='cutoff_date', build_partitions_from='int_pair_sample_keys') }}

with

candidates as (

    select
        cutoff_date,
        user_id,
        item_id

    from {{ ref('int_pair_sample_keys') }}
    where {{ partition_filter('cutoff_date') }}

),

pair_days as (

    select * from {{ ref('int_user_item_daily') }}

),

history as (

    select
        candidates.cutoff_date,
        candidates.user_id,
        candidates.item_id,
        pair_days.event_date,
        pair_days.clicks,
        pair_days.collects,
        pair_days.carts,
        pair_days.buys,
        pair_days.last_event_hour,
        pair_days.last_click_hour,
        pair_days.last_collect_hour,
        pair_days.last_cart_hour,
        pair_days.last_buy_hour

    from candidates
    inner join pair_days
        on
            candidates.user_id = pair_days.user_id
            and candidates.item_id = pair_days.item_id
            and candidates.cutoff_date >= pair_days.event_date

),

windowed as (

    select
        cutoff_date,
        user_id,
        item_id,
        {{ windowed_sums('ui', behavior_measures()) }}
        count(*) as ui_active_days_all,
        {{ days_between('min(event_date)', 'cutoff_date') }} as ui_days_since_first_event,
        {%- for behavior in ['event', 'click', 'collect', 'cart', 'buy'] %}
            min({{ hours_to_cutoff_end('event_date', 'last_' ~ behavior ~ '_hour') }})
                as ui_hours_since_last_{{ behavior }},
        {%- endfor %}
        max({{ hour_slot('event_date', 'last_cart_hour') }}) as last_cart_slot,
        max({{ hour_slot('event_date', 'last_collect_hour') }}) as last_collect_slot,
        max({{ hour_slot('event_date', 'last_buy_hour') }}) as last_buy_slot

    from history
    group by 1, 2, 3

),

final as (

    select
        candidates.cutoff_date,
        candidates.user_id,
        candidates.item_id,
        {%- for window in var('feature_windows') %}
            {%- for measure in behavior_measures() %}
                coalesce(windowed.ui_{{ measure }}_{{ window }}d, 0) as ui_{{ measure }}_{{ window }}d,
            {%- endfor %}
        {%- endfor %}
        {%- for measure in behavior_measures() %}
            coalesce(windowed.ui_{{ measure }}_all, 0) as ui_{{ measure }}_all,
        {%- endfor %}
        coalesce(windowed.ui_active_days_all, 0) as ui_active_days_all,
        coalesce(windowed.ui_days_since_first_event, {{ never_hours() // 24 }}) as ui_days_since_first_event,
        -- the first day counts: a pair touched only on the cutoff day has 1 of 1
        coalesce(
            cast(windowed.ui_active_days_all as double) / (windowed.ui_days_since_first_event + 1), 0
        ) as ui_active_days_per_elapsed_day,
        -- every history row is an active day, so the divisor is at least 1 (an untouched pair has no row: 0)
        coalesce(cast(windowed.ui_clicks_all as double) / windowed.ui_active_days_all, 0) as ui_clicks_per_active_day,
        {%- for behavior in ['event', 'click', 'collect', 'cart', 'buy'] %}
            coalesce(windowed.ui_hours_since_last_{{ behavior }}, {{ never_hours() }})
                as ui_hours_since_last_{{ behavior }},
        {%- endfor %}
        -- -1: never carted
        coalesce(windowed.last_cart_slot % 24, -1) as ui_last_cart_hour,
        case
            when windowed.last_cart_slot > coalesce(windowed.last_buy_slot, -1) then 1 else 0
        end as ui_carted_not_bought,
        case
            when windowed.last_collect_slot > coalesce(windowed.last_buy_slot, -1) then 1 else 0
        end as ui_collected_not_bought

    -- every candidate gets a row, an untouched one (a retrieved pair) its "never" values
    from candidates
    left join windowed
        on
            candidates.cutoff_date = windowed.cutoff_date
            and candidates.user_id = windowed.user_id
            and candidates.item_id = windowed.item_id

)

select * from final
