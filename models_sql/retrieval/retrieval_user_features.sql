{{ config(enabled=var('retrieval_exports', false)) }}

{#- The user side of the two-tower models, one row per (cutoff, user) of int_retrieval_user_cutoffs:
    behaviour on all items and on P items over the feature windows and the whole history, activity,
    recency, the behaviour sequence (the last sequence_length distinct items of the last
    sequence_lookback_days, most recent first, as int_user_recent_items builds it for the ranking's
    candidate users) and the last sequence_length distinct P categories of the whole history. Everything up to the end of the cutoff day, nothing after it; counts are 0 and
    the hours since the last event never_hours() for a user with no event by the cutoff. -#}

{%- set measures = behavior_measures() + ['active_days'] %}
{%- set p_measures = ['p_clicks', 'p_carts', 'p_buys'] %}

with

users as (

    select * from {{ ref('int_retrieval_user_cutoffs') }}

),

pair_days as (

    select * from {{ ref('int_user_item_daily') }}

),

user_days as (

    select * from {{ ref('int_user_daily') }}

),

windowed as (

    select
        users.cutoff_date,
        users.user_id,
        {{ windowed_sums('u', measures) }}
        {{ windowed_sums('u', p_measures) }}
        min({{ hours_to_cutoff_end('user_days.event_date', 'user_days.last_event_hour') }})
            as u_hours_since_last_event

    from users
    inner join user_days
        on
            users.user_id = user_days.user_id
            and users.cutoff_date >= user_days.event_date
    group by 1, 2

),

item_codes as (

    select
        raw_id as item_id,
        code as item_code

    from {{ ref('int_id_vocabulary') }}
    where id_kind = 'item'

),

category_codes as (

    select
        raw_id as item_category,
        code as category_code

    from {{ ref('int_id_vocabulary') }}
    where id_kind = 'category'

),

user_codes as (

    select
        raw_id as user_id,
        code as user_code

    from {{ ref('int_id_vocabulary') }}
    where id_kind = 'user'

),

recent_items as (

    select
        users.cutoff_date,
        users.user_id,
        pair_days.item_id,
        max(pair_days.item_category) as item_category,
        max({{ hour_slot('pair_days.event_date', 'pair_days.last_event_hour') }}) as last_slot

    from users
    inner join pair_days
        on
            users.user_id = pair_days.user_id
            and users.cutoff_date >= pair_days.event_date
            and {{ in_window('pair_days.event_date', 'users.cutoff_date', var('sequence_lookback_days')) }}
    group by 1, 2, 3

),

ranked as (

    select
        *,
        row_number() over (
            partition by cutoff_date, user_id order by last_slot desc, item_id asc
        ) as recency_rank

    from recent_items

),

sequences as (

    select
        ranked.cutoff_date,
        ranked.user_id,
        {{ ordered_string_agg('coalesce(item_codes.item_code, 0)', ';', 'ranked.recency_rank', var('sequence_length')) }}
            as hist__item_code,
        {{ ordered_string_agg('coalesce(category_codes.category_code, 0)', ';', 'ranked.recency_rank', var('sequence_length')) }}
            as hist__category_code

    from ranked
    left join item_codes on ranked.item_id = item_codes.item_id
    left join category_codes on ranked.item_category = category_codes.item_category
    where ranked.recency_rank <= {{ var('sequence_length') }}
    group by 1, 2

),

-- the P categories the user touched by the cutoff (the whole history), most recent first
p_categories as (

    select
        users.cutoff_date,
        users.user_id,
        pair_days.item_category,
        max({{ hour_slot('pair_days.event_date', 'pair_days.last_event_hour') }}) as last_slot

    from users
    inner join pair_days
        on
            users.user_id = pair_days.user_id
            and users.cutoff_date >= pair_days.event_date
            and pair_days.is_p_item
    group by 1, 2, 3

),

ranked_p_categories as (

    select
        *,
        row_number() over (
            partition by cutoff_date, user_id order by last_slot desc, item_category asc
        ) as recency_rank

    from p_categories

),

p_sequences as (

    select
        ranked_p_categories.cutoff_date,
        ranked_p_categories.user_id,
        {{ ordered_string_agg('coalesce(category_codes.category_code, 0)', ';', 'ranked_p_categories.recency_rank', var('sequence_length')) }}
            as p_hist__category_code

    from ranked_p_categories
    left join category_codes on ranked_p_categories.item_category = category_codes.item_category
    where ranked_p_categories.recency_rank <= {{ var('sequence_length') }}
    group by 1, 2

),

final as (

    select
        users.cutoff_date,
        users.user_id,
        coalesce(user_codes.user_code, 0) as user_code,
        -- an empty sequence is the out-of-vocabulary code alone, as in the ranking exports
        coalesce(sequences.hist__item_code, '0') as hist__item_code,
        coalesce(sequences.hist__category_code, '0') as hist__category_code,
        coalesce(p_sequences.p_hist__category_code, '0') as p_hist__category_code,
        {%- for column in retrieval_user_count_columns() %}
            coalesce(windowed.{{ column }}, 0) as {{ column }},
        {%- endfor %}
        coalesce(windowed.u_hours_since_last_event, {{ never_hours() }}) as u_hours_since_last_event,
        {{ smoothed_ratio('coalesce(windowed.u_buys_all, 0)', 'coalesce(windowed.u_clicks_all, 0)') }}
            as u_buy_per_click_all,
        {{ smoothed_ratio('coalesce(windowed.u_p_buys_all, 0)', 'coalesce(windowed.u_p_clicks_all, 0)') }}
            as u_p_buy_per_click_all

    from users
    left join windowed
        on
            users.cutoff_date = windowed.cutoff_date
            and users.user_id = windowed.user_id
    left join sequences
        on
            users.cutoff_date = sequences.cutoff_date
            and users.user_id = sequences.user_id
    left join p_sequences
        on
            users.cutoff_date = p_sequences.cutoff_date
            and users.user_id = p_sequences.user_id
    left join user_codes on users.user_id = user_codes.user_id

)

select * from final
