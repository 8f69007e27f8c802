-- TEMPORARY development stub
select item_id, item_geohash, item_category
from read_csv('/tmp/g20/tianchi_fresh_comp_train_item_online.txt', delim='\t', header=false,
 columns={'item_id':'BIGINT','item_geohash':'VARCHAR','item_category':'BIGINT'})
