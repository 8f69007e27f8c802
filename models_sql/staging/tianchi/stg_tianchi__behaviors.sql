-- TEMPORARY development stub (replaced by the real staging model on merge)
select
    user_id, item_id, behavior_type, user_geohash, item_category,
    strptime(time, '%Y-%m-%d %H') as event_at,
    cast(strptime(time, '%Y-%m-%d %H') as date) as event_date,
    cast(substr(time, 12, 2) as integer) as event_hour
from read_csv('/tmp/g20/tianchi_fresh_comp_train_user_online_part*.txt', delim='\t', header=false,
 columns={'user_id':'BIGINT','item_id':'BIGINT','behavior_type':'INT','user_geohash':'VARCHAR','item_category':'BIGINT','time':'VARCHAR'})
