{#- Id codes must lie in [0, num_buckets) of export_id_buckets, or tzrec crashes mid-training. -#}
{% test within_buckets(model, column_name) %}
    with buckets as (
        select num_buckets from {{ ref('export_id_buckets') }}
        where feature_name = '{{ column_name }}'
    )
    select {{ column_name }}
    from {{ model }}
    where
        {{ column_name }} < 0
        or {{ column_name }} >= (select num_buckets from buckets)
        or (select count(*) from buckets) = 0
{% endtest %}

{#- Every code of a ';'-joined sequence lies in [0, num_buckets). -#}
{% test sequence_within_buckets(model, column_name) %}
    with buckets as (
        select num_buckets from {{ ref('export_id_buckets') }}
        where feature_name = '{{ column_name }}'
    )
    select {{ column_name }}
    from {{ model }}
    where
        {{ tianchi_list_min_code(column_name, ';') }} < 0
        or {{ tianchi_list_max_code(column_name, ';') }} >= (select num_buckets from buckets)
        or (select count(*) from buckets) = 0
{% endtest %}

{#- No column of the model holds a null (the exports' "no nulls in features" rule). -#}
{% test no_null_columns(model) %}
    {%- set columns = adapter.get_columns_in_relation(model) if execute else [] -%}
    select *
    from {{ model }}
    where
        false
        {%- for column in columns %}
        or {{ adapter.quote(column.name) }} is null
        {%- endfor %}
{% endtest %}
