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
        {{ list_min_code(column_name, ';') }} < 0
        or {{ list_max_code(column_name, ';') }} >= (select num_buckets from buckets)
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

{#- Every dense feature's bucket id (<feature>_bin) lies in [0, num_buckets) and follows its value:
    the values of a higher bucket are all above those of a lower one. One query per export; a
    failing row names the feature and the bucket. -#}
{% test dense_bins_follow_values(model) %}
    {%- set bin_columns = [] -%}
    {%- for column in (adapter.get_columns_in_relation(model) if execute else []) -%}
        {%- if column.name.endswith('_bin') %}{% do bin_columns.append(column.name) %}{% endif -%}
    {%- endfor -%}
    with buckets as (
        select feature_name, num_buckets from {{ ref('export_id_buckets') }}
    ),
    ranges as (
        {%- for bin_column in bin_columns %}
        {%- set value_column = bin_column[:-4] %}
        select
            '{{ bin_column }}' as feature_name,
            {{ bin_column }} as bin,
            min({{ value_column }}) as min_value,
            max({{ value_column }}) as max_value
        from {{ model }}
        group by 1, 2
        {{ "union all" if not loop.last }}
        {%- else %}
        select
            'none' as feature_name,
            cast(0 as bigint) as bin,
            cast(0 as double) as min_value,
            cast(0 as double) as max_value
        where 1 = 0
        {%- endfor %}
    ),
    ordered as (
        select
            *,
            lead(min_value) over (partition by feature_name order by bin) as next_min_value
        from ranges
    )
    select ordered.*, buckets.num_buckets
    from ordered
    left join buckets on ordered.feature_name = buckets.feature_name
    where
        buckets.num_buckets is null
        or ordered.bin < 0
        or ordered.bin >= buckets.num_buckets
        or ordered.max_value >= ordered.next_min_value
{% endtest %}
