
  
  create view "tianchi"."main"."stg_tianchi__answers__dbt_tmp" as (
    with

answers as (

    select * from read_csv('data/bench/5x/raw/answers/answers_20141219.txt', delim = '\t', header = false, quote = '', escape = '',
        columns = {'user_id': 'BIGINT', 'item_id': 'BIGINT'})

),

final as (

    select distinct
        cast('2014-12-19' as date) as label_date,
        user_id,
        item_id

    from answers

)

select * from final
  );
