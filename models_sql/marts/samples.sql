{#- One row per (cutoff, user, P item) candidate: the label calendar, the label (and the
    auxiliary label_touched of multi-task models, training label days only), every
    feature family, ranks, geo, vocabulary codes, the behaviour sequence, and where the
    candidate comes from (touched, retrieved or both) with its retrieval score and rank.
    Numeric features have no nulls: counts are 0 when nothing happened, hours-since take
    never_hours(), the last cart hour is -1 when never carted, geo match is 0 when either side
    has no location.
    Built one cutoff at a time on DuckDB (build_partition_by), so a stopped build keeps the cutoffs it
    finished. -#}

{{ config(build_partition_by='cutoff_date', build_partitions_from='int_label_calendar') }}

with

candidates as (

    select * from {{ ref('int_pair_sample_keys') }}
    where {{ partition_filter('cutoff_date') }}

),

calendar as (

    select * from {{ ref('int_label_calendar') }}
    where {{ partition_filter('cutoff_date') }}

),

labels as (

    select * from {{ ref('int_pair_labels') }}

),

label_day_touches as (

    select * from {{ ref('int_pair_label_day_touches') }}

),

user_features as (

    select * from {{ ref('user_features') }}

),

item_features as (

    select * from {{ ref('item_features') }}

),

category_features as (

    select * from {{ ref('category_features') }}

),

user_item_features as (

    select * from {{ ref('user_item_features') }}

),

user_category_features as (

    select * from {{ ref('user_category_features') }}

),

geo as (

    select * from {{ ref('int_pair_geo_match') }}

),

sequences as (

    select * from {{ ref('int_user_recent_items') }}

),

vocabulary as (

    select * from {{ ref('int_id_vocabulary') }}

),

joined as (

    select
        candidates.cutoff_date,
        calendar.label_date,
        candidates.user_id,
        candidates.item_id,
        candidates.item_category,
        case
            when calendar.dataset = 'train'
                and {{ is_validation_user('candidates.user_id') }}
                then 'validation'
            else calendar.dataset
        end as dataset,
        case
            when calendar.dataset = 'predict' then null
            when labels.user_id is not null then 1
            else 0
        end as label,
        -- the auxiliary label of multi-task models; null outside the training label days
        case
            when calendar.dataset <> 'train' then null
            when label_day_touches.user_id is not null then 1
            else 0
        end as label_touched,
        coalesce(user_codes.code, 0) as user_code,
        coalesce(item_codes.code, 0) as item_code,
        coalesce(category_codes.code, 0) as category_code,
        coalesce(sequences.hist__item_code, '0') as hist__item_code,
        coalesce(sequences.hist__category_code, '0') as hist__category_code,
        calendar.label_weekday,
        case when calendar.is_sale_label_day then 1 else 0 end as is_sale_label_day,
        case when calendar.is_sale_cutoff_day then 1 else 0 end as is_sale_cutoff_day,
        {{ columns_except(ref('user_features'), ['cutoff_date', 'user_id'], 'user_features') }}
        {{ columns_except(ref('item_features'), ['cutoff_date', 'item_id'], 'item_features') }}
        {{ columns_except(ref('category_features'), ['cutoff_date', 'item_category'], 'category_features') }}
        {{ columns_except(ref('user_item_features'), ['cutoff_date', 'user_id', 'item_id'], 'user_item_features') }}
        {{ columns_except(ref('user_category_features'), ['cutoff_date', 'user_id', 'item_category'], 'user_category_features') }}
        geo.geo_prefix_match,
        geo.user_geo_unknown,
        geo.item_geo_unknown,
        -- where the candidate comes from (int_pair_candidate_sources), named and coded: 1 touched only,
        -- 2 retrieved only, 3 both; and the retrieval's score and rank (constants 0 with retrieval off)
        candidates.candidate_source,
        case candidates.candidate_source
            when 'touched' then 1
            when 'retrieved' then 2
            when 'both' then 3
        end as candidate_source_code,
        candidates.recall_score,
        candidates.recall_rank

    from candidates
    inner join calendar on candidates.cutoff_date = calendar.cutoff_date
    left join labels
        on
            candidates.cutoff_date = labels.cutoff_date
            and candidates.user_id = labels.user_id
            and candidates.item_id = labels.item_id
    left join label_day_touches
        on
            candidates.cutoff_date = label_day_touches.cutoff_date
            and candidates.user_id = label_day_touches.user_id
            and candidates.item_id = label_day_touches.item_id
    inner join user_features
        on
            candidates.cutoff_date = user_features.cutoff_date
            and candidates.user_id = user_features.user_id
    inner join item_features
        on
            candidates.cutoff_date = item_features.cutoff_date
            and candidates.item_id = item_features.item_id
    inner join category_features
        on
            candidates.cutoff_date = category_features.cutoff_date
            and candidates.item_category = category_features.item_category
    inner join user_item_features
        on
            candidates.cutoff_date = user_item_features.cutoff_date
            and candidates.user_id = user_item_features.user_id
            and candidates.item_id = user_item_features.item_id
    inner join user_category_features
        on
            candidates.cutoff_date = user_category_features.cutoff_date
            and candidates.user_id = user_category_features.user_id
            and candidates.item_category = user_category_features.item_category
    inner join geo
        on
            candidates.cutoff_date = geo.cutoff_date
            and candidates.user_id = geo.user_id
            and candidates.item_id = geo.item_id
    left join sequences
        on
            candidates.cutoff_date = sequences.cutoff_date
            and candidates.user_id = sequences.user_id
    left join vocabulary as user_codes
        on user_codes.id_kind = 'user' and candidates.user_id = user_codes.raw_id
    left join vocabulary as item_codes
        on item_codes.id_kind = 'item' and candidates.item_id = item_codes.raw_id
    left join vocabulary as category_codes
        on category_codes.id_kind = 'category' and candidates.item_category = category_codes.raw_id

),

ranked as (

    select
        *,
        -- the item among the user's candidates: by recency, and by actions over the last 3 days
        rank() over (
            partition by cutoff_date, user_id order by ui_hours_since_last_event asc
        ) as ui_recency_rank,
        rank() over (
            partition by cutoff_date, user_id
            order by ui_clicks_3d + ui_collects_3d + ui_carts_3d + ui_buys_3d desc
        ) as ui_count_rank,
        -- the item among the candidate items of its category, by clicks over the longest window
        dense_rank() over (
            partition by cutoff_date, item_category order by i_clicks_{{ var('feature_windows') | max }}d desc
        ) as i_category_rank

    from joined

),

final as (

    select * from ranked

)

select * from final
