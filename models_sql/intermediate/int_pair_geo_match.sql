{#- Geo closeness of each candidate: the longest geohash prefix shared by a location the user
    was seen at (by the cutoff) and a location of the item (7 ~ 150 m, 6 ~ 1.2 km, 5 ~ 5 km,
    4 ~ 40 km, 3 ~ 150 km); 0 when nothing is shared or either side has no location. -#}

{%- set prefix_lengths = [3, 4, 5, 6, 7] %}

with

candidates as (

    select
        cutoff_date,
        user_id,
        item_id

    from {{ ref('int_pair_sample_keys') }}

),

user_locations as (

    select * from {{ ref('int_user_locations') }}

),

item_locations as (

    select distinct
        item_id,
        item_geohash

    from {{ ref('stg_tianchi__items') }}
    where item_geohash is not null

),

candidate_pairs as (

    select distinct
        user_id,
        item_id

    from candidates

),

-- every (user location, item location) of each candidate pair, with the length of the prefix
-- they share (at most a few locations per side; chains with many stores add rows, not joins)
location_pairs as (

    select
        candidate_pairs.user_id,
        candidate_pairs.item_id,
        user_locations.first_seen_date,
        case
            {%- for length in prefix_lengths | reverse %}
                when
                    substr(user_locations.user_geohash, 1, {{ length }})
                    = substr(item_locations.item_geohash, 1, {{ length }})
                    then {{ length }}
            {%- endfor %}
            else 0
        end as prefix_length

    from candidate_pairs
    inner join user_locations on candidate_pairs.user_id = user_locations.user_id
    inner join item_locations on candidate_pairs.item_id = item_locations.item_id

),

shared_prefixes as (

    select
        candidates.cutoff_date,
        candidates.user_id,
        candidates.item_id,
        max(location_pairs.prefix_length) as geo_prefix_match

    from candidates
    inner join location_pairs
        on
            candidates.user_id = location_pairs.user_id
            and candidates.item_id = location_pairs.item_id
            and candidates.cutoff_date >= location_pairs.first_seen_date
    group by 1, 2, 3

),

users_located as (

    select
        candidates.cutoff_date,
        candidates.user_id,
        count(*) as known_locations

    from (
        select distinct
            cutoff_date,
            user_id
        from candidates
    ) as candidates
    inner join user_locations
        on
            candidates.user_id = user_locations.user_id
            and candidates.cutoff_date >= user_locations.first_seen_date
    group by 1, 2

),

final as (

    select
        candidates.cutoff_date,
        candidates.user_id,
        candidates.item_id,
        coalesce(shared_prefixes.geo_prefix_match, 0) as geo_prefix_match,
        case when users_located.user_id is null then 1 else 0 end as user_geo_unknown,
        case
            when candidates.item_id in (select item_locations.item_id from item_locations) then 0 else 1
        end as item_geo_unknown

    from candidates
    left join shared_prefixes
        on
            candidates.cutoff_date = shared_prefixes.cutoff_date
            and candidates.user_id = shared_prefixes.user_id
            and candidates.item_id = shared_prefixes.item_id
    left join users_located
        on
            candidates.cutoff_date = users_located.cutoff_date
            and candidates.user_id = users_located.user_id

)

select * from final
