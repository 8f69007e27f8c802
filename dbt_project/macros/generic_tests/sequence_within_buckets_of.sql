{#- Every code of a ';'-joined sequence lies in [0, num_buckets) of another id feature of export_id_buckets
    (`feature`): for a sequence of codes that has no row of its own there (the runner fills its bucket count
    from that feature, e.g. p_hist__category_code from category_code). -#}
{% test sequence_within_buckets_of(model, column_name, feature) %}
    with buckets as (
        select num_buckets from {{ ref('export_id_buckets') }}
        where feature_name = '{{ feature }}'
    )
    select {{ column_name }}
    from {{ model }}
    where
        {{ list_min_code(column_name, ';') }} < 0
        or {{ list_max_code(column_name, ';') }} >= (select num_buckets from buckets)
        or (select count(*) from buckets) = 0
{% endtest %}
