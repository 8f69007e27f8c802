{#- The user's last sequence_length distinct items (any item, not only P) and their categories
    before the end of each cutoff day, most recent first, as ';'-joined vocabulary codes: the
    behaviour sequence of DIN-style models. Only the last sequence_lookback_days are read.
    Built one cutoff at a time on DuckDB with var build_by_partition (the online scale): the
    (cutoff, user, item) groups of every cutoff at once spilled more than the disk held. -#}

{{ config(build_partition_by='cutoff_date', build_partitions_from='int_pair_sample_keys') }}

with

candidate_users as (

    select distinct
        cutoff_date,
        user_id

    from {{ ref('int_pair_sample_keys') }}
    where {{ partition_filter('cutoff_date') }}

),

pair_days as (

    select * from {{ ref('int_user_item_daily') }}

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

recent_items as (

    select
        candidate_users.cutoff_date,
        candidate_users.user_id,
        pair_days.item_id,
        max(pair_days.item_category) as item_category,
        max({{ hour_slot('pair_days.event_date', 'pair_days.last_event_hour') }}) as last_slot

    from candidate_users
    inner join pair_days
        on
            candidate_users.user_id = pair_days.user_id
            and candidate_users.cutoff_date >= pair_days.event_date
            and {{ in_window('pair_days.event_date', 'candidate_users.cutoff_date', var('sequence_lookback_days')) }}
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

final as (

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

)

select * from final
