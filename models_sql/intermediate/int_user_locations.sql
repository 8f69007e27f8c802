{{ config(materialized=view_materialization()) }}

{#- Every geohash a user was seen at, with the first day it was seen (so a cutoff only uses
    locations known by then): the user_location grain of int_behavior_rollup. -#}

with

rollup as (

    select * from {{ ref('int_behavior_rollup') }}
    where grain = 'user_location'

),

final as (

    select
        user_id,
        user_geohash,
        first_seen_date
    from rollup

)

select * from final
