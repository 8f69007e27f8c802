{#- Every geohash a user was seen at, with the first day it was seen (so a cutoff only uses
    locations known by then). The only model after staging that reads behaviour rows
    directly: locations are not part of the daily (user, item) table. -#}

with

behaviors as (

    select * from {{ ref('stg_tianchi__behaviors') }}

),

final as (

    select
        user_id,
        user_geohash,
        min(event_date) as first_seen_date

    from behaviors
    where user_geohash is not null
    group by 1, 2

)

select * from final
